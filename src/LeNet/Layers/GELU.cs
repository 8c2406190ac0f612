using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>
/// The Gaussian error linear unit x · Φ(x), Φ the standard normal distribution function, element-wise, like
/// <c>torch.nn.GELU(approximate='none')</c>; with <c>approximate: "tanh"</c>, PyTorch's approximation
/// 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
/// </summary>
/// <remarks><c>input [any shape] → output [same shape]</c>. The exact form is x · 0.5 · (1 + erf(x / √2)).</remarks>
public sealed class GELU : ElementwiseActivation
{
    /// <summary>Creates the layer.</summary>
    /// <param name="approximate">"none" (PyTorch's default) for the exact form, or "tanh" for the tanh approximation.</param>
    /// <exception cref="ArgumentNullException"><paramref name="approximate"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="approximate"/> is neither "none" nor "tanh".</exception>
    public GELU(string approximate = "none")
    {
        ArgumentNullException.ThrowIfNull(approximate);
        if (approximate is not ("none" or "tanh"))
        {
            throw new ArgumentException($"GELU: approximate argument must be either none or tanh, got '{approximate}'.", nameof(approximate));
        }

        Approximate = approximate;
    }

    /// <summary>"none" (exact) or "tanh".</summary>
    public string Approximate { get; }

    private bool IsTanh => Approximate == "tanh";

    /// <inheritdoc/>
    public override string Name => nameof(GELU);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        if (IsTanh)
        {
            ActivationFunctions.GeluTanh(x, y, SimdSupport.Best);
        }
        else
        {
            ActivationFunctions.Gelu(x, y, SimdSupport.Best);
        }
    }

    /// <remarks>
    /// Exact: dx = dy · (Φ(x) + x · φ(x)), φ the standard normal density. Tanh: the derivative of the approximation,
    /// dy · (0.5 · (1 + t) + 0.5 · x · (1 − t²) · √(2/π) · (1 + 3 · 0.044715 · x²)).
    /// </remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (IsTanh)
        {
            ActivationFunctions.GeluTanhBackward(x, dy, dx, SimdSupport.Best);
        }
        else
        {
            ActivationFunctions.GeluBackward(x, dy, dx, SimdSupport.Best);
        }
    }

    /// <summary>Returns <c>GELU(approximate='none')</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"GELU(approximate='{Approximate}')";

    /// <remarks>
    /// torch.onnx's decompositions (ONNX has Gelu only from opset 20). Exact: Div(x, √2), Erf, Add 1, Mul x, Mul 0.5.
    /// Tanh: Mul(0.5, Mul(x, Add(1, Tanh(Mul(√(2/π), Add(x, Mul(0.044715, x·x·x))))))).
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        string x = graph.Current;
        string one = graph.AddInitializer(prefix + "one", Tensor.FromArray([1f]));
        string half = graph.AddInitializer(prefix + "half", Tensor.FromArray([0.5f]));
        if (!IsTanh)
        {
            string sqrt2 = graph.AddInitializer(prefix + "sqrt2", Tensor.FromArray([1.41421356237309504880f]));
            string erf = graph.AddNode("Erf", prefix, graph.AddNode("Div", prefix, x, sqrt2).Output).Output;
            string cdf = graph.AddNode("Add", prefix, erf, one).Output;
            string scaled = graph.AddNode("Mul", prefix, x, cdf).Output;
            graph.AddNode("Mul", prefix, scaled, half);
            return;
        }

        string beta = graph.AddInitializer(prefix + "sqrt_2_over_pi", Tensor.FromArray([0.79788456080286535588f]));
        string kappa = graph.AddInitializer(prefix + "kappa", Tensor.FromArray([0.044715f]));
        string square = graph.AddNode("Mul", prefix, x, x).Output;
        string cube = graph.AddNode("Mul", prefix, x, square).Output;
        string inner = graph.AddNode("Add", prefix, x, graph.AddNode("Mul", prefix, kappa, cube).Output).Output;
        string tanh = graph.AddNode("Tanh", prefix, graph.AddNode("Mul", prefix, beta, inner).Output).Output;
        string gate = graph.AddNode("Add", prefix, one, tanh).Output;
        graph.AddNode("Mul", prefix, half, graph.AddNode("Mul", prefix, x, gate).Output);
    }
}
