using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using LeNet.Layers;

namespace LeNet.IO;

/// <summary>
/// Walks an ONNX graph from its input to its output, one node at a time, turning each operator on the
/// chain's current value into a layer (or a no-op), and evaluating the small integer computations that
/// feed shapes and pads (Shape, Gather, Unsqueeze, Concat, …) on the side.
/// </summary>
/// <remarks>
/// The current value's shape is tracked with the batch as dimension 0 (1 when symbolic). A Reshape,
/// Squeeze or Unsqueeze only changes the "view" of the current value; the view becomes a
/// <see cref="Flatten"/> when a layer needs it (or stays a view around BatchNormalization), and any
/// other reshape is refused.
/// </remarks>
internal sealed partial class OnnxChainBuilder
{
    /// <summary>The symbolic batch size inside integer (shape) computations.</summary>
    private const long Batch = long.MinValue;

    /// <summary>The largest integer tensor a shape computation may build (ConstantOfShape), so hostile shapes cannot exhaust memory.</summary>
    private const int MaxIntElements = 1 << 16;

    private readonly OnnxModelData _model;
    private readonly OnnxExternalData? _external;
    private readonly Dictionary<string, OnnxTensorData> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IntValue> _ints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _dataConsumers = new(StringComparer.Ordinal);
    private readonly List<(string Name, ILayer Layer)> _layers = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<OnnxNodeData> _fused = [];
    private long _opset;
    private string _current = "";
    private int[]? _shape;
    private int[]? _view;
    private OnnxNodeData? _viewNode;

    public OnnxChainBuilder(OnnxModelData model, OnnxExternalData? external)
    {
        _model = model;
        _external = external;
    }

    private readonly record struct IntValue(long[] Data, int[] Dims);

    /// <summary>The ONNX shape of the current value: the view when a reshape changed it, else the layers' shape.</summary>
    private int[]? ViewShape => _view ?? _shape;

    public Sequential Build()
    {
        OnnxGraphData graph = _model.Graph;
        ReadOpset();
        foreach (OnnxTensorData initializer in graph.Initializers)
        {
            _constants[initializer.Name] = initializer;
        }

        OnnxValueInfo[] inputs = [.. graph.Inputs.Where(i => !_constants.ContainsKey(i.Name))];
        if (inputs.Length != 1)
        {
            throw new NotSupportedException($"the graph has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); a chain of layers has exactly one.");
        }

        if (graph.Outputs.Count != 1)
        {
            throw new NotSupportedException($"the graph has {graph.Outputs.Count} outputs; a chain of layers has exactly one.");
        }

        _current = inputs[0].Name;
        _shape = StaticShape(inputs[0].Shape);
        CountConsumers(graph);
        foreach (OnnxNodeData constant in graph.Nodes.Where(n => n.OpType == "Constant" && n.Domain is "" or "ai.onnx"))
        {
            AddConstant(constant); // constants first: a pattern may look ahead at one defined after its first node
        }

        foreach (OnnxNodeData node in graph.Nodes)
        {
            if (_fused.Contains(node))
            {
                continue;
            }

            if (node.Domain is not ("" or "ai.onnx"))
            {
                throw new NotSupportedException($"{node} is in domain '{node.Domain}'; only the default ONNX domain is supported.");
            }

            if (node.OpType == "Constant")
            {
                continue;
            }

            if (!node.Inputs.Contains(_current))
            {
                EvaluateInts(node);
            }
            else if (node.OpType == "Shape")
            {
                ShapeOfCurrent(node);
            }
            else if (!TrySoftsign(node))
            {
                CheckChain(node);
                Map(node);
            }
        }

        string output = graph.Outputs[0].Name;
        if (_current != output)
        {
            throw new NotSupportedException($"the graph output '{output}' is not the end of the chain of layers from the input (which ends at '{_current}').");
        }

        MaterializeView(forBatchNorm: false);
        return new Sequential([.. _layers]);
    }

    private void ReadOpset() => _opset = OnnxGraphBuilder.ReadOpset(_model);

    /// <summary>The input's shape with the batch (dimension 0) as 1 when symbolic; null when any other size is unknown.</summary>
    internal static int[]? StaticShape(long?[]? dims)
    {
        if (dims is null || dims.Length == 0)
        {
            return null;
        }

        int[] shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            long? dim = i == 0 ? dims[0] ?? 1 : dims[i];
            if (dim is not { } size || size <= 0 || size > int.MaxValue)
            {
                return null;
            }

            shape[i] = (int)size;
        }

