using LeNet.Layers;

namespace LeNet.IO;

/// <summary>The operators on the chain and the layers they become.</summary>
internal sealed partial class OnnxChainBuilder
{
    private void Map(OnnxNodeData node)
    {
        switch (node.OpType)
        {
            case "Identity":
                Advance(node);
                break;
            case "Dropout":
                MapDropout(node);
                break;
            case "Relu":
                AddLayer(new ReLU(), node);
                break;
            case "Sigmoid":
                AddLayer(new Sigmoid(), node);
                break;
            case "Tanh":
                AddLayer(new Tanh(), node);
                break;
            case "LeakyRelu":
                AddLayer(Create(node, () => new LeakyReLU(FloatAttribute(node, "alpha", 0.01f))), node);
                break;
            case "Elu":
                AddLayer(Create(node, () => new ELU(FloatAttribute(node, "alpha", 1f))), node);
                break;
            case "Selu":
                MapSelu(node);
                break;
            case "PRelu":
                MapPRelu(node);
                break;
            case "Softplus":
                AddLayer(new Softplus(), node); // ONNX Softplus is ln(1 + eˣ): torch's beta 1; its threshold 20 changes < 1e-8
                break;
            case "Softsign":
                AddLayer(new Softsign(), node);
                break;
            case "Softmax":
            case "LogSoftmax":
                MapSoftmax(node, negated: false);
                break;
            case "Neg":
                MapNegSoftmax(node);
                break;
            case "DepthToSpace":
                MapDepthToSpace(node);
                break;
            case "Flatten":
                MapFlatten(node);
                break;
            case "Reshape":
                MapReshape(node);
                break;
            case "Squeeze":
            case "Unsqueeze":
                MapSqueeze(node);
                break;
            case "Conv":
                MapConv(node);
                break;
            case "Gemm":
                MapGemm(node);
                break;
            case "MatMul":
                MapMatMul(node);
                break;
            case "MaxPool":
            case "AveragePool":
                MapPool(node);
                break;
            case "ConvTranspose":
                MapConvTranspose(node);
                break;
            case "BatchNormalization":
                MapBatchNorm(node);
                break;
            case "GlobalAveragePool":
                MapGlobalAveragePool(node);
                break;
            case "Pad":
                MapPad(node);
                break;
            default:
                Unsupported(node, $"operator {node.OpType} has no LeNet layer (supported: {SupportedOperators})");
                break;
        }
    }

    /// <summary>The operators the importer maps, for messages and docs.</summary>
    internal const string SupportedOperators =
        "Conv, ConvTranspose, BatchNormalization, Gemm, MatMul (+ Add), Relu, Sigmoid, Tanh, LeakyRelu, Elu, Selu, PRelu, Softplus, Softsign, Softmax, LogSoftmax, Neg + Softmax (Softmin), DepthToSpace (CRD), MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Squeeze, Unsqueeze, Pad, Dropout, Identity, Constant, and Shape/Gather/Unsqueeze/Concat/Cast/Slice/Transpose/ConstantOfShape on shapes";

    private void MapDropout(OnnxNodeData node)
    {
        // Opset 12 on: inputs (data, ratio, training_mode); a constant training_mode of true would drop at inference.
        if (OptionalInput(node, 2) is { } training && Ints(node, training).Data is [not 0])
        {
            Unsupported(node, "training_mode is true; only inference-mode dropout (a no-op) is supported");
        }

        float ratio = _opset < 12
            ? FloatAttribute(node, "ratio", 0.5f)
            : OptionalInput(node, 1) is not null ? Scalar(node, FloatInput(node, 1, "ratio")) : 0.5f;
        if (ratio is not (>= 0f and < 1f))
        {
            Invalid(node, $"ratio {ratio} is outside [0, 1)");
        }

        AddLayer(Create(node, () => new Dropout(ratio)), node); // the identity in evaluation mode, as at inference
    }

