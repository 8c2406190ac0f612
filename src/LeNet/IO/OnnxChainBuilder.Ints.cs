using System.Globalization;

namespace LeNet.IO;

/// <summary>Constants, attributes and the integer computations (shapes, axes, pads) beside the chain.</summary>
internal sealed partial class OnnxChainBuilder
{
    private void AddConstant(OnnxNodeData node)
    {
        if (node.Outputs.Count == 0)
        {
            Invalid(node, "has no output");
        }

        string output = node.Outputs[0];
        if (node.Attribute("value") is { T: { } tensor })
        {
            _constants[output] = tensor;
        }
        else if (node.Attribute("value_int") is { } i)
        {
            _ints[output] = new IntValue([i.I], []);
        }
        else if (node.Attribute("value_ints") is { } ints)
        {
            _ints[output] = new IntValue([.. ints.Ints], [ints.Ints.Count]);
        }
        else if (node.Attribute("value_float") is { } f)
        {
            _constants[output] = FloatConstant(output, [f.F], []);
        }
        else if (node.Attribute("value_floats") is { } floats)
        {
            _constants[output] = FloatConstant(output, [.. floats.Floats], [floats.Floats.Count]);
        }
        else
        {
            Unsupported(node, "only tensor, int(s) and float(s) constants are supported");
        }
    }

    private static OnnxTensorData FloatConstant(string name, float[] values, long[] dims)
    {
        var writer = new ProtoWriter();
        foreach (long dim in dims)
        {
            writer.WriteInt64(OnnxProto.TensorDims, dim);
        }

        writer.WriteInt64(OnnxProto.TensorDataType, OnnxProto.DataTypeFloat);
        writer.WriteString(OnnxProto.TensorName, name);
        byte[] raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("OnnxImporter needs a little-endian machine.");
        }

