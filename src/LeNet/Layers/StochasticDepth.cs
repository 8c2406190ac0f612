using System.Numerics.Tensors;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// Randomly drops a whole residual branch in training mode, like <c>torchvision.ops.StochasticDepth(p, mode)</c>
/// ("Deep Networks with Stochastic Depth"): with <c>mode = "row"</c> each sample (each index along dimension 0) is
/// kept with probability 1 − p, with <c>mode = "batch"</c> the whole input is; kept values are scaled by 1/(1 − p),
/// dropped ones are zero. The identity in evaluation mode, and when p = 0.
/// </summary>
/// <remarks><c>input [N, …] → output [N, …]</c> (<c>"batch"</c> takes any shape).</remarks>
public sealed class StochasticDepth : Layer
{
    private readonly Random _random;
    private float[]? _noise;
    private int[]? _shape;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing a sample (or the batch), in [0, 1] (torchvision's <c>p</c>).</param>
    /// <param name="mode">"row" for one draw per sample along dimension 0, "batch" for one draw for the whole input.</param>
    /// <param name="random">The source of the draws; <see cref="Random.Shared"/> when null. Pass a seeded one for reproducible draws.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    /// <exception cref="ArgumentNullException"><paramref name="mode"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is neither "row" nor "batch".</exception>
    public StochasticDepth(float p, string mode, Random? random = null)
    {
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"StochasticDepth: drop probability has to be between 0 and 1, but got {PythonRepr.Float(p)}.");
        }

        ArgumentNullException.ThrowIfNull(mode);
        if (mode is not ("row" or "batch"))
        {
            throw new ArgumentException($"StochasticDepth: mode has to be either 'batch' or 'row', but got {mode}.", nameof(mode));
        }

        (P, Mode) = (p, mode);
        _random = random ?? Random.Shared;
    }

    /// <summary>The probability of zeroing a sample (or the batch).</summary>
    public float P { get; }

    /// <summary>"row" or "batch".</summary>
    public string Mode { get; }

    /// <inheritdoc/>
    public override string Name => nameof(StochasticDepth);

    /// <inheritdoc/>
    /// <remarks>The same shape; <c>"row"</c> needs a dimension 0 to draw along.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (Mode == "row")
        {
            LayerGuard.MinRank(inputShape, 1, "[N, ...] (mode=row draws one value per index of dimension 0)", this);
        }
        else
        {
            LayerGuard.Positive(inputShape, this);
        }

        return inputShape.ToArray();
    }

    /// <inheritdoc/>
    /// <remarks>In evaluation mode, and with p = 0: training mode draws new noise each call.</remarks>
    internal override bool IsRepeatable => !IsTraining || P == 0f;

    /// <inheritdoc/>
    /// <remarks>
    /// <c>input [N, …] → output [N, …]</c>. Evaluation mode, and p = 0, return the input itself. Training mode draws the
    /// noise as torchvision does: Bernoulli(1 − p) per sample (row) or once (batch), divided by 1 − p when that is
    /// positive; the output is input · noise.
    /// </remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] shape = GetOutputShape(input.Shape);
        if (!IsTraining || P == 0f)
        {
            if (KeepsForBackward)
            {
                (_noise, _shape) = (null, shape);
            }

            return input;
        }

        // torchvision: survival_rate = 1.0 − p (a Python float), noise.bernoulli_(survival_rate).div_(survival_rate) in the input's dtype.
        double survival = 1.0 - P;
        float scale = survival > 0 ? 1f / (float)survival : 0f;
        var noise = new float[Mode == "row" ? shape[0] : 1];
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = _random.NextDouble() < survival ? scale : 0f;
        }

        Tensor output = OutputTensor(shape);
        Apply(input.AsReadOnlySpan(), noise, output.AsSpan());
        if (KeepsForBackward)
        {
            (_noise, _shape) = (noise, shape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [N, …] → input gradient [N, …]</c>: dX = dY · the last training-mode Forward's noise (the
    /// gradient itself when that forward was the identity, p = 0).
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_shape, outputGradient, _shape);
        if (_noise is null)
        {
            return outputGradient;
        }

        Tensor inputGradient = InputGradientTensor(_shape);
        Apply(outputGradient.AsReadOnlySpan(), _noise, inputGradient.AsSpan());
        return inputGradient;
    }

    /// <summary>y = x · noise[sample], each sample a contiguous run of x.Length / noise.Length values.</summary>
    private static void Apply(ReadOnlySpan<float> x, float[] noise, Span<float> y)
    {
        int run = x.Length / noise.Length;
        for (int i = 0; i < noise.Length; i++)
        {
            TensorPrimitives.Multiply(x.Slice(i * run, run), noise[i], y.Slice(i * run, run));
        }
    }

    /// <summary>Returns <c>StochasticDepth(p=0.2, mode=row)</c>, torchvision's repr.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"StochasticDepth(p={PythonRepr.Float(P)}, mode={Mode})";

    /// <inheritdoc/>
    internal override bool IsIdentityIn(bool training) => !training || P == 0f;

    /// <remarks>An exported model is in evaluation mode, where stochastic depth is the identity.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Identity", this, prefix);
}