    private static float Scalar(OnnxNodeData node, (float[] Values, int[] Shape) value) =>
        value.Values.Length == 1 ? value.Values[0] : throw new InvalidDataException($"{node}: expected a scalar, got shape {Tensor.FormatShape(value.Shape)}.");

    private void MapSelu(OnnxNodeData node)
    {
        // torch.nn.SELU's constants; ONNX's defaults are the same numbers.
        const float Alpha = 1.6732632423543772f, Gamma = 1.0507009873554805f;
        float a = FloatAttribute(node, "alpha", Alpha), g = FloatAttribute(node, "gamma", Gamma);
        if (Math.Abs(a - Alpha) > 1e-6f || Math.Abs(g - Gamma) > 1e-6f)
        {
            Unsupported(node, $"alpha {a}, gamma {g}: only SELU's standard constants map to torch.nn.SELU");
        }

        AddLayer(new SELU(), node);
    }

    private void MapPRelu(OnnxNodeData node)
    {
        (float[] slope, int[] shape) = FloatInput(node, 1, "slope");
        // PyTorch exports the weight [C] as [C, 1, 1] for images (broadcast over H, W); one slope for all is [1].
        bool perChannel = slope.Length > 1;
        bool legacy = _opset < 7 && shape.Length == 1; // opset 6 took a [C] slope per channel
        if (perChannel && !legacy && (shape.Length == 0 || shape[0] != slope.Length || ViewShape is not { Length: >= 2 } x || x[1] != slope.Length || shape.Length != x.Length - 1))
        {
            Unsupported(node, $"slope of shape {Tensor.FormatShape(shape)} for input {(ViewShape is null ? "of unknown shape" : Tensor.FormatShape(ViewShape))}: only one slope or one per channel (dimension 1) maps to PReLU");
        }

        PReLU prelu = Create(node, () => new PReLU(slope.Length));
        slope.CopyTo(prelu.Weight.Value.AsSpan());
        AddLayer(prelu, node, node.Inputs[1]);
    }

    private void MapSoftmax(OnnxNodeData node, bool negated)
    {
        long axis = IntAttribute(node, "axis", _opset < 13 ? 1 : -1);
        int[]? shape = ViewShape;
        if (shape is null)
        {
            Unsupported(node, "the input's rank is unknown");
        }

        long dim = axis < 0 ? axis + shape.Length : axis;
        if (dim < 0 || dim >= shape.Length)
        {
            Invalid(node, $"axis {axis} is out of range for an input of rank {shape.Length}");
        }

        // Before opset 13 the input is seen as 2-D [d0·…·d(axis−1), d(axis)·…]: the same as torch's dim only for the last axis.
        if (_opset < 13 && dim != shape.Length - 1)
        {
            Unsupported(node, $"opset {_opset} {node.OpType} over axis {axis} of a rank-{shape.Length} input flattens the trailing dimensions, which no layer does");
        }

        SoftmaxLayer layer = Create<SoftmaxLayer>(node, () => (node.OpType, negated) switch
        {
            ("LogSoftmax", false) => new LogSoftmax((int)dim),
            (_, true) => new Softmin((int)dim),
            _ => new Softmax((int)dim),
        });
        AddLayer(layer, node);
    }

