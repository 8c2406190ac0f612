using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// Layer normalization over the last dimensions of the input, like
/// <c>torch.nn.LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True)</c>: each sample's trailing block of
/// <c>normalized_shape</c> is normalized by its own mean and biased variance,
/// <c>y = (x − mean) / √(var + eps) · weight + bias</c>.
/// </summary>
/// <remarks>
/// <c>input [*, d1, …, dk] → output [*, d1, …, dk]</c> with <c>[d1, …, dk]</c> = <see cref="NormalizedShape"/>; the
/// statistics are over those k dimensions, one pair per position of <c>*</c>. Training and evaluation compute the
/// same thing (there are no running statistics).
/// </remarks>
public sealed class LayerNorm : Layer
{
    private readonly int[] _normalizedShape;
    private readonly bool _ownsParameters;
    private Tensor? _input;
    private int[] _outputShape = [];
    private float[] _center = [];
    private float[] _correction = [];
    private float[] _rstd = [];

    /// <summary>Creates the layer: weight ones and bias zeros, each of shape <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">The trailing dimensions normalized together (PyTorch's <c>normalized_shape</c>); each positive.</param>
    /// <param name="eps">Added to the variance for numerical stability (PyTorch's <c>eps</c>, default 1e-5).</param>
    /// <param name="elementwiseAffine">Whether the layer learns a weight and a bias per normalized element (PyTorch's <c>elementwise_affine</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="normalizedShape"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="normalizedShape"/> is empty or has a size that is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eps"/> is negative, infinite or NaN.</exception>
    public LayerNorm(int[] normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
        : this(normalizedShape, eps, elementwiseAffine, borrowed: null)
    {
    }

    /// <summary>Creates the layer for one normalized dimension, like <c>torch.nn.LayerNorm(768)</c>.</summary>
    /// <param name="normalizedShape">The size of the last dimension, normalized; positive.</param>
    /// <param name="eps">Added to the variance for numerical stability (default 1e-5).</param>
    /// <param name="elementwiseAffine">Whether the layer learns a weight and a bias of shape <c>[normalizedShape]</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="normalizedShape"/> is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eps"/> is negative, infinite or NaN.</exception>
    public LayerNorm(int normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
        : this([normalizedShape], eps, elementwiseAffine)
    {
    }

    /// <summary>
    /// A layer over parameters owned elsewhere (a functional <c>layer_norm(x, shape, weight, bias, eps)</c> inside a
    /// module that registers them): it reads them and adds into their gradients, but does not list them in
    /// <see cref="NamedParameters"/>, so the owner's state dict and optimizer see them once.
    /// </summary>
    /// <param name="normalizedShape">The trailing dimensions normalized together.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="weight">The scale, of shape <paramref name="normalizedShape"/>, or null for none.</param>
    /// <param name="bias">The shift, of shape <paramref name="normalizedShape"/>, or null for none.</param>
    internal LayerNorm(int[] normalizedShape, float eps, Parameter? weight, Parameter? bias)
        : this(normalizedShape, eps, elementwiseAffine: false, borrowed: (weight, bias))
    {
    }

    /// <summary>Validates the arguments; makes the parameters (weight ones, bias zeros) or takes the borrowed ones.</summary>
    private LayerNorm(int[] normalizedShape, float eps, bool elementwiseAffine, (Parameter? Weight, Parameter? Bias)? borrowed)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(size => size <= 0))
        {
            throw new ArgumentException($"LayerNorm: normalized_shape must be non-empty with positive sizes, got {Tensor.FormatShape(normalizedShape)}.", nameof(normalizedShape));
        }

        if (!(eps >= 0) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, $"LayerNorm: eps must be a non-negative finite number, got {eps}.");
        }

        long size = Product(normalizedShape);
        if (size > Array.MaxLength)
        {
            throw new ArgumentException($"LayerNorm: normalized_shape {Tensor.FormatShape(normalizedShape)} has too many elements.", nameof(normalizedShape));
        }

        (_normalizedShape, NormalizedSize, Eps) = ((int[])normalizedShape.Clone(), (int)size, eps);
        if (borrowed is { } parameters)
        {
            foreach ((string name, Parameter? parameter) in new[] { ("weight", parameters.Weight), ("bias", parameters.Bias) })
            {
                if (parameter is not null && !parameter.Value.Shape.SequenceEqual(_normalizedShape))
                {
                    throw new ArgumentException(
                        $"LayerNorm: expected a {name} of shape {Tensor.FormatShape(_normalizedShape)} (normalized_shape), got {Tensor.FormatShape(parameter.Value.Shape)}.", name);
                }
            }

            (Weight, Bias) = parameters;
            return;
        }

        if (elementwiseAffine)
        {
            Weight = new Parameter(new Tensor(_normalizedShape));
            Bias = new Parameter(new Tensor(_normalizedShape));
            _ownsParameters = true;
        }