        return shape;
    }

    private void CountConsumers(OnnxGraphData graph)
    {
        foreach (OnnxNodeData node in graph.Nodes)
        {
            foreach (string input in node.Inputs.Where(i => i.Length > 0).Distinct())
            {
                _consumers[input] = _consumers.GetValueOrDefault(input) + 1;
                if (node.OpType != "Shape")
                {
                    _dataConsumers[input] = _dataConsumers.GetValueOrDefault(input) + 1;
                }
            }
        }

        foreach (OnnxValueInfo output in graph.Outputs)
        {
            _consumers[output.Name] = _consumers.GetValueOrDefault(output.Name) + 1;
            _dataConsumers[output.Name] = _dataConsumers.GetValueOrDefault(output.Name) + 1;
        }
    }

    /// <summary>A node on the chain reads the current value as its first input, and nothing else reads it (but Shape).</summary>
    private void CheckChain(OnnxNodeData node)
    {
        if (node.Inputs[0] != _current || node.Inputs.Skip(1).Contains(_current))
        {
            throw new NotSupportedException($"{node} reads the chain's value '{_current}' as an input other than its first; only chains of single-input layers are supported.");
        }

        if (_dataConsumers.GetValueOrDefault(_current) > 1)
        {
            throw new NotSupportedException($"the graph branches at '{_current}' ({_dataConsumers[_current]} nodes read it, {node} among them); only chains of layers are supported.");
        }
    }

    /// <summary>The node's (only used) output becomes the chain's current value.</summary>
    private void Advance(OnnxNodeData node)
    {
        if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0)
        {
            throw new InvalidDataException($"{node} has no output.");
        }

        for (int i = 1; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i].Length > 0 && _consumers.GetValueOrDefault(node.Outputs[i]) > 0)
            {
                throw new NotSupportedException($"{node}'s output {i} ('{node.Outputs[i]}') is used; only its first output maps to a layer.");
            }
        }

        _current = node.Outputs[0];
    }

    /// <summary>Appends a layer made from <paramref name="node"/>, named by the naming rule, and moves the chain on.</summary>
    private void AddLayer(ILayer layer, OnnxNodeData node, string? weightName = null)
    {
        MaterializeView(forBatchNorm: false);
        AppendLayer(layer, node, weightName);
        Advance(node);
    }

    private void AppendLayer(ILayer layer, OnnxNodeData node, string? weightName)
    {
        if (_shape is not null)
        {
            try
            {
                _shape = layer.GetOutputShape(_shape);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{node} does not fit its input: {e.Message}", e);
            }
        }

        _layers.Add((UniqueName(ChildName(node, weightName)), layer));
    }

    /// <summary>A reshape of the current value that no layer has done yet becomes a Flatten here (or stays a view around BatchNormalization).</summary>
    private void MaterializeView(bool forBatchNorm)
    {
        if (_view is null || _shape is null)
        {
            return;
        }

        if (forBatchNorm && _view.Length > _shape.Length && _view.AsSpan(0, _shape.Length).SequenceEqual(_shape) && _view.Skip(_shape.Length).All(d => d == 1))
        {
            return; // Unsqueeze → BatchNormalization → Squeeze around a dense layer: per-channel, so the same on [N, C].
        }

        if (_view.Length == 2 && _shape.Length > 2 && _view[0] == _shape[0] && _view[1] == Product(_shape, 1))
        {
            AppendLayer(new Flatten(), _viewNode!, null);
            _view = null;
            return;
        }

        // [*, S] → [*, s1, s2, …]: nn.Unflatten(d, (s1, s2, …)), e.g. [N, 64] → [N, 4, 4, 4] before a convolution.
        int d = _shape.Length - 1;
        if (d >= 1 && _view.Length > _shape.Length && _view.AsSpan(0, d).SequenceEqual(_shape.AsSpan(0, d)) && Product(_view, d) == _shape[d])
        {
            AppendLayer(Create(_viewNode!, () => new Unflatten(d, _view[d..])), _viewNode!, null);
            _view = null;
            return;
        }

        throw new NotSupportedException($"{_viewNode} reshapes {Tensor.FormatShape(_shape)} to {Tensor.FormatShape(_view)}; only flattening to [N, features] (Flatten) or expanding the last dimension (Unflatten) maps to a layer.");
    }

    /// <summary>A reshape that changes only how the current value is seen (no data moves).</summary>
    private void SetView(int[] view, OnnxNodeData node)
    {
        _view = _shape is not null && view.AsSpan().SequenceEqual(_shape) ? null : view;
        _viewNode = node;
        Advance(node);
    }

    private static string ChildName(OnnxNodeData node, string? weightName)
    {
        if (weightName is not null && weightName.EndsWith(".weight", StringComparison.Ordinal) && weightName.Length > ".weight".Length)
        {
            return Sanitize(weightName[..^".weight".Length]);
        }

        string[] parts = node.Name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string name = parts.Length switch
        {
            0 => "",
            1 => parts[0],
            _ => parts[^2],
        };
        name = Sanitize(name);
        return name.Length > 0 ? name : node.OpType.ToLowerInvariant();
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return builder.ToString().Trim('_');
    }

    private string UniqueName(string name)
    {
        if (name.Length == 0)
        {
            name = "layer";
        }

        string unique = name;
        for (int n = 2; !_names.Add(unique); n++)
        {
            unique = $"{name}_{n.ToString(CultureInfo.InvariantCulture)}";
        }

        return unique;
    }

    private static int Product(ReadOnlySpan<int> shape, int from)
    {
        long product = 1;
        foreach (int size in shape[from..])
        {
            product *= size;
        }

        return (int)Math.Min(product, int.MaxValue);
    }

    private static NotSupportedException NotSupported(OnnxNodeData node, string why) => new($"{node}: {why}");

    [DoesNotReturn]
    private static void Unsupported(OnnxNodeData node, string why) => throw new NotSupportedException($"{node}: {why}");

    [DoesNotReturn]
    private static void Invalid(OnnxNodeData node, string why) => throw new InvalidDataException($"{node}: {why}");
}
