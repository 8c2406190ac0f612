using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Graphs;

/// <summary>
/// Exports a <see cref="Module"/> to ONNX from its recorded graph: each layer call exports itself under its
/// state-dict path (its parameters become initializers with their state-dict names), each tensor operation as its
/// ONNX operators, and a parameter, buffer or constant read by an operation becomes an initializer.
/// </summary>
internal static class GraphExport
{
    public static void Export(Module module, OnnxGraph graph, string prefix, int[] inputShape)
    {
        GraphRecorder recording = module.Record(new Tensor(inputShape), RecordingMode.Shapes);
        Dictionary<ILayer, string> paths = module.PathMap();
        var keys = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach ((string key, Tensor tensor) in module.StateDict())
        {
            keys.TryAdd(tensor, key);
        }

        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance) { [recording.Input] = graph.Current };
        int step = 0;
        foreach (GraphNode node in recording.Nodes)
        {
            string[] inputs = [.. node.Inputs.Select(Name)];
            if (node is LayerCall call)
            {
                string path = paths.TryGetValue(call.Layer, out string? p) ? p : $"{call.Layer.Name.ToLowerInvariant()}_{step}";
                string layerPrefix = prefix + path + ".";
                graph.SetCurrent(inputs[0]);
                int before = graph.Nodes.Count;
                if (call.Layer is Layer layer)
                {
                    layer.ExportOnnx(graph, layerPrefix, call.Input.Shape.ToArray());
                }
                else
                {
                    OnnxGraph.ThrowUnsupported(call.Layer, layerPrefix);
                }

                // A layer that adds no node (none today) passes its input on.
                names[node.Output] = graph.Nodes.Count > before ? graph.Nodes[^1].Output : inputs[0];
            }
            else
            {
                var op = (OpCall)node;
                string opPrefix = $"{prefix}{op.Op.Name}_{step}";
                string output = opPrefix + "_output_0";
                op.Op.ExportOnnx(graph, opPrefix, inputs, [.. op.Inputs.Select(t => t.Shape.ToArray())], output);
                names[node.Output] = output;
            }

            step++;
        }

        graph.SetCurrent(null);
        string result = Name(recording.Output!);
        if (graph.Nodes.Count == 0 || graph.Nodes[^1].Output != result)
        {
            // The output is not the last step's (or is the input itself): an Identity makes it the graph's last value.
            graph.AddNode("Identity", prefix + "output", result);
        }

        string Name(Tensor value)
        {
            if (names.TryGetValue(value, out string? name))
            {
                return name;
            }

            // Read but never produced: a parameter or buffer under its state-dict key, else a constant.
            name = keys.TryGetValue(value, out string? key) ? prefix + key : $"{prefix}constant_{names.Count}";
            graph.AddInitializer(name, value);
            names[value] = name;
            return name;
        }
    }
}