        ResetParameters();
    }

    /// <summary>The trailing dimensions normalized together (PyTorch's <c>normalized_shape</c>).</summary>
    public IReadOnlyList<int> NormalizedShape => _normalizedShape;

    /// <summary>The number of elements normalized together: the product of <see cref="NormalizedShape"/>.</summary>
    public int NormalizedSize { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Eps { get; }

    /// <summary>Whether the layer has a weight or a bias (PyTorch's <c>elementwise_affine</c>).</summary>
    public bool ElementwiseAffine => Weight is not null || Bias is not null;

    /// <summary>The scale γ, shape <see cref="NormalizedShape"/>, initially ones; null without <c>elementwiseAffine</c>.</summary>
    public Parameter? Weight { get; }

    /// <summary>The shift β, shape <see cref="NormalizedShape"/>, initially zeros; null without <c>elementwiseAffine</c>.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    public override string Name => nameof(LayerNorm);

    /// <summary>Resets the parameters, like <c>reset_parameters()</c>: weight ones, bias zeros.</summary>
    public void ResetParameters()
    {
        Weight?.Value.AsSpan().Fill(1f);
        Bias?.Value.AsSpan().Clear();
    }

    /// <inheritdoc/>
    /// <remarks><c>[*, d1, …, dk] → [*, d1, …, dk]</c>; the trailing dimensions must be <see cref="NormalizedShape"/>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        int k = _normalizedShape.Length;
        if (inputShape.Length < k || !inputShape[^k..].SequenceEqual(_normalizedShape))
        {
            LayerGuard.Throw(this, $"given normalized_shape={Tensor.FormatShape(_normalizedShape)}, expected an input of shape [*, {string.Join(", ", _normalizedShape)}], got {Tensor.FormatShape(inputShape)}");
        }

        LayerGuard.Positive(inputShape, this);
        return inputShape.ToArray();
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [*, d1, …, dk] → output [*, d1, …, dk]</c>, each trailing block normalized by its own statistics.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] shape = GetOutputShape(input.Shape);
        int rows = input.Length / NormalizedSize;
        Tensor output = OutputTensor(shape);
        var center = new float[rows];
        var correction = new float[rows];
        var rstd = new float[rows];

        // Backward recomputes xhat from the input and these statistics, so training keeps only them.
        LayerNormKernel.Forward(input.ReadData, output.Data, rows, NormalizedSize, Weight?.Value.ReadData, Bias?.Value.ReadData, Eps, center, correction, rstd);
        if (KeepsForBackward)
        {
            (_input, _center, _correction, _rstd, _outputShape) = (input, center, correction, rstd, shape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [*, d1, …, dk] → input gradient [*, d1, …, dk]</c>, through the statistics of the last
    /// training-mode forward and its input (kept by reference); adds ∂loss/∂weight and ∂loss/∂bias into their
    /// gradients.
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient) => BackwardCore(outputGradient, needInputGradient: true)!;

    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        int rows = _input.Length / NormalizedSize;
        Tensor? inputGradient = needInputGradient ? InputGradientTensor(_outputShape) : null;
        LayerNormKernel.Backward(
            outputGradient.ReadData, _input.ReadData, inputGradient?.Data, rows, NormalizedSize, Weight?.Value.ReadData, _center, _correction, _rstd,
            Weight?.Gradient.Data, Bias?.Gradient.Data);
        return inputGradient;
    }

    /// <inheritdoc/>
    /// <remarks>"weight" and "bias", as PyTorch's; none for a layer over parameters owned elsewhere.</remarks>
    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        if (!_ownsParameters)
        {
            yield break;
        }

        yield return ("weight", Weight!);
        yield return ("bias", Bias!);
    }

    /// <summary>Returns <c>LayerNorm((4,), eps=1e-05, elementwise_affine=True)</c>, PyTorch's repr.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        $"LayerNorm({PythonRepr.Tuple(_normalizedShape)}, eps={PythonRepr.Float(Eps)}, elementwise_affine={PythonRepr.Bool(ElementwiseAffine)})";

    /// <remarks>About 8 FLOPs per element: the two statistics passes, normalization, scale and shift.</remarks>
    internal override long Flops(int[] inputShape, int[] outputShape) => 8 * Product(outputShape);

    /// <remarks>
    /// ONNX LayerNormalization (axis −k, epsilon) from opset 17; below, torch.onnx's decomposition over the last k
    /// axes: ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, then Mul weight and Add bias.
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        int k = _normalizedShape.Length;
        string x = graph.Current;
        string? weight = Weight is null ? null : graph.AddInitializer(prefix + "weight", Weight.Value);
        string? bias = Bias is null ? null : graph.AddInitializer(prefix + "bias", Bias.Value);
        if (OnnxOpset.AtLeast(17))
        {
            var ones = new Tensor(_normalizedShape);
            ones.AsSpan().Fill(1f);
            string[] inputs = bias is null ? [x, weight ?? graph.AddInitializer(prefix + "onnx_scale", ones)] : [x, weight ?? graph.AddInitializer(prefix + "onnx_scale", ones), bias];
            graph.AddNode("LayerNormalization", prefix, inputs).Int("axis", -k).Float("epsilon", Eps);
            return;
        }

        long[] axes = [.. Enumerable.Range(-k, k).Select(axis => (long)axis)];
        string mean = graph.AddNode("ReduceMean", prefix, x).Ints("axes", axes).Int("keepdims", 1).Output;
        string centered = graph.AddNode("Sub", prefix, x, mean).Output;
        string two = graph.AddInitializer(prefix + "two", Tensor.FromArray([2f]));
        string squares = graph.AddNode("Pow", prefix, centered, two).Output;
        string variance = graph.AddNode("ReduceMean", prefix, squares).Ints("axes", axes).Int("keepdims", 1).Output;
        string eps = graph.AddInitializer(prefix + "eps", Tensor.FromArray([Eps]));
        string std = graph.AddNode("Sqrt", prefix, graph.AddNode("Add", prefix, variance, eps).Output).Output;
        string normalized = graph.AddNode("Div", prefix, centered, std).Output;
        if (weight is not null)
        {
            normalized = graph.AddNode("Mul", prefix, normalized, weight).Output;
        }

        if (bias is not null)
        {
            graph.AddNode("Add", prefix, normalized, bias);
        }
    }
}
