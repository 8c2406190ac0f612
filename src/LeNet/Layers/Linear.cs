using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// A fully connected layer y = x·Wᵀ + b, like <c>torch.nn.Linear(in_features, out_features, bias=True)</c>.
/// </summary>
/// <remarks>
/// <c>input [*, InFeatures] → output [*, OutFeatures]</c>: any leading dimensions are kept (usually
/// just the batch, <c>[N, InFeatures] → [N, OutFeatures]</c>).
/// </remarks>
public sealed class Linear : Layer
{
    /// <summary>Creates the layer with PyTorch's default initialisation: weight and bias drawn from U(−1/√in, 1/√in).</summary>
    /// <param name="inFeatures">Size of each input sample.</param>
    /// <param name="outFeatures">Size of each output sample.</param>
    /// <param name="bias">Whether the layer adds a learnable bias.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null. Pass a seeded one for determinism.</param>
    /// <exception cref="ArgumentOutOfRangeException">A feature count is not positive.</exception>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Random? random = null)
    {
        LayerGuard.AtLeast(inFeatures, 1, nameof(Linear), nameof(inFeatures));
        LayerGuard.AtLeast(outFeatures, 1, nameof(Linear), nameof(outFeatures));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter(new Tensor(outFeatures, inFeatures));
        Bias = bias ? new Parameter(new Tensor(outFeatures)) : null;
        ResetParameters(random);
    }

    private Tensor? _input;
    private int[] _outputShape = [];

    /// <inheritdoc/>
    public override string Name => nameof(Linear);

    /// <summary>Size of each input sample.</summary>
    public int InFeatures { get; }

    /// <summary>Size of each output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>The weights, shape <c>[OutFeatures, InFeatures]</c> (PyTorch's <c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <summary>The bias, shape <c>[OutFeatures]</c>, or null when created with <c>bias: false</c>.</summary>
    public Parameter? Bias { get; }

    /// <summary>Draws new initial values the way <c>Linear.reset_parameters</c> does: weight, then bias, from U(−1/√in, 1/√in).</summary>
    /// <param name="random">The source of the values; <see cref="Random.Shared"/> when null.</param>
    public void ResetParameters(Random? random = null)
    {
        random ??= Random.Shared;
        double bound = Init.DefaultBound(InFeatures);
        Init.Uniform(Weight.Value.AsSpan(), bound, random);
        if (Bias is not null)
        {
            Init.Uniform(Bias.Value.AsSpan(), bound, random);
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>[*, InFeatures] → [*, OutFeatures]</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.MinRank(inputShape, 1, $"[N, {InFeatures}]", this);
        if (inputShape[^1] != InFeatures)
        {
            LayerGuard.Throw(this, $"expected {InFeatures} input features in the last dimension, got {inputShape[^1]} (input shape {Tensor.FormatShape(inputShape)})");
        }

        int[] shape = inputShape.ToArray();
        shape[^1] = OutFeatures;
        return shape;
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [*, InFeatures] → output [*, OutFeatures]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outShape);
        LinearKernel.Forward(input.AsSpan(), Weight.Value.AsReadOnlySpan(), Bias is null ? default : Bias.Value.AsReadOnlySpan(), output.AsSpan(), input.Length / InFeatures, InFeatures, OutFeatures);
        if (KeepsForBackward)
        {
            (_input, _outputShape) = (input, outShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [*, OutFeatures] → input gradient [*, InFeatures]</c>: dX = dY·W; adds dYᵀ·X into
    /// <c>Weight.Gradient</c> and the column sums of dY into <c>Bias.Gradient</c>.
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient) => BackwardCore(outputGradient, needInputGradient: true)!;

    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        Tensor? inputGradient = needInputGradient ? InputGradientTensor(_input.Shape) : null;
        LinearBackwardKernel.Backward(
            _input.Data, Weight.Value.ReadData, outputGradient.Data, inputGradient?.Data, Weight.Gradient.Data, Bias?.Gradient.Data,
            _input.Length / InFeatures, InFeatures, OutFeatures);
        return inputGradient;
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        yield return ("weight", Weight);
        if (Bias is not null)
        {
            yield return ("bias", Bias);
        }
    }

    /// <inheritdoc/>
    /// <remarks>A dense layer on the flattened map fuses a BatchNorm1d it folds (inference) and a Sigmoid or ReLU.</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        if (!compiler.Flat || compiler.Features != InFeatures)
        {
            return false;
        }

        BatchNorm? norm = compiler.TakeNorm<BatchNorm1d>();
        ActivationKind activation = compiler.TakeActivation();
        compiler.Add(new LinearStageSpec(this, norm, activation), [1, OutFeatures]);
        return true;
    }

    /// <remarks>y = x·Wᵀ + b with W [out, in] as stored: Gemm(A = x, B = W, C = b, transB = 1), rank-2 inputs only.</remarks>
    /// <remarks>
    /// A rank-2 input is one ONNX Gemm (transB); a higher rank (<c>[…, in]</c>, as ConvNeXt applies its Linear
    /// layers to NHWC maps) is MatMul with the transposed weight, then Add of the bias, as torch.onnx exports it.
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (inputShape.Length == 2)
        {
            graph.AddLayerNode("Gemm", this, prefix).Float("alpha", 1f).Float("beta", 1f).Int("transB", 1);
            return;
        }

        string x = graph.Current;
        string weight = graph.AddInitializer(prefix + "weight", Weight.Value);
        string transposed = graph.AddNode("Transpose", prefix, weight).Ints("perm", 1, 0).Output;
        string product = graph.AddNode("MatMul", prefix, x, transposed).Output;
        if (Bias is not null)
        {
            graph.AddNode("Add", prefix, product, graph.AddInitializer(prefix + "bias", Bias.Value));
        }
    }

    internal override long Flops(int[] inputShape, int[] outputShape) => 2L * InFeatures * Product(outputShape);

    /// <summary>The short form used in messages: <c>Linear(400→120)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"Linear({InFeatures}→{OutFeatures}{(Bias is null ? ", bias=false" : "")})";
}