    /// <summary>
    /// x / (1 + |x|) as PyTorch exports Softsign: Abs(x) → Add(·, 1) → Div(x, ·), the one branch the importer
    /// folds into a layer. False when <paramref name="node"/> does not start that pattern.
    /// </summary>
    private bool TrySoftsign(OnnxNodeData node)
    {
        if (node.OpType != "Abs" || node.Inputs.Count != 1 || node.Outputs.Count != 1 || _dataConsumers.GetValueOrDefault(_current) != 2
            || _consumers.GetValueOrDefault(node.Outputs[0]) != 1)
        {
            return false;
        }

        OnnxNodeData? add = _model.Graph.Nodes.FirstOrDefault(n => n.Inputs.Contains(node.Outputs[0]));
        if (add is not { OpType: "Add", Inputs.Count: 2, Outputs.Count: 1 } || _consumers.GetValueOrDefault(add.Outputs[0]) != 1)
        {
            return false;
        }

        string one = add.Inputs[0] == node.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
        if (!_constants.TryGetValue(one, out OnnxTensorData? constant) || constant.ToFloats(_external) is not [1f])
        {
            return false;
        }

        OnnxNodeData? div = _model.Graph.Nodes.FirstOrDefault(n => n.Inputs.Contains(add.Outputs[0]));
        if (div is not { OpType: "Div", Inputs.Count: 2 } || div.Inputs[0] != _current || div.Inputs[1] != add.Outputs[0])
        {
            return false;
        }

        _fused.Add(add);
        _fused.Add(div);
        MaterializeView(forBatchNorm: false);
        AppendLayer(new Softsign(), node, null);
        Advance(div);
        return true;
    }

    /// <summary>Neg followed by Softmax is how PyTorch exports Softmin.</summary>
    private void MapNegSoftmax(OnnxNodeData node)
    {
        string output = node.Outputs.Count > 0 ? node.Outputs[0] : "";
        OnnxNodeData? softmax = _consumers.GetValueOrDefault(output) == 1 ? _model.Graph.Nodes.FirstOrDefault(n => n.Inputs.Contains(output)) : null;
        if (softmax is not { OpType: "Softmax" } || softmax.Inputs[0] != output)
        {
            Unsupported(node, "a negation maps to a layer only when a Softmax follows it (torch.nn.Softmin)");
        }

        Advance(node);
        _fused.Add(softmax);
        MapSoftmax(softmax, negated: true);
    }

    private void MapDepthToSpace(OnnxNodeData node)
    {
        if (StringAttribute(node, "mode", "DCR") != "CRD")
        {
            Unsupported(node, "mode DCR: only mode CRD is torch.nn.PixelShuffle");
        }

        long block = IntAttribute(node, "blocksize", 0);
        AddLayer(Create(node, () => new PixelShuffle(Checked(node, block, "blocksize"))), node);
    }

    private void MapFlatten(OnnxNodeData node)
    {
        long axis = IntAttribute(node, "axis", 1);
        int? rank = ViewShape?.Length;
        if (axis < 0 && rank is { } r)
        {
            axis += r;
        }

        if (axis != 1)
        {
            Unsupported(node, $"axis {axis}: only Flatten with axis 1 (torch.nn.Flatten's start_dim=1) is supported");
        }

        _view = null;
        AddLayer(new Flatten(), node);
    }

    private void MapReshape(OnnxNodeData node)
    {
        int[] shape = ViewShape ?? throw NotSupported(node, "the graph input's sizes (other than the batch) are not all known, so the reshape cannot be checked");

        long[] target = Ints(node, node.Inputs.Count > 1 ? node.Inputs[1] : "").Data;
        SetView(ResolveReshape(node, shape, target, IntAttribute(node, "allowzero", 0) != 0), node);
    }

    private void MapSqueeze(OnnxNodeData node)
    {
        int[] shape = ViewShape ?? throw NotSupported(node, "the graph input's sizes (other than the batch) are not all known");

        SetView(node.OpType == "Squeeze" ? Squeeze(node, shape) : Unsqueeze(node, shape), node);
    }

