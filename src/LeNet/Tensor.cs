using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace LeNet;

/// <summary>
/// A dense, contiguous, row-major tensor of <see cref="float"/> values (NCHW for images), the
/// counterpart of a contiguous <c>torch.float32</c> tensor.
/// </summary>
/// <remarks>
/// <para>A tensor is a shape over a flat buffer. <see cref="Reshape"/> returns a view that shares the buffer,
/// and <see cref="FromArray"/> wraps the caller's array without copying it (like
/// <c>torch.from_numpy</c>). Reading a tensor from many threads is safe; writing to it while another
/// thread reads it is not.</para>
/// <para><b>Versions.</b> Like PyTorch's <c>tensor._version</c>, every access that can write — taking
/// <see cref="AsSpan"/>, setting an element through the indexer — moves the tensor's version (shared with
/// its <see cref="Reshape"/> views). A compiled model (evaluation-mode <see cref="Layers.Layer.Forward"/>)
/// checks its weights' versions on every call and repacks them when one moved, so it never computes with
/// stale weights. What it cannot see: writes to an array given to <see cref="FromArray"/> made directly
/// through the array, and writes through a span taken before the model's last call.</para>
/// </remarks>
public sealed partial class Tensor
{
    private readonly float[] _data;
    private readonly int[] _shape;

    // One counter per storage, shared by the views of Reshape (a one-element array, so a view can share it).
    private readonly int[] _version;

    /// <summary>Creates a tensor of the given shape filled with zeros, like <c>torch.zeros(shape)</c>.</summary>
    /// <param name="shape">The size of each dimension; each must be zero or more. An empty shape is a scalar.</param>
    /// <exception cref="ArgumentException">A dimension is negative or the element count overflows.</exception>
    public Tensor(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        _shape = (int[])shape.Clone();
        _data = new float[ElementCount(_shape, nameof(shape))];
        _version = new int[1];
    }

    private Tensor(float[] data, int[] shape, int[]? version = null)
    {
        _data = data;
        _shape = shape;
        _version = version ?? new int[1];
    }

    /// <summary>
    /// Wraps <paramref name="data"/> as a tensor of the given shape, without copying: later writes to the
    /// array are seen by the tensor and the other way round.
    /// </summary>
    /// <param name="data">The values in row-major order; its length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">The size of each dimension.</param>
    /// <returns>A tensor over <paramref name="data"/>.</returns>
    /// <exception cref="ArgumentException">The length of <paramref name="data"/> is not the product of <paramref name="shape"/>.</exception>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        int[] copy = (int[])shape.Clone();
        long expected = ElementCount(copy, nameof(shape));
        if (expected != data.Length)
        {
            throw new ArgumentException(
                $"Tensor.FromArray: shape {FormatShape(copy)} holds {expected} elements, but the array has {data.Length}.",
                nameof(data));
        }

