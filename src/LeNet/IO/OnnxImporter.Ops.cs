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
        "Conv, Gemm, MatMul (+ Add), Relu, Sigmoid, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Squeeze, Unsqueeze, Pad (zero pads), Dropout, Identity, Constant, and Shape/Gather/Unsqueeze/Concat/Cast/Slice/Transpose/ConstantOfShape on shapes";

    private void MapDropout(OnnxNodeData node)
    {
        // Opset 12 on: inputs (data, ratio, training_mode); a constant training_mode of true would drop at inference.
        if (OptionalInput(node, 2) is { } training && Ints(node, training).Data is [not 0])
        {
            Unsupported(node, "training_mode is true; only inference-mode dropout (a no-op) is supported");
        }

        Advance(node); // inference: the identity
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
        (int ph, int pw) = SymmetricPads(node);
        bool ceil = IntAttribute(node, "ceil_mode", 0) != 0;
        if (ceil && _shape is { Length: 4 } s && ph == 0 && pw == 0 && (s[2] - kh) % sh == 0 && (s[3] - kw) % sw == 0)
        {
            ceil = false; // the windows fit exactly: ceil and floor rounding agree
        }

        if (kh != kw || sh != sw || ph != 0 || pw != 0 || dh != 1 || dw != 1 || ceil)
        {
            Unsupported(node, $"kernel {kh}×{kw}, stride {sh}×{sw}, pads {ph}×{pw}, dilation {dh}×{dw}{(ceil ? ", ceil_mode" : "")}: this build's pooling layers take a square kernel and stride without padding, dilation or ceil mode");
        }

        Pool2d pool = Create<Pool2d>(node, () => node.OpType == "MaxPool" ? new MaxPool2d(kh, sh) : new AvgPool2d(kh, sh));
        AddLayer(pool, node);
    }

    private void MapGlobalAveragePool(OnnxNodeData node)
    {
        int[] s = _view is null && _shape is { Length: 4 } known && known[2] == known[3]
            ? known
            : throw NotSupported(node, "only a square [N, C, H, H] input of known size maps to a pooling layer (AvgPool2d with the whole image as window)");

        AddLayer(Create(node, () => new AvgPool2d(s[2], s[2])), node);
    }

    private void MapPad(OnnxNodeData node)
    {
        string mode = StringAttribute(node, "mode", "constant");
        long[] pads = _opset < 11
            ? IntsAttribute(node, "pads") ?? IntsAttribute(node, "paddings") ?? []
            : Ints(node, node.Inputs.Count > 1 ? node.Inputs[1] : "").Data;
        if (pads.All(p => p == 0))
        {
            Advance(node); // PyTorch's AvgPool2d export adds a Pad of zeros before AveragePool
            return;
        }

        Unsupported(node, $"{mode} padding {OnnxTensorData.Format(pads)}: this build has no padding layer (only all-zero pads are supported)");
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