    private void MapConv(OnnxNodeData node)
    {
        (float[] weight, int[] w) = FloatInput(node, 1, "weight");
        if (w.Length != 4)
        {
            Unsupported(node, $"weight of shape {Tensor.FormatShape(w)}: only 2-D convolutions (weight [O, C/groups, kH, kW]) are supported");
        }

        long groups = IntAttribute(node, "group", 1);
        (int kh, int kw) = (w[2], w[3]);
        if (IntsAttribute(node, "kernel_shape") is { } kernel && !kernel.SequenceEqual([kh, kw]))
        {
            Invalid(node, $"kernel_shape {OnnxTensorData.Format(kernel)} differs from the weight's {kh}×{kw}");
        }

        (int sh, int sw) = Pair(node, "strides", 1);
        (int dh, int dw) = Pair(node, "dilations", 1);
        (int ph, int pw) = SymmetricPads(node);
        if (groups < 1 || groups > int.MaxValue / Math.Max(w[1], 1))
        {
            Invalid(node, $"group {groups} is out of range");
        }

        float[]? bias = OptionalInput(node, 2) is not null ? FloatInput(node, 2, "bias").Values : null;
        if (bias is not null && bias.Length != w[0])
        {
            Invalid(node, $"bias has {bias.Length} values for {w[0]} output channels");
        }

        Conv2d conv = Create(node, () => new Conv2d(w[1] * (int)groups, w[0], (kh, kw), (sh, sw), (ph, pw), bias is not null, (dh, dw), (int)groups));
        weight.CopyTo(conv.Weight.Value.AsSpan());
        bias?.CopyTo(conv.Bias!.Value.AsSpan());
        AddLayer(conv, node, node.Inputs[1]);
    }