        return new Tensor(data, copy);
    }

    /// <summary>The size of each dimension, outermost first (for images: N, C, H, W).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
    public int Length => _data.Length;

    /// <summary>Gets or sets one element by its full index (one coordinate per dimension).</summary>
    /// <param name="index">One coordinate per dimension, each within its dimension's size.</param>
    /// <exception cref="ArgumentException">The number of coordinates is not <see cref="Rank"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A coordinate is outside its dimension.</exception>
    public float this[params int[] index]
    {
        get
        {
            Graphs.GraphRecorder.NoteValueRead();
            return _data[Offset(index)];
        }
        set
        {
            _data[Offset(index)] = value;
            Touch();
        }
    }

    /// <summary>The elements in row-major order, as a span over the tensor's own storage.</summary>
    /// <returns>A writable span of <see cref="Length"/> elements.</returns>
    /// <remarks>Moves the tensor's <see cref="Version"/>: a compiled model that uses this tensor as a weight repacks it on its next call.</remarks>
    public Span<float> AsSpan()
    {
        Graphs.GraphRecorder.NoteValueRead();
        Touch();
        return _data;
    }

    /// <summary>
    /// A counter that moves whenever the tensor may have been written through its API (<see cref="AsSpan"/>,
    /// the indexer's setter, the library's own kernels), like <c>torch.Tensor._version</c>; views share it.
    /// </summary>
    public int Version => Volatile.Read(ref _version[0]);

    /// <summary>The elements as a read-only span, without moving the <see cref="Version"/>.</summary>
    /// <returns>A read-only span of <see cref="Length"/> elements.</returns>
    public ReadOnlySpan<float> AsReadOnlySpan()
    {
        Graphs.GraphRecorder.NoteValueRead();
        return _data;
    }

    /// <summary>
    /// Returns a view of the same storage with another shape, like <c>torch.Tensor.reshape</c> on a
    /// contiguous tensor. One dimension may be <c>-1</c>: it is inferred from the others.
    /// </summary>
    /// <param name="shape">The new shape; its product must equal <see cref="Length"/>.</param>
    /// <returns>A tensor sharing this tensor's storage.</returns>
    /// <exception cref="ArgumentException">The shape does not fit the element count or has more than one -1.</exception>
    /// <remarks>Recorded while a <see cref="Layers.Module"/>'s forward is (its gradient is reshaped back).</remarks>
    public Tensor Reshape(params int[] shape)
    {
        Tensor view = View(shape);
        Graphs.GraphRecorder.Current?.Record(new Graphs.Ops.ReshapeOp(view._shape), [this], view);
        return view;
    }

    /// <summary>The view of <see cref="Reshape"/> without recording it: for the library's own code.</summary>
    internal Tensor View(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int[] resolved = (int[])shape.Clone();
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (inferred >= 0)
                {
                    throw new ArgumentException($"Tensor.Reshape: only one dimension can be -1, got {FormatShape(shape)}.", nameof(shape));
                }

                inferred = i;
            }
            else if (resolved[i] < 0)
            {
                throw new ArgumentException($"Tensor.Reshape: invalid dimension {resolved[i]} in {FormatShape(shape)}.", nameof(shape));
            }
            else
            {
                known *= resolved[i];
            }
        }

        if (inferred >= 0)
        {
            if (known == 0 || Length % known != 0)
            {
                throw ReshapeMismatch(shape);
            }

            resolved[inferred] = (int)(Length / known);
        }
        else if (known != Length)
        {
            throw ReshapeMismatch(shape);
        }

        return new Tensor(_data, resolved, _version);
    }

    /// <summary>Copies the elements, in row-major order, into a new array.</summary>
    /// <returns>A new array of <see cref="Length"/> elements.</returns>
    public float[] ToArray()
    {
        Graphs.GraphRecorder.NoteValueRead();
        return (float[])_data.Clone();
    }

    /// <summary>Returns a deep copy: same shape, new storage, like <c>x.clone()</c>.</summary>
    /// <returns>A tensor that shares nothing with this one.</returns>
    /// <remarks>Inside a <see cref="Layers.Module"/>'s forward the copy is a recorded step (gradients flow through it, the traced graph copies the current value).</remarks>
    public Tensor Clone() => Graphs.GraphRecorder.Current is null ? Copy() : Graphs.Ops.CloneOp.Instance.Apply(this);

    /// <summary>A deep copy that is never recorded (the library's own use).</summary>
    internal Tensor Copy() => new((float[])_data.Clone(), (int[])_shape.Clone());

    /// <summary>Describes the tensor by its shape, e.g. <c>Tensor[1, 6, 28, 28]</c>.</summary>
    /// <returns>The shape in brackets.</returns>
    public override string ToString() => "Tensor" + FormatShape(_shape);

    /// <summary>Formats a shape as PyTorch prints a size list: <c>[1, 6, 28, 28]</c>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The dimensions in brackets, separated by ", ".</returns>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var builder = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return builder.Append(']').ToString();
    }

    /// <summary>The storage array itself, for the library's kernels, which may write it: moves the version.</summary>
    internal float[] Data
    {
        get
        {
            Touch();
            return _data;
        }
    }

    /// <summary>The storage array for reading only (packing weights); leaves the version alone.</summary>
    internal float[] ReadData => _data;

    private void Touch() => _version[0]++;

    /// <summary>Wraps an array the caller has sized correctly; no checks, no copies.</summary>
    internal static Tensor Wrap(float[] data, int[] shape) => new(data, shape);

    private int Offset(int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Length != _shape.Length)
        {
            throw new ArgumentException(
                $"Tensor index has {index.Length} coordinates, expected {_shape.Length} for shape {FormatShape(_shape)}.",
                nameof(index));
        }

        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i])
            {
                ThrowIndexOutOfRange(index, i, _shape[i]);
            }

            offset = (offset * _shape[i]) + index[i];
        }

        return offset;
    }

    private static int ElementCount(int[] shape, string parameterName)
    {
        long count = 1;
        foreach (int dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"Tensor shape {FormatShape(shape)} has a negative dimension.", parameterName);
            }

            count *= dim;
            if (count > Array.MaxLength)
            {
                throw new ArgumentException($"Tensor shape {FormatShape(shape)} has more than {Array.MaxLength} elements.", parameterName);
            }
        }

        return (int)count;
    }

    private ArgumentException ReshapeMismatch(int[] shape) =>
        new($"Tensor.Reshape: shape {FormatShape(shape)} is invalid for a tensor of {Length} elements {FormatShape(_shape)}.", nameof(shape));

    [DoesNotReturn]
    private static void ThrowIndexOutOfRange(int[] index, int dimension, int size) =>
        throw new ArgumentOutOfRangeException(nameof(index), index[dimension], $"Tensor index {index[dimension]} is out of range for dimension {dimension} of size {size}.");
}
