using LeNet.Graphs;
using LeNet.Graphs.Ops;
using LeNet.Layers;

namespace LeNet.Wasm;

/// <summary>
/// A whole evaluation-mode <see cref="Module"/> (a ResNet, a MobileNet) as one <see cref="WasmProgram"/>: the traced
/// graph (<see cref="GraphRecorder"/>, the one representation of the model's computation) walked node by node, each
/// layer or tensor operation emitted as a function over feature maps that all live in the arena
/// (<see cref="WasmMap"/>, channels-last), so no map leaves WebAssembly between layers. A convolution (dense,
/// depthwise) takes the BatchNorm2d after it (folded), a residual add and an activation (ReLU, ReLU6, Hardswish);
/// max pools read a −∞ border, so their padding costs nothing; the average pool to 1×1, flatten and the dense layer
/// finish the network. <see cref="WasmNetworkKernels"/> writes the functions.
/// </summary>
/// <remarks>
/// Nodes covered: Conv2d (groups 1, depthwise, or 4k output channels a group; dilation 1) [+ BatchNorm2d] [+ add] [+ activation], ReLU, ReLU6,
/// Hardswish, MaxPool2d (any padding), AvgPool2d without padding, AdaptiveAvgPool2d to 1×1, mean over H and W,
/// Linear [+ activation], Flatten / reshape / Dropout / Identity (the same map), the element-wise add and the
/// concatenation of channels (each part a multiple of 4 channels). Anything else throws
/// <see cref="NotSupportedException"/>: <see cref="WasmGraph"/> (segments) is then the fallback.
/// </remarks>
internal static class WasmNetwork
{
    /// <summary>
    /// Emits <paramref name="module"/> (evaluation mode) for images of <paramref name="imageShape"/> ([C, H, W]) with
    /// the weights it holds now. The program's input is one image [C, H, W], its output the network's output (flattened).
    /// </summary>
    /// <exception cref="InvalidOperationException">The module is in training mode.</exception>
    /// <exception cref="NotSupportedException">A node has no WebAssembly form here; the message names it.</exception>
    public static WasmProgram Emit(Module module, int[] imageShape)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(imageShape);
        if (module.IsTraining)
        {
            throw new InvalidOperationException($"WasmNetwork: {module.GetType().Name} is in training mode; call Eval() first.");
        }