    private void MapGemm(OnnxNodeData node)
    {
        if (IntAttribute(node, "transA", 0) != 0)
        {
            Unsupported(node, "transA = 1 (the input transposed) is not supported");
        }

        (float[] b, int[] shape) = FloatInput(node, 1, "weight (B)");
        if (shape.Length != 2)
        {
            Invalid(node, $"B has shape {Tensor.FormatShape(shape)}, expected rank 2");
        }

        bool transB = IntAttribute(node, "transB", 0) != 0;
        (int outFeatures, int inFeatures) = transB ? (shape[0], shape[1]) : (shape[1], shape[0]);
        float alpha = FloatAttribute(node, "alpha", 1f), beta = FloatAttribute(node, "beta", 1f);
        float[]? c = OptionalInput(node, 2) is not null ? BroadcastBias(node, FloatInput(node, 2, "bias (C)"), outFeatures) : null;
        Linear linear = Create(node, () => new Linear(inFeatures, outFeatures, bias: c is not null));
        Span<float> weight = linear.Weight.Value.AsSpan();
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                weight[(o * inFeatures) + i] = alpha * (transB ? b[(o * inFeatures) + i] : b[(i * outFeatures) + o]);
            }
        }

        if (c is not null)
        {
            Span<float> bias = linear.Bias!.Value.AsSpan();
            for (int o = 0; o < outFeatures; o++)
            {
                bias[o] = beta * c[o];
            }
        }

        AddLayer(linear, node, node.Inputs[1]);
    }

    /// <summary>MatMul by a constant [in, out] matrix, with the Add of a constant [out] bias that follows it (PyTorch's Linear on inputs of rank ≠ 2) folded in.</summary>
    private void MapMatMul(OnnxNodeData node)
    {
        (float[] b, int[] shape) = FloatInput(node, 1, "weight (B)");
        if (shape.Length != 2)
        {
            Unsupported(node, $"B has shape {Tensor.FormatShape(shape)}; only a constant [in, out] matrix maps to Linear");
        }

        (int inFeatures, int outFeatures) = (shape[0], shape[1]);
        OnnxNodeData? add = BiasAdd(node, outFeatures, out float[]? bias);
        Linear linear = Create(node, () => new Linear(inFeatures, outFeatures, bias: bias is not null));
        Span<float> weight = linear.Weight.Value.AsSpan();
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                weight[(o * inFeatures) + i] = b[(i * outFeatures) + o];
            }
        }

        bias?.CopyTo(linear.Bias!.Value.AsSpan());
        AddLayer(linear, node, node.Inputs[1]);
        if (add is not null)
        {
            _fused.Add(add);
            Advance(add);
        }
    }

    /// <summary>The Add that is the only reader of <paramref name="node"/>'s output and adds a constant of <paramref name="features"/> values.</summary>
    private OnnxNodeData? BiasAdd(OnnxNodeData node, int features, out float[]? bias)
    {
        bias = null;
        string output = node.Outputs.Count > 0 ? node.Outputs[0] : "";
        if (_consumers.GetValueOrDefault(output) != 1)
        {
            return null;
        }

        OnnxNodeData? add = _model.Graph.Nodes.FirstOrDefault(n => n.Inputs.Contains(output));
        if (add is not { OpType: "Add", Inputs.Count: 2 } || add.Inputs[0] == add.Inputs[1])
        {
            return null;
        }

        int other = add.Inputs[0] == output ? 1 : 0;
        if (!_constants.TryGetValue(add.Inputs[other], out OnnxTensorData? tensor) || tensor.DataType is not (OnnxProto.DataTypeFloat or OnnxProto.DataTypeDouble or OnnxProto.DataTypeFloat16))
        {
            return null;
        }

        int[] shape = tensor.Shape(out int count);
        if (count != features || shape.Length == 0 || shape[^1] != features)
        {
            return null;
        }

        bias = tensor.ToFloats(_external);
        return add;
    }

    private static float[] BroadcastBias(OnnxNodeData node, (float[] Values, int[] Shape) c, int features)
    {
        if (c.Values.Length == features && (c.Shape.Length == 1 || (c.Shape.Length == 2 && c.Shape[0] == 1)))
        {
            return c.Values;
        }

        if (c.Values.Length == 1)
        {
            return [.. Enumerable.Repeat(c.Values[0], features)];
        }

        Unsupported(node, $"bias C of shape {Tensor.FormatShape(c.Shape)}: only [{features}], [1, {features}] or a scalar broadcast as a Linear bias");
        return [];
    }

    private void MapPool(OnnxNodeData node)
    {
        long[] kernel = IntsAttribute(node, "kernel_shape") ?? [];
        if (kernel.Length != 2)
        {
            Unsupported(node, $"kernel_shape {OnnxTensorData.Format(kernel)}: only 2-D pooling is supported");
        }

        (int kh, int kw) = (Checked(node, kernel[0], "kernel_shape"), Checked(node, kernel[1], "kernel_shape"));
        (int sh, int sw) = Pair(node, "strides", 1);
        (int dh, int dw) = Pair(node, "dilations", 1);
        bool ceil = IntAttribute(node, "ceil_mode", 0) != 0;
        bool max = node.OpType == "MaxPool";
        bool countIncludePad = IntAttribute(node, "count_include_pad", 0) != 0;
        (int ph, int pw) = PoolPads(node, (kh, kw), (sh, sw), (dh, dw), ref ceil, exactWithCeil: max || !countIncludePad);
        if (ph > kh / 2 || pw > kw / 2)
        {
            Unsupported(node, $"pads {ph}×{pw} are more than half the {kh}×{kw} kernel, which PyTorch's pooling layers refuse");
        }

        if (!max && (dh, dw) != (1, 1))
        {
            Unsupported(node, $"dilations {dh}×{dw}: AvgPool2d takes no dilation (PyTorch's avg_pool2d has none)");
        }

        if (max && IntAttribute(node, "storage_order", 0) != 0 && node.Outputs.Count > 1)
        {
            Unsupported(node, "storage_order 1 applies to the indices output, which is not supported");
        }

        Pool2d pool = Create<Pool2d>(node, () => max
            ? new MaxPool2d((kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil)
            : new AvgPool2d((kh, kw), (sh, sw), (ph, pw), ceil, countIncludePad));
        AddLayer(pool, node);
    }

    private void MapGlobalAveragePool(OnnxNodeData node)
    {
        if (ViewShape is { Length: not 4 } shape)
        {
            Unsupported(node, $"input of shape {Tensor.FormatShape(shape)}: only [N, C, H, W] maps to AdaptiveAvgPool2d(1)");
        }

        AddLayer(new AdaptiveAvgPool2d(1), node); // what PyTorch exports nn.AdaptiveAvgPool2d((1, 1)) as
    }

    private void MapConvTranspose(OnnxNodeData node)
    {
        (float[] weight, int[] w) = FloatInput(node, 1, "weight");
        if (w.Length != 4)
        {
            Unsupported(node, $"weight of shape {Tensor.FormatShape(w)}: only 2-D transposed convolutions (weight [C, O/groups, kH, kW]) are supported");
        }

        if (node.Attribute("output_shape") is not null)
        {
            Unsupported(node, "output_shape is not supported; export with explicit pads and output_padding");
        }

        long groups = IntAttribute(node, "group", 1);
        if (groups < 1 || groups > int.MaxValue / Math.Max(w[1], 1))
        {
            Invalid(node, $"group {groups} is out of range");
        }

        if (IntsAttribute(node, "kernel_shape") is { } kernel && !kernel.SequenceEqual([w[2], w[3]]))
        {
            Invalid(node, $"kernel_shape {OnnxTensorData.Format(kernel)} differs from the weight's {w[2]}×{w[3]}");
        }

        (int sh, int sw) = Pair(node, "strides", 1);
        (int dh, int dw) = Pair(node, "dilations", 1);
        (int ph, int pw) = SymmetricPads(node);
        long[] outputPadding = IntsAttribute(node, "output_padding") ?? [0, 0];
        if (outputPadding.Length != 2)
        {
            Invalid(node, $"output_padding {OnnxTensorData.Format(outputPadding)} should have 2 values");
        }

        (int oh, int ow) = (Checked(node, outputPadding[0], "output_padding", min: 0), Checked(node, outputPadding[1], "output_padding", min: 0));
        float[]? bias = OptionalInput(node, 2) is not null ? FloatInput(node, 2, "bias").Values : null;
        if (bias is not null && bias.Length != w[1] * groups)
        {
            Invalid(node, $"bias has {bias.Length} values for {w[1] * groups} output channels");
        }

        ConvTranspose2d conv = Create(node, () => new ConvTranspose2d(w[0], w[1] * (int)groups, (w[2], w[3]), (sh, sw), (ph, pw), (oh, ow), bias is not null, (dh, dw), (int)groups));
        weight.CopyTo(conv.Weight.Value.AsSpan());
        bias?.CopyTo(conv.Bias!.Value.AsSpan());
        AddLayer(conv, node, node.Inputs[1]);
    }

    /// <summary>Inference-mode BatchNormalization: BatchNorm2d on [N, C, H, W], BatchNorm1d on [N, C] or [N, C, L] (also inside Unsqueeze … Squeeze).</summary>
    /// <summary>
    /// BatchNormalization as a <see cref="BatchNorm2d"/> or <see cref="BatchNorm1d"/>. In inference mode (the default) the
    /// node's mean and variance become the running statistics. With <c>training_mode = 1</c> (opset 14+) ONNX normalises
    /// with the batch's own statistics, which is PyTorch's <c>track_running_stats=False</c>: the layer is made so and
    /// uses batch statistics in evaluation mode too (the node's running-statistics outputs are refused if anything reads them).
    /// </summary>
    private void MapBatchNorm(OnnxNodeData node)
    {
        if (_opset < 9 && IntAttribute(node, "spatial", 1) != 1)
        {
            Unsupported(node, "spatial = 0 is not supported; export the model with per-channel statistics");
        }

        bool training = _opset >= 14 && IntAttribute(node, "training_mode", 0) != 0;
        (float[] scale, _) = FloatInput(node, 1, "scale");
        (float[] shift, _) = FloatInput(node, 2, "bias");
        (float[] mean, _) = FloatInput(node, 3, "mean");
        (float[] variance, _) = FloatInput(node, 4, "variance");
        int channels = scale.Length;
        if (shift.Length != channels || mean.Length != channels || variance.Length != channels)
        {
            Invalid(node, $"scale, bias, mean and variance have {channels}, {shift.Length}, {mean.Length} and {variance.Length} values");
        }

        MaterializeView(forBatchNorm: true);
        int rank = _shape?.Length ?? throw NotSupported(node, "the input's rank is unknown");
        float eps = FloatAttribute(node, "epsilon", 1e-5f);
        float momentum = 1f - FloatAttribute(node, "momentum", 0.9f); // ONNX keeps the old statistics' share, PyTorch the new one's
        BatchNorm layer = Create<BatchNorm>(node, () => rank switch
        {
            4 => new BatchNorm2d(channels, eps, momentum, trackRunningStats: !training),
            2 or 3 => new BatchNorm1d(channels, eps, momentum, trackRunningStats: !training),
            _ => throw NotSupported(node, $"an input of rank {rank}: BatchNorm1d takes [N, C] or [N, C, L], BatchNorm2d [N, C, H, W]"),
        });
        scale.CopyTo(layer.Weight!.Value.AsSpan());
        shift.CopyTo(layer.Bias!.Value.AsSpan());
        if (!training)
        {
            mean.CopyTo(layer.RunningMean!.AsSpan());
            variance.CopyTo(layer.RunningVar!.AsSpan());
        }

        AppendLayer(layer, node, node.Inputs[1]);
        Advance(node);
    }

    private void MapPad(OnnxNodeData node)
    {
        string mode = StringAttribute(node, "mode", "constant");
        long[] pads = _opset < 11
            ? IntsAttribute(node, "pads") ?? IntsAttribute(node, "paddings") ?? []
            : Ints(node, node.Inputs.Count > 1 ? node.Inputs[1] : "").Data;
        if (_opset >= 18 && OptionalInput(node, 3) is { } axesName)
        {
            pads = PadsForAxes(node, pads, Ints(node, axesName).Data);
        }

        if (pads.All(p => p == 0))
        {
            Advance(node); // PyTorch's AvgPool2d export adds a Pad of zeros before AveragePool
            return;
        }

        // [x1_begin, x2_begin, …, x1_end, x2_end, …]; the 2-D padding layers pad H and W of [N, C, H, W].
        if (pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads.Any(p => p < 0 || p > int.MaxValue))
        {
            Unsupported(node, $"pads {OnnxTensorData.Format(pads)}: only non-negative padding of the last two dimensions of a 4-D input maps to a padding layer");
        }

        (int Left, int Right, int Top, int Bottom) padding = ((int)pads[3], (int)pads[7], (int)pads[2], (int)pads[6]);
        float value = _opset < 11
            ? FloatAttribute(node, "value", 0f)
            : OptionalInput(node, 2) is not null ? Scalar(node, FloatInput(node, 2, "constant value")) : 0f;
        ILayer layer = Create<ILayer>(node, () => mode switch
        {
            "constant" when value == 0f => new ZeroPad2d(padding),
            "constant" => new ConstantPad2d(padding, value),
            "reflect" => new ReflectionPad2d(padding),
            "edge" => new ReplicationPad2d(padding),
            _ => throw NotSupported(node, $"mode '{mode}' has no padding layer"),
        });
        AddLayer(layer, node);
    }

    /// <summary>Opset 18's Pad with an axes input: the pads of the listed axes spread over all of them.</summary>
    private long[] PadsForAxes(OnnxNodeData node, long[] pads, long[] axes)
    {
        int rank = ViewShape?.Length ?? throw NotSupported(node, "the input's rank is unknown");
        if (pads.Length != 2 * axes.Length)
        {
            Invalid(node, $"pads {OnnxTensorData.Format(pads)} do not match axes {OnnxTensorData.Format(axes)}");
        }

        long[] full = new long[2 * rank];
        for (int i = 0; i < axes.Length; i++)
        {
            long axis = Normalize(axes[i], rank, clamp: false);
            full[axis] = pads[i];
            full[rank + axis] = pads[axes.Length + i];
        }

        return full;
    }

    /// <summary>Runs a layer constructor, turning its argument checks into a malformed-model error.</summary>
    private static T Create<T>(OnnxNodeData node, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{node}: {e.Message}", e);
        }
    }

    /// <summary>A (height, width) attribute such as strides or dilations, defaulting to (fallback, fallback).</summary>
    private static (int Height, int Width) Pair(OnnxNodeData node, string name, int fallback)
    {
        long[]? values = IntsAttribute(node, name);
        if (values is null)
        {
            return (fallback, fallback);
        }

        if (values.Length != 2)
        {
            Invalid(node, $"{name} {OnnxTensorData.Format(values)} should have 2 values");
        }

        return (Checked(node, values[0], name), Checked(node, values[1], name));
    }

    /// <summary>
    /// A pool's pads as (height, width). PyTorch's older exports emulate <c>ceil_mode=True</c> with extra pads at the
    /// bottom and right (opset 9, e.g. [1, 1, 2, 2]): when those give exactly the output size of ceil mode with the
    /// leading pads, and the padded cells cannot change a result (max pooling, or averages that do not count pads),
    /// they are read as ceil mode.
    /// </summary>
    private (int Height, int Width) PoolPads(OnnxNodeData node, (int H, int W) kernel, (int H, int W) stride, (int H, int W) dilation, ref bool ceil, bool exactWithCeil)
    {
        long[] pads = IntsAttribute(node, "pads") ?? [0, 0, 0, 0];
        if (StringAttribute(node, "auto_pad", "NOTSET") is "NOTSET" or "" && pads.Length == 4 && (pads[0] != pads[2] || pads[1] != pads[3])
            && !ceil && exactWithCeil && _shape is { Length: 4 } shape && pads.All(p => p is >= 0 and <= int.MaxValue))
        {
            bool fits = true;
            for (int axis = 0; axis < 2; axis++)
            {
                (long begin, long end, int size) = (pads[axis], pads[axis + 2], shape[2 + axis]);
                (int k, int s, int d) = axis == 0 ? (kernel.H, stride.H, dilation.H) : (kernel.W, stride.W, dilation.W);
                long span = ((long)d * (k - 1)) + 1;
                long floorOut = ((size + begin + end - span) / s) + 1;
                long ceilOut = ((size + (2 * begin) - span + s - 1) / s) + 1;
                if ((ceilOut - 1) * s >= size + begin)
                {
                    ceilOut--; // PyTorch: the last window must start inside the input or the leading padding
                }

                fits &= end >= begin && floorOut == ceilOut;
            }

            if (fits)
            {
                ceil = true;
                return ((int)pads[0], (int)pads[1]);
            }
        }

        return SymmetricPads(node);
    }

    /// <summary>The pads [top, left, bottom, right] as (height, width); asymmetric ones are not supported.</summary>
    private static (int Height, int Width) SymmetricPads(OnnxNodeData node)
    {
        string autoPad = StringAttribute(node, "auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "" or "VALID"))
        {
            Unsupported(node, $"auto_pad {autoPad} is not supported; export with explicit padding");
        }

        long[] pads = autoPad == "VALID" ? [0, 0, 0, 0] : IntsAttribute(node, "pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4)
        {
            Invalid(node, $"pads {OnnxTensorData.Format(pads)} should have 4 values");
        }

        if (pads[0] != pads[2] || pads[1] != pads[3])
        {
            Unsupported(node, $"pads {OnnxTensorData.Format(pads)} are asymmetric; only the same padding on both sides maps to a layer");
        }

        return (Checked(node, pads[0], "pads", min: 0), Checked(node, pads[1], "pads", min: 0));
    }

    private static int Checked(OnnxNodeData node, long value, string name, int min = 1)
    {
        if (value < min || value > int.MaxValue)
        {
            Invalid(node, $"{name} value {value} is out of range");
        }

        return (int)value;
    }
}