        writer.WriteBytes(OnnxProto.TensorRawData, raw);
        return OnnxTensorData.Parse(new ProtoReader(writer.WrittenSpan.ToArray()));
    }

    /// <summary>A float constant input (an initializer or a Constant node's output) and its shape.</summary>
    private (float[] Values, int[] Shape) FloatInput(OnnxNodeData node, int index, string what)
    {
        string name = node.Inputs.Count > index ? node.Inputs[index] : "";
        if (!_constants.TryGetValue(name, out OnnxTensorData? tensor))
        {
            Unsupported(node, $"its {what} ('{name}') is not a constant; only weights stored in the model are supported");
        }

        int[] shape = tensor.Shape(out _);
        return (tensor.ToFloats(_external), shape);
    }

    private static string? OptionalInput(OnnxNodeData node, int index) => node.Inputs.Count > index && node.Inputs[index].Length > 0 ? node.Inputs[index] : null;

    private IntValue Ints(OnnxNodeData node, string name)
    {
        if (_ints.TryGetValue(name, out IntValue value))
        {
            return value;
        }

        if (_constants.TryGetValue(name, out OnnxTensorData? tensor))
        {
            long[] data = tensor.ToInt64s(_external);
            value = new IntValue(data, tensor.Shape(out _));
            _ints[name] = value;
            return value;
        }

        Unsupported(node, $"reads '{name}', which is neither the chain's current value nor a constant (graphs with branches or several inputs are not supported)");
        return default;
    }

    private static long[]? IntsAttribute(OnnxNodeData node, string name) => node.Attribute(name) is { } a ? [.. a.Ints] : null;

    private static long IntAttribute(OnnxNodeData node, string name, long fallback) => node.Attribute(name) is { } a ? a.I : fallback;

    private static float FloatAttribute(OnnxNodeData node, string name, float fallback) => node.Attribute(name) is { } a ? a.F : fallback;

    private static string StringAttribute(OnnxNodeData node, string name, string fallback) => node.Attribute(name) is { } a ? a.S : fallback;

    /// <summary>Axes from the attribute (older opsets) or the second input (opset 13 on for Squeeze/Unsqueeze).</summary>
    private long[]? Axes(OnnxNodeData node) =>
        IntsAttribute(node, "axes") ?? (OptionalInput(node, 1) is { } name ? Ints(node, name).Data : null);

    /// <summary>The value of a Shape node on the chain: the view's sizes with the batch symbolic (opset 15's start/end slice it).</summary>
    private void ShapeOfCurrent(OnnxNodeData node)
    {
        int[] shape = ViewShape ?? throw NotSupported(node, "the graph input's sizes (other than the batch) are not all known, so the shape computation cannot be followed");

        long[] data = [.. shape.Select((d, i) => i == 0 ? Batch : d)];
        long start = Normalize(IntAttribute(node, "start", 0), data.Length, clamp: true);
        long end = Normalize(IntAttribute(node, "end", data.Length), data.Length, clamp: true);
        data = start < end ? data[(int)start..(int)end] : [];
        SetInts(node, new IntValue(data, [data.Length]));
    }

    /// <summary>The integer operators of shape and pad computations, evaluated when all inputs are known.</summary>
    private void EvaluateInts(OnnxNodeData node)
    {
        if (node.Inputs.Count == 0 || node.Inputs[0].Length == 0)
        {
            Invalid(node, "has no input");
        }

        switch (node.OpType)
        {
            case "Identity":
            case "Cast":
                SetInts(node, Ints(node, node.Inputs[0]));
                break;
            case "Gather":
                SetInts(node, Gather(node));
                break;
            case "Unsqueeze":
                {
                    IntValue x = Ints(node, node.Inputs[0]);
                    SetInts(node, x with { Dims = Unsqueeze(node, x.Dims) });
                    break;
                }

            case "Squeeze":
                {
                    IntValue x = Ints(node, node.Inputs[0]);
                    SetInts(node, x with { Dims = Squeeze(node, x.Dims) });
                    break;
                }

            case "Concat":
                SetInts(node, Concat(node));
                break;
            case "Reshape":
                {
                    IntValue x = Ints(node, node.Inputs[0]);
                    long[] target = Ints(node, node.Inputs.Count > 1 ? node.Inputs[1] : "").Data;
                    SetInts(node, x with { Dims = ResolveReshape(node, x.Dims, target, IntAttribute(node, "allowzero", 0) != 0) });
                    break;
                }

            case "ConstantOfShape":
                SetInts(node, ConstantOfShape(node));
                break;
            case "Slice":
                SetInts(node, Slice(node));
                break;
            case "Transpose" when _constants.TryGetValue(node.Inputs[0], out OnnxTensorData? tensor) && tensor.DataType is OnnxProto.DataTypeFloat or OnnxProto.DataTypeDouble or OnnxProto.DataTypeFloat16:
                TransposeFloats(node, tensor);
                break;
            case "Transpose":
                SetInts(node, Transpose(node));
                break;
            default:
                if (node.Inputs.Any(i => i.Length > 0 && !_constants.ContainsKey(i) && !_ints.ContainsKey(i)))
                {
                    string other = node.Inputs.First(i => i.Length > 0 && !_constants.ContainsKey(i) && !_ints.ContainsKey(i));
                    Unsupported(node, $"reads '{other}', which is not the chain's current value '{_current}'; only chains of layers (no branches, one input) are supported");
                }

                Unsupported(node, $"operator {node.OpType} on constant inputs is not evaluated by the importer");
                break;
        }
    }

    private void SetInts(OnnxNodeData node, IntValue value)
    {
        if (node.Outputs.Count == 0)
        {
            Invalid(node, "has no output");
        }

        _ints[node.Outputs[0]] = value;
    }

    private IntValue Gather(OnnxNodeData node)
    {
        IntValue data = Ints(node, node.Inputs[0]);
        IntValue indices = Ints(node, node.Inputs.Count > 1 ? node.Inputs[1] : "");
        if (data.Dims.Length != 1 || Normalize(IntAttribute(node, "axis", 0), 1, clamp: false) != 0)
        {
            Unsupported(node, "only gathering from a 1-D shape is supported");
        }

        long[] result = new long[indices.Data.Length];
        for (int i = 0; i < result.Length; i++)
        {
            long index = indices.Data[i] < 0 ? indices.Data[i] + data.Data.Length : indices.Data[i];
            if (index < 0 || index >= data.Data.Length)
            {
                Invalid(node, $"index {indices.Data[i]} is outside the {data.Data.Length} values it gathers from");
            }

            result[i] = data.Data[index];
        }

        return new IntValue(result, indices.Dims);
    }

    private int[] Unsqueeze(OnnxNodeData node, int[] dims)
    {
        long[] axes = Axes(node) ?? [];
        int rank = dims.Length + axes.Length;
        var result = new List<int>(dims);
        foreach (long axis in axes.Select(a => Normalize(a, rank, clamp: false)).Order())
        {
            if (axis > result.Count)
            {
                Invalid(node, $"axis {axis} is out of range for rank {rank}");
            }

            result.Insert((int)axis, 1);
        }

        return [.. result];
    }

    private int[] Squeeze(OnnxNodeData node, int[] dims)
    {
        long[]? axes = Axes(node);
        if (axes is null)
        {
            return [.. dims.Where(d => d != 1)];
        }

        var drop = new HashSet<long>(axes.Select(a => Normalize(a, dims.Length, clamp: false)));
        foreach (long axis in drop)
        {
            if (dims[axis] != 1)
            {
                Invalid(node, $"squeezes axis {axis} of size {dims[axis]}");
            }
        }

        return [.. dims.Where((_, i) => !drop.Contains(i))];
    }

    private IntValue Concat(OnnxNodeData node)
    {
        IntValue[] parts = [.. node.Inputs.Where(i => i.Length > 0).Select(i => Ints(node, i))];
        if (parts.Any(p => p.Dims.Length != 1))
        {
            Unsupported(node, "only concatenating 1-D shapes is supported");
        }

        long[] data = [.. parts.SelectMany(p => p.Data)];
        return new IntValue(data, [data.Length]);
    }

    private IntValue ConstantOfShape(OnnxNodeData node)
    {
        long[] shape = Ints(node, node.Inputs[0]).Data;
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0 || (count *= dim) > MaxIntElements)
            {
                Unsupported(node, $"a constant of shape {OnnxTensorData.Format(shape)} is beyond the {MaxIntElements} values a shape computation may build");
            }
        }

        long fill = 0;
        if (node.Attribute("value") is { T: { } value })
        {
            long[] values = value.ToInt64s(_external);
            if (values.Length != 1)
            {
                Invalid(node, $"its value has {values.Length} elements, expected 1");
            }

            fill = values[0];
        }

        long[] data = new long[count];
        Array.Fill(data, fill);
        return new IntValue(data, [.. shape.Select(d => (int)d)]);
    }

    private IntValue Slice(OnnxNodeData node)
    {
        IntValue x = Ints(node, node.Inputs[0]);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (_opset < 10)
        {
            starts = IntsAttribute(node, "starts") ?? [];
            ends = IntsAttribute(node, "ends") ?? [];
            axes = IntsAttribute(node, "axes");
        }
        else
        {
            starts = Ints(node, node.Inputs.Count > 1 ? node.Inputs[1] : "").Data;
            ends = Ints(node, node.Inputs.Count > 2 ? node.Inputs[2] : "").Data;
            axes = OptionalInput(node, 3) is { } a ? Ints(node, a).Data : null;
            steps = OptionalInput(node, 4) is { } s ? Ints(node, s).Data : null;
        }

        axes ??= [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        steps ??= [.. starts.Select(_ => 1L)];
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
        {
            Invalid(node, "starts, ends, axes and steps differ in length");
        }

        int rank = x.Dims.Length;
        long[] first = new long[rank], step = new long[rank];
        int[] dims = (int[])x.Dims.Clone();
        for (int d = 0; d < rank; d++)
        {
            step[d] = 1;
        }

        for (int i = 0; i < starts.Length; i++)
        {
            int axis = (int)Normalize(axes[i], rank, clamp: false);
            long size = x.Dims[axis], st = Math.Clamp(steps[i], -int.MaxValue, int.MaxValue);
            if (st == 0)
            {
                Invalid(node, "a step is 0");
            }

            if (size == 0)
            {
                continue;
            }

            // ONNX clamps starts to [0, size] (step > 0) or [0, size − 1] (step < 0), ends to [0, size] or [−1, size − 1].
            long s = starts[i] < 0 ? starts[i] + size : starts[i], e = ends[i] < 0 ? ends[i] + size : ends[i];
            if (st > 0)
            {
                s = Math.Clamp(s, 0, size);
                e = Math.Clamp(e, 0, size);
                dims[axis] = (int)Math.Max(0, (e - s + st - 1) / st);
            }
            else
            {
                s = Math.Clamp(s, 0, size - 1);
                e = Math.Clamp(e, -1, size - 1);
                dims[axis] = (int)Math.Max(0, (s - e + (-st) - 1) / -st);
            }

            first[axis] = s;
            step[axis] = st;
        }

        long[] data = new long[Product(dims, 0)];
        int[] index = new int[rank];
        for (int o = 0; o < data.Length; o++)
        {
            long source = 0;
            for (int d = 0; d < rank; d++)
            {
                source = source * x.Dims[d] + first[d] + index[d] * step[d];
            }

            data[o] = x.Data[source];
            Increment(index, dims);
        }

        return new IntValue(data, dims);
    }

    /// <summary>A Transpose of a float constant (old PyTorch exports transpose a Linear weight before MatMul): folded into a new constant.</summary>
    private void TransposeFloats(OnnxNodeData node, OnnxTensorData tensor)
    {
        float[] values = tensor.ToFloats(_external);
        int[] dims = tensor.Shape(out _);
        long[] source = TransposeIndex(node, dims, out int[] outDims);
        string output = node.Outputs.Count > 0 ? node.Outputs[0] : throw new InvalidDataException($"{node} has no output.");
        _constants[output] = FloatConstant(output, [.. source.Select(i => values[i])], [.. outDims.Select(d => (long)d)]);
    }

    private IntValue Transpose(OnnxNodeData node)
    {
        IntValue x = Ints(node, node.Inputs[0]);
        long[] source = TransposeIndex(node, x.Dims, out int[] dims);
        return new IntValue([.. source.Select(i => x.Data[i])], dims);
    }

    /// <summary>For each output element of a Transpose, the index of its source element.</summary>
    private static long[] TransposeIndex(OnnxNodeData node, int[] inDims, out int[] dims)
    {
        var x = new { Dims = inDims, Data = new long[Product(inDims, 0)] };
        int rank = x.Dims.Length;
        long[] perm = IntsAttribute(node, "perm") ?? [.. Enumerable.Range(0, rank).Reverse().Select(i => (long)i)];
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
        {
            Invalid(node, $"perm {OnnxTensorData.Format(perm)} is not a permutation of {rank} axes");
        }

        dims = [.. perm.Select(p => x.Dims[p])];
        int[] strides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; s *= x.Dims[d], d--)
        {
            strides[d] = s;
        }

        long[] data = new long[x.Data.Length];
        int[] index = new int[rank];
        for (int o = 0; o < data.Length; o++)
        {
            long source = 0;
            for (int d = 0; d < rank; d++)
            {
                source += (long)index[d] * strides[perm[d]];
            }

            data[o] = source;
            Increment(index, dims);
        }

        return data;
    }

    private static void Increment(int[] index, int[] dims)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < dims[d])
            {
                return;
            }

            index[d] = 0;
        }
    }

    /// <summary>The sizes a Reshape to <paramref name="target"/> gives (0 copies a size unless allowzero, −1 is inferred, the batch stays the batch).</summary>
    private int[] ResolveReshape(OnnxNodeData node, int[] dims, long[] target, bool allowZero)
    {
        long total = 1;
        foreach (int d in dims)
        {
            total *= d;
        }

        long known = 1;
        int infer = -1;
        int[] result = new int[target.Length];
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == Batch)
            {
                t = _shape is { Length: > 0 } ? _shape[0] : 1;
            }
            else if (t == 0 && !allowZero)
            {
                if (i >= dims.Length)
                {
                    Invalid(node, $"shape {OnnxTensorData.Format(target)} copies dimension {i} of {Tensor.FormatShape(dims)}, which does not exist");
                }

                t = dims[i];
            }

            if (t == -1)
            {
                if (infer >= 0)
                {
                    Invalid(node, $"shape {OnnxTensorData.Format(target)} has two -1 entries");
                }

                infer = i;
                continue;
            }

            if (t < 0 || t > int.MaxValue || (known *= Math.Max(t, 1)) > int.MaxValue)
            {
                Invalid(node, $"shape {OnnxTensorData.Format(target)} has an invalid size");
            }

            result[i] = (int)t;
        }

        if (infer >= 0)
        {
            if (known == 0 || total % known != 0)
            {
                Invalid(node, $"cannot reshape {Tensor.FormatShape(dims)} to {OnnxTensorData.Format(target)}");
            }

            result[infer] = (int)(total / known);
        }

        if (Product(result, 0) != total)
        {
            Invalid(node, $"cannot reshape {Tensor.FormatShape(dims)} ({total.ToString(CultureInfo.InvariantCulture)} values) to {OnnxTensorData.Format(target)}");
        }

        return result;
    }

    /// <summary>An axis in [−rank, rank) made non-negative; clamp: slice-style bounds clamped into [0, rank].</summary>
    private static long Normalize(long axis, int rank, bool clamp)
    {
        long normalized = axis < 0 ? axis + rank : axis;
        if (clamp)
        {
            return Math.Clamp(normalized, 0, rank);
        }

        return normalized >= 0 && normalized < rank
            ? normalized
            : throw new InvalidDataException($"axis {axis} is out of range for rank {rank}.");
    }
}