        // The structure and shapes only: leaf layers return zeros, weights are read from the layers.
        GraphRecorder recording = module.Record(new Tensor([1, .. imageShape]), RecordingMode.Shapes);
        return new Builder(recording).Build();
    }

    /// <summary>The activations a stage applies last.</summary>
    internal enum Activation
    {
        None,
        Relu,
        Relu6,
        Hardswish,
    }

    /// <summary>One emitted function: what it reads, what it writes, and how.</summary>
    internal abstract record Unit(int Output);

    /// <summary>
    /// A convolution: out = act(conv(in, weight) + bias [+ residual]); weight [O, I/groups, kH, kW] and bias [O]
    /// with any BatchNorm folded in; groups 1 or the channel count (depthwise).
    /// </summary>
    internal sealed record ConvUnit(int Input, int Output, float[] Weight, float[] Bias, int Groups, (int H, int W) Kernel, (int H, int W) Stride, (int H, int W) Padding, int? Residual, Activation Act) : Unit(Output);

    /// <summary>A max pool (−∞ border) or an average pool (no padding): kernel, stride, padding.</summary>
    internal sealed record PoolUnit(int Input, int Output, bool Max, (int H, int W) Kernel, (int H, int W) Stride, (int H, int W) Padding) : Unit(Output);

    /// <summary>The mean over the whole map, to 1×1.</summary>
    internal sealed record GlobalPoolUnit(int Input, int Output) : Unit(Output);

    /// <summary>y = act(x · Wᵀ + b), the input read in [C, H, W] order; weight [Out, In].</summary>
    internal sealed record DenseUnit(int Input, int Output, float[] Weight, float[] Bias, Activation Act) : Unit(Output);

    /// <summary>y = act(a + b), element-wise (b null: y = act(a)).</summary>
    internal sealed record ElementwiseUnit(int A, int? B, int Output, Activation Act) : Unit(Output);

    /// <summary>The channels of the inputs one after the other.</summary>
    internal sealed record ConcatUnit(int[] Inputs, int Output) : Unit(Output);

    private sealed class Builder
    {
        private readonly List<GraphNode> _nodes;
        private readonly int[][] _inputs;
        private readonly int[] _outputs;
        private readonly int[] _readers;
        private readonly int _result;
        private readonly List<WasmMap?> _maps = [];
        private readonly List<Unit> _units = [];

        public Builder(GraphRecorder recording)
        {
            _nodes = recording.Nodes;
            var slots = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance) { [recording.Input] = 0 };
            _maps.Add(MapOf(recording.Input, "the input"));
            _inputs = new int[_nodes.Count][];
            _outputs = new int[_nodes.Count];
            for (int i = 0; i < _nodes.Count; i++)
            {
                GraphNode node = _nodes[i];
                _inputs[i] = [.. node.Inputs.Select(input => slots.TryGetValue(input, out int slot) ? slot
                    : throw new NotSupportedException($"WasmNetwork: node {i} ({Describe(node)}) reads a tensor no node produced (a constant or a parameter's value)."))];
                _outputs[i] = _maps.Count;
                slots[node.Output] = _maps.Count;
                _maps.Add(null);
            }

            _result = slots[recording.Output!];
            _readers = new int[_maps.Count];
            foreach (int[] inputs in _inputs)
            {
                foreach (int input in inputs)
                {
                    _readers[input]++;
                }
            }

            _readers[_result]++;
        }

        public WasmProgram Build()
        {
            for (int i = 0; i < _nodes.Count;)
            {
                i = Plan(i);
            }

            // Arena: the maps (each its own, borders as their readers need), then the weights the kernels append.
            var arena = new List<float>();
            foreach (WasmMap? map in _maps.Distinct())
            {
                if (map is not null)
                {
                    map.Offset = arena.Count * sizeof(float);
                    arena.AddRange(map.Contents());
                }
            }

            var writer = new WasmModuleWriter();
            var maps = _maps.ToArray();
            foreach (Unit unit in _units)
            {
                writer.Add(WasmNetworkKernels.Emit(unit, maps!, arena));
            }

            WasmMap input = maps[0]!, output = maps[_result]!;
            var forward = new WasmCode(3);
            WasmNetworkKernels.CopyIn(forward, input);
            for (int u = 0; u < _units.Count; u++)
            {
                forward.Get(0);
                forward.Call(u);
            }

            WasmNetworkKernels.CopyOut(forward, output);
            writer.Export("forward", writer.Add(forward));
            return new WasmProgram(writer.ToArray(), [.. arena], input.Channels * input.Height * input.Width, output.Channels * output.Height * output.Width);
        }

        /// <summary>Plans node <paramref name="i"/> (and the nodes it fuses); returns the next node's index.</summary>
        private int Plan(int i)
        {
            GraphNode node = _nodes[i];
            int input = _inputs[i][0], output = _outputs[i];
            switch (node)
            {
                case LayerCall { Layer: Conv2d conv }:
                    return PlanConv(i, conv);
                case LayerCall { Layer: Linear linear }:
                    {
                        float[] weight = linear.Weight.Value.ToArray(), bias = linear.Bias?.Value.ToArray() ?? new float[linear.OutFeatures];
                        (int next, int last, Activation act) = FuseActivation(i + 1, output);
                        _maps[last] = new WasmMap(linear.OutFeatures, 1, 1);
                        _units.Add(new DenseUnit(input, last, weight, bias, act));
                        return next;
                    }

                case LayerCall { Layer: ReLU or ReLU6 or Hardswish } call:
                    Image(input, node);
                    Map(output, node);
                    _units.Add(new ElementwiseUnit(input, null, output, ActivationOf(call.Layer)));
                    return i + 1;
                case LayerCall { Layer: MaxPool2d or AvgPool2d } call:
                    {
                        var pool = (Pool2d)call.Layer;
                        if (pool.Dilation != (1, 1) || pool.CeilMode || (pool is AvgPool2d && pool.Padding != (0, 0)))
                        {
                            throw Unsupported(i, "dilation, ceil mode or a padded average pool");
                        }

                        WasmMap source = Image(input, node);
                        Border(source, Math.Max(pool.Padding.Height, pool.Padding.Width), pool is MaxPool2d ? float.NegativeInfinity : 0f, i);
                        Map(output, node);
                        _units.Add(new PoolUnit(input, output, pool is MaxPool2d, pool.KernelSize, pool.Stride, pool.Padding));
                        return i + 1;
                    }

                case LayerCall { Layer: AdaptiveAvgPool2d adaptive } when adaptive.OutputSize == (1, 1):
                    Image(input, node);
                    Map(output, node);
                    _units.Add(new GlobalPoolUnit(input, output));
                    return i + 1;
                case OpCall { Op: ReduceOp } when node.Inputs[0].Rank == 4 && node.Output.Length == node.Inputs[0].Shape[0] * node.Inputs[0].Shape[1] && node.Inputs[0].Shape[0] == 1:
                    if (((OpCall)node).Op.Name != "mean")
                    {
                        throw Unsupported(i, "a sum");
                    }

                    Image(input, node);
                    _maps[output] = new WasmMap(node.Inputs[0].Shape[1], 1, 1);
                    _units.Add(new GlobalPoolUnit(input, output));
                    return i + 1;
                case LayerCall { Layer: Flatten or Dropout or Dropout2d or Identity }:
                case OpCall { Op: ReshapeOp or CloneOp }:
                    // The same floats in the same [C, H, W] order: the same map.
                    _maps[output] = _maps[input];
                    return i + 1;
                case OpCall { Op: var op } when ReferenceEquals(op, BinaryOp.Add) && _inputs[i].Length == 2 && node.Inputs[0].Shape.SequenceEqual(node.Inputs[1].Shape):
                    {
                        Image(_inputs[i][0], node);
                        Image(_inputs[i][1], node);
                        (int next, int last, Activation act) = FuseActivation(i + 1, output);
                        Map(last, node);
                        _units.Add(new ElementwiseUnit(_inputs[i][0], _inputs[i][1], last, act));
                        return next;
                    }

                case OpCall { Op: CatOp } when node.Output.Rank == 4 && node.Output.Shape[0] == 1 && node.Inputs.All(x => x.Rank == 4 && x.Shape[1] % 4 == 0 && x.Shape[2] == node.Output.Shape[2] && x.Shape[3] == node.Output.Shape[3]) && node.Inputs.Sum(x => x.Shape[1]) == node.Output.Shape[1]:
                    foreach (int part in _inputs[i])
                    {
                        Image(part, node);
                    }

                    Map(output, node);
                    _units.Add(new ConcatUnit(_inputs[i], output));
                    return i + 1;
                default:
                    throw Unsupported(i, "no WebAssembly form");
            }
        }

        private int PlanConv(int i, Conv2d conv)
        {
            GraphNode node = _nodes[i];
            int input = _inputs[i][0];
            bool depthwise = conv.Groups > 1 && conv.Groups == conv.InChannels && conv.Groups == conv.OutChannels;
            if ((conv.Groups != 1 && !depthwise && conv.OutChannels / conv.Groups % 4 != 0) || conv.Dilation != (1, 1))
            {
                throw Unsupported(i, $"groups {conv.Groups} with {conv.OutChannels / conv.Groups} output channels a group (1, depthwise or 4k a group) or dilation {conv.Dilation}");
            }

            float[] weight = conv.Weight.Value.ToArray(), bias = conv.Bias?.Value.ToArray() ?? new float[conv.OutChannels];
            int last = _outputs[i], next = i + 1;
            if (next < _nodes.Count && _nodes[next] is LayerCall { Layer: BatchNorm2d norm } && _inputs[next][0] == last && _readers[last] == 1)
            {
                norm.FoldInto(weight, bias);
                last = _outputs[next];
                next++;
            }

            Activation act = Activation.None;
            int? residual = null;
            if (next < _nodes.Count && _nodes[next] is LayerCall { Layer: ReLU or ReLU6 or Hardswish } call && _inputs[next][0] == last && _readers[last] == 1)
            {
                act = ActivationOf(call.Layer);
                last = _outputs[next];
                next++;
            }
            else if (!depthwise && next < _nodes.Count && _nodes[next] is OpCall { Op: var op } add && ReferenceEquals(op, BinaryOp.Add) && _inputs[next].Length == 2
                && _inputs[next].Contains(last) && _readers[last] == 1 && _inputs[next][0] != _inputs[next][1] && add.Inputs[0].Shape.SequenceEqual(add.Inputs[1].Shape))
            {
                residual = _inputs[next][0] == last ? _inputs[next][1] : _inputs[next][0];
                Image(residual.Value, add);
                last = _outputs[next];
                (next, last, act) = FuseActivation(next + 1, last);
            }

            WasmMap source = Image(input, node);
            Border(source, Math.Max(conv.Padding.Height, conv.Padding.Width), 0f, i);
            Map(last, _nodes[next - 1]);
            _units.Add(new ConvUnit(input, last, weight, bias, conv.Groups, conv.KernelSize, conv.Stride, conv.Padding, residual, act));
            return next;
        }

        /// <summary>An activation layer at <paramref name="next"/> reading only <paramref name="last"/>, fused.</summary>
        private (int Next, int Last, Activation Act) FuseActivation(int next, int last) =>
            next < _nodes.Count && _nodes[next] is LayerCall { Layer: ReLU or ReLU6 or Hardswish } call && _inputs[next][0] == last && _readers[last] == 1
                ? (next + 1, _outputs[next], ActivationOf(call.Layer))
                : (next, last, Activation.None);

        private static Activation ActivationOf(ILayer layer) => layer switch
        {
            ReLU => Activation.Relu,
            ReLU6 => Activation.Relu6,
            _ => Activation.Hardswish,
        };

        /// <summary>The map of value <paramref name="value"/>, checked to be the [1, C, H, W] that <paramref name="reader"/> reads.</summary>
        private WasmMap Image(int value, GraphNode reader)
        {
            WasmMap map = _maps[value]!;
            Tensor read = reader.Inputs[Array.IndexOf(_inputs[_nodes.IndexOf(reader)], value)];
            if (read.Rank != 4 || read.Shape[0] != 1 || read.Shape[1] != map.Channels || read.Shape[2] != map.Height || read.Shape[3] != map.Width)
            {
                throw new NotSupportedException($"WasmNetwork: {Describe(reader)} reads [{string.Join(", ", read.Shape.ToArray())}], a view of a map [1, {map.Channels}, {map.Height}, {map.Width}] in another shape.");
            }

            return map;
        }

        private void Map(int value, GraphNode node) => _maps[value] = MapOf(node.Output, Describe(node));

        private static WasmMap MapOf(Tensor tensor, string what) => tensor.Rank switch
        {
            4 when tensor.Shape[0] == 1 => new WasmMap(tensor.Shape[1], tensor.Shape[2], tensor.Shape[3]),
            2 when tensor.Shape[0] == 1 => new WasmMap(tensor.Shape[1], 1, 1),
            _ => throw new NotSupportedException($"WasmNetwork: {what} has shape [{string.Join(", ", tensor.Shape.ToArray())}]; expected [1, C, H, W] or [1, F]."),
        };

        /// <summary>Asks <paramref name="map"/> for a border of <paramref name="pad"/> holding <paramref name="value"/>.</summary>
        private void Border(WasmMap map, int pad, float value, int i)
        {
            if (pad == 0)
            {
                return;
            }

            if (map.Border is float border && border != value)
            {
                throw Unsupported(i, "a map read with both zero and −∞ padding");
            }

            map.Border = value;
            map.Pad = Math.Max(map.Pad, pad);
        }

        private NotSupportedException Unsupported(int i, string why) =>
            new($"WasmNetwork: node {i} ({Describe(_nodes[i])}) has no WebAssembly form: {why}.");

        private static string Describe(GraphNode node) => node switch
        {
            LayerCall call => call.Layer.ToString() ?? call.Layer.GetType().Name,
            OpCall op => op.Op.Name,
            _ => node.GetType().Name,
        };
    }
}
