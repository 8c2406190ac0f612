using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Graphs.Ops;

/// <summary>
/// The error function element-wise, like <c>torch.erf</c> and ONNX <c>Erf</c>: input [any] → output [same]. What
/// torch.onnx writes for exact GELU (Div by √2, Erf, Add 1, Mul x, Mul 0.5) imports through it.
/// </summary>
internal sealed class ErfOp : TensorOp
{
    public static readonly ErfOp Instance = new();

    private ErfOp()
    {
    }

    public override string Name => "erf";

    public override int[]? OutputShape(Tensor[] inputs) => inputs[0].Shape.ToArray();

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        var y = new Tensor(x.Shape.ToArray());
        ActivationFunctions.Erf(x.ReadData, y.Data, SimdSupport.Best);
        return y;
    }

    // y = erf(x): ∂y/∂x = 2/√π · exp(−x²).
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        Tensor x = inputs[0];
        var dx = new Tensor(x.Shape.ToArray());
        ReadOnlySpan<float> src = x.ReadData, dy = outputGradient.ReadData;
        Span<float> dst = dx.Data;
        float scale = 2f / MathF.Sqrt(MathF.PI);
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = scale * MathF.Exp(-src[i] * src[i]) * dy[i];
        }

        return [dx];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Erf", prefix, inputs[0]).Output = output;
}
