using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>The logistic function σ(x) = 1 / (1 + e^−x), element-wise, like <c>torch.nn.Sigmoid()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class Sigmoid : Layer
{
    private Tensor? _output;

    /// <inheritdoc/>
    public override string Name => nameof(Sigmoid);

    /// <inheritdoc/>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        Tensor output = OutputTensor(input.Shape);
        float[] x = input.Data, y = output.Data;
        // The kernels' own sigmoid (one function at every width, scalar tails included), not TensorPrimitives'.
        Parallelism.ForRanges(x.Length, Parallelism.ElementwiseRange, (start, count) =>
            ActivationKernel.Apply<SigmoidActivation>(x.AsSpan(start, count), y.AsSpan(start, count), SimdSupport.Best));
        if (KeepsForBackward)
        {
            _output = output;
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [any shape] → input gradient [same shape]</c>: dX = dY · σ(x) · (1 − σ(x)).</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_output, outputGradient, _output is null ? default : _output.Shape);
        Tensor inputGradient = InputGradientTensor(_output.Shape);
        float[] y = _output.Data, dy = outputGradient.Data, dxAll = inputGradient.Data;
        Parallelism.ForRanges(y.Length, Parallelism.ElementwiseRange, (start, count) =>
            ActivationKernel.Backward<SigmoidActivation>(y.AsSpan(start, count), dy.AsSpan(start, count), dxAll.AsSpan(start, count), SimdSupport.Best));
        return inputGradient;
    }

    /// <summary>Returns <c>Sigmoid()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Sigmoid()";

    /// <inheritdoc/>
    internal override ActivationKind FusedActivation => ActivationKind.Sigmoid;

    /// <inheritdoc/>
    /// <remarks>A Sigmoid that no convolution or dense layer fused runs in place (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        compiler.AddInPlace(new ActivationStageSpec(ActivationKind.Sigmoid));
        return true;
    }

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Sigmoid", this, prefix);
}
