using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>The rectifier max(0, x), element-wise, like <c>torch.nn.ReLU()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class ReLU : Layer
{
    private Tensor? _output;

    /// <inheritdoc/>
    public override string Name => nameof(ReLU);

    /// <inheritdoc/>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    internal override bool OverwritesResults => true;

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        Tensor output = OutputTensor(input.Shape);
        float[] x = input.Data, y = output.Data;
        Parallelism.ForRanges(x.Length, Parallelism.ElementwiseRange, (start, count) =>
            ActivationKernel.Apply<ReluActivation>(x.AsSpan(start, count), y.AsSpan(start, count), SimdSupport.Best));
        if (KeepsForBackward)
        {
            _output = output;
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [any shape] → input gradient [same shape]</c>: dX = dY where the output was
    /// positive, else 0 (PyTorch's convention at x = 0).
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_output, outputGradient, _output is null ? default : _output.Shape);
        Tensor inputGradient = InputGradientTensor(_output.Shape);
        float[] y = _output.Data, dy = outputGradient.Data, dx = inputGradient.Data;
        Parallelism.ForRanges(y.Length, Parallelism.ElementwiseRange, (start, count) =>
            ActivationKernel.Backward<ReluActivation>(y.AsSpan(start, count), dy.AsSpan(start, count), dx.AsSpan(start, count), SimdSupport.Best));
        return inputGradient;
    }

    /// <summary>Returns <c>ReLU()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "ReLU()";

    /// <inheritdoc/>
    internal override ActivationKind FusedActivation => ActivationKind.Relu;

    /// <inheritdoc/>
    /// <remarks>A ReLU that no convolution or dense layer fused runs in place (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        compiler.AddInPlace(new ActivationStageSpec(ActivationKind.Relu));
        return true;
    }

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Relu", this, prefix);
}
