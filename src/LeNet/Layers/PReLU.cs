using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>
/// max(0, x) + a · min(0, x) with a learnable slope a, one for all elements or one per channel (dimension 1),
/// like <c>torch.nn.PReLU(num_parameters=1, init=0.25)</c>.
/// </summary>
/// <remarks>
/// <c>input [any shape] → output [same shape]</c>; with more than one parameter the input is
/// <c>[N, C, *]</c> with C = <see cref="NumParameters"/>. The slope is the parameter <c>weight</c> [NumParameters].
/// </remarks>
public sealed class PReLU : Layer
{
    private Tensor? _input;

    /// <summary>Creates the layer with every slope set to <paramref name="init"/>.</summary>
    /// <param name="numParameters">The number of slopes: 1 (shared) or the number of input channels (PyTorch's <c>num_parameters</c>).</param>
    /// <param name="init">The initial slope (PyTorch's <c>init</c>, default 0.25).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numParameters"/> is not positive or <paramref name="init"/> is not finite.</exception>
    public PReLU(int numParameters = 1, float init = 0.25f)
    {
        LayerGuard.AtLeast(numParameters, 1, nameof(PReLU), nameof(numParameters));
        if (!float.IsFinite(init))
        {
            throw new ArgumentOutOfRangeException(nameof(init), init, $"PReLU: init must be finite, got {init}.");
        }

        NumParameters = numParameters;
        Weight = new Parameter(new Tensor(numParameters));
        Weight.Value.AsSpan().Fill(init);
    }

    /// <summary>The number of slopes.</summary>
    public int NumParameters { get; }

    /// <summary>The slopes, shape <c>[NumParameters]</c> (PyTorch's <c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    public override string Name => nameof(PReLU);

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [("weight", Weight)];

    /// <inheritdoc/>
    /// <remarks>Any shape with one slope; <c>[N, C, *]</c> with C = <see cref="NumParameters"/> otherwise.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (NumParameters > 1)
        {
            LayerGuard.MinRank(inputShape, 2, $"[N, {NumParameters}, *]", this);
            if (inputShape[1] != NumParameters)
            {
                LayerGuard.Throw(this, $"expected {NumParameters} channels in dimension 1 (one per slope), got {inputShape[1]} (input {Tensor.FormatShape(inputShape)})");
            }
        }

        return inputShape.ToArray();
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [N, C, *] → output [same shape]</c>: y = x where x &gt; 0, else weight[c] · x.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        GetOutputShape(input.Shape);
        Tensor output = OutputTensor(input.Shape);
        (int outer, int channels, int inner) = Layout(input.Shape);
        ReadOnlySpan<float> x = input.AsSpan(), w = Weight.Value.AsSpan();
        Span<float> y = output.AsSpan();
        for (int run = 0; run < outer * channels; run++)
        {
            ActivationFunctions.LeakyRelu(x.Slice(run * inner, inner), w[run % channels], y.Slice(run * inner, inner), SimdSupport.Best);
        }

        if (KeepsForBackward)
        {
            _input = input;
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [N, C, *] → input gradient [same shape]</c>: dX = dY where x &gt; 0, else weight[c] · dY;
    /// accumulates ∂loss/∂weight[c] += Σ dY · x over the elements of channel c with x ≤ 0.
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_input, outputGradient, _input is null ? default : _input.Shape);
        Tensor inputGradient = InputGradientTensor(_input.Shape);
        (int outer, int channels, int inner) = Layout(_input.Shape);
        ReadOnlySpan<float> x = _input.AsSpan(), w = Weight.Value.AsSpan(), dy = outputGradient.AsSpan();
        Span<float> dx = inputGradient.AsSpan(), dw = Weight.Gradient.AsSpan();
        double[] channelSums = new double[channels];
        for (int run = 0; run < outer * channels; run++)
        {
            ReadOnlySpan<float> xRun = x.Slice(run * inner, inner), dyRun = dy.Slice(run * inner, inner);
            ActivationFunctions.LeakyReluBackward(xRun, w[run % channels], dyRun, dx.Slice(run * inner, inner), SimdSupport.Best);
            channelSums[run % channels] += ActivationFunctions.NegativePartDot(xRun, dyRun, SimdSupport.Best);
        }

        for (int c = 0; c < channels; c++)
        {
            dw[c] += (float)channelSums[c];
        }

        return inputGradient;
    }

    /// <summary>The input as [outer, channels, inner]: channels is dimension 1 with several slopes, else 1 (all one run).</summary>
    private (int Outer, int Channels, int Inner) Layout(ReadOnlySpan<int> shape)
    {
        int length = (int)Product(shape);
        return NumParameters == 1 ? (1, 1, length) : DimArithmetic.Split(shape, 1);
    }

    /// <summary>Returns <c>PReLU(num_parameters=1)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"PReLU(num_parameters={NumParameters})";

    /// <remarks>ONNX PRelu broadcasts the slope from the right: it is stored as [C, 1, …] (one 1 per dimension after the channel).</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        int[] slopeShape = NumParameters == 1 ? [1] : [NumParameters, .. Enumerable.Repeat(1, inputShape.Length - 2)];
        string slope = graph.AddInitializer(prefix + "weight", Weight.Value.Reshape(slopeShape));
        graph.AddNode("PRelu", prefix, graph.Current, slope);
    }
}
