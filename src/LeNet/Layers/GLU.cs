using System.Numerics.Tensors;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>
/// The gated linear unit a ⊙ σ(b), where a and b are the first and second halves of the input along
/// <see cref="Dim"/>, like <c>torch.nn.GLU(dim=-1)</c>.
/// </summary>
/// <remarks><c>input [*, 2·M, *] → output [*, M, *]</c>: dimension <see cref="Dim"/> halves; its size must be even.</remarks>
public sealed class GLU : Layer
{
    private Tensor? _input;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dimension to split in halves (PyTorch's <c>dim</c>, default −1, the last); negative counts from the end.</param>
    public GLU(int dim = -1) => Dim = dim;

    /// <summary>The dimension split in halves, as given (negative counts from the end).</summary>
    public int Dim { get; }

    /// <inheritdoc/>
    public override string Name => nameof(GLU);

    /// <inheritdoc/>
    /// <remarks><c>[*, 2·M, *] → [*, M, *]</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.Positive(inputShape, this);
        int dim = DimArithmetic.Resolve(Dim, inputShape.Length, this);
        if (inputShape[dim] % 2 != 0)
        {
            LayerGuard.Throw(this, $"halving dimension must be even, but dimension {dim} is size {inputShape[dim]} (input {Tensor.FormatShape(inputShape)})");
        }

        int[] output = inputShape.ToArray();
        output[dim] /= 2;
        return output;
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [*, 2·M, *] → output [*, M, *]</c>: y = a ⊙ σ(b).</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outputShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outputShape);
        (int outer, int half) = Halves(input.Shape);
        ReadOnlySpan<float> x = input.AsSpan();
        Span<float> y = output.AsSpan();
        for (int o = 0; o < outer; o++)
        {
            // Around the split dimension each outer index holds a then b, each a contiguous run of `half` values.
            ReadOnlySpan<float> a = x.Slice(2 * o * half, half), b = x.Slice((2 * o * half) + half, half);
            Span<float> yRun = y.Slice(o * half, half);
            ActivationKernel.Apply<SigmoidActivation>(b, yRun, SimdSupport.Best);
            TensorPrimitives.Multiply(yRun, a, yRun);
        }

        if (KeepsForBackward)
        {
            (_input, _outputShape) = (input, outputShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [*, M, *] → input gradient [*, 2·M, *]</c>: da = dy ⊙ σ(b), db = dy ⊙ a ⊙ σ(b) ⊙ (1 − σ(b)).
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        Tensor inputGradient = InputGradientTensor(_input.Shape);
        (int outer, int half) = Halves(_input.Shape);
        ReadOnlySpan<float> x = _input.AsSpan(), dy = outputGradient.AsSpan();
        Span<float> dx = inputGradient.AsSpan();
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> a = x.Slice(2 * o * half, half), b = x.Slice((2 * o * half) + half, half), dyRun = dy.Slice(o * half, half);
            Span<float> da = dx.Slice(2 * o * half, half), db = dx.Slice((2 * o * half) + half, half);
            ActivationKernel.Apply<SigmoidActivation>(b, db, SimdSupport.Best);  // s = σ(b)
            TensorPrimitives.Multiply(dyRun, db, da);     // da = dy · s
            TensorPrimitives.Subtract(1f, db, db);        // 1 − s
            TensorPrimitives.Multiply(db, da, db);        // dy · s · (1 − s)
            TensorPrimitives.Multiply(db, a, db);         // db = dy · a · s · (1 − s)
        }

        return inputGradient;
    }

    /// <summary>The input as [outer, 2, half]: half = (size along the dimension / 2) · inner.</summary>
    private (int Outer, int Half) Halves(ReadOnlySpan<int> shape)
    {
        (int outer, int size, int inner) = DimArithmetic.Split(shape, DimArithmetic.Resolve(Dim, shape.Length, this));
        return (outer, size / 2 * inner);
    }

    /// <summary>Returns <c>GLU(dim=-1)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"GLU(dim={Dim})";

    /// <remarks>Slice (both halves, starts/ends/axes as int64 initializers), Sigmoid, Mul: opset 13 has no GLU.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        int dim = DimArithmetic.Resolve(Dim, inputShape.Length, this);
        int half = inputShape[dim] / 2;
        string x = graph.Current;
        string axes = graph.AddInt64Initializer(prefix + "axes", [1], dim);
        string zero = graph.AddInt64Initializer(prefix + "start_a", [1], 0);
        string middle = graph.AddInt64Initializer(prefix + "start_b", [1], half);
        string end = graph.AddInt64Initializer(prefix + "end_b", [1], 2L * half);
        string a = graph.AddNode("Slice", prefix, x, zero, middle, axes).Output;
        string b = graph.AddNode("Slice", prefix, x, middle, end, axes).Output;
        string gate = graph.AddNode("Sigmoid", prefix, b).Output;
        graph.AddNode("Mul", prefix, a, gate);
    }
}
