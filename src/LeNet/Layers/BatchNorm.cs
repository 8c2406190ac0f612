using System.Numerics.Tensors;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>
/// What <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> share (PyTorch's <c>_BatchNorm</c>):
/// per-channel normalization of channel 1 of the input over every other axis,
/// <c>y = (x − mean) / √(var + eps) · weight + bias</c>.
/// </summary>
/// <remarks>
/// <para>Training mode: mean and variance are the batch's (the biased variance normalizes); with
/// <see cref="TrackRunningStats"/> the running statistics are updated as
/// <c>running = (1 − momentum) · running + momentum · batch</c> (the unbiased variance for
/// <c>running_var</c>) and <c>num_batches_tracked</c> counts the batches.</para>
/// <para>Evaluation mode: the running statistics are used, or the batch's when the layer tracks none (as in PyTorch).</para>
/// </remarks>
public abstract class BatchNorm : Layer
{
    private Tensor? _input;
    private int[] _outputShape = [];
    private float[] _mean = [];
    private float[] _invStd = [];

    // Set when the kept forward was in evaluation mode with running statistics: γ · invStd per channel.
    private float[]? _evaluationScale;

    /// <summary>Validates the arguments and makes the parameters (weight ones, bias zeros) and buffers (running_mean zeros, running_var ones, num_batches_tracked 0).</summary>
    /// <param name="numFeatures">Channels C of the input.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="momentum">Weight of the batch statistics in the running statistics' update.</param>
    /// <param name="affine">Whether the layer learns a per-channel weight and bias.</param>
    /// <param name="trackRunningStats">Whether the layer keeps running statistics (and uses them in evaluation mode).</param>
    /// <exception cref="ArgumentOutOfRangeException">numFeatures is not positive, eps is not positive, or momentum is outside [0, 1].</exception>
    private protected BatchNorm(int numFeatures, float eps, float momentum, bool affine, bool trackRunningStats)
    {
        string layer = GetType().Name;
        LayerGuard.AtLeast(numFeatures, 1, layer, nameof(numFeatures));
        if (!(eps > 0) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{layer}: eps must be a positive finite number, got {eps}.");
        }

        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{layer}: momentum must be in [0, 1], got {momentum}.");
        }

        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = new Parameter(new Tensor(numFeatures));
            Bias = new Parameter(new Tensor(numFeatures));
        }

        if (trackRunningStats)
        {
            RunningMean = new Tensor(numFeatures);
            RunningVar = new Tensor(numFeatures);
            NumBatchesTracked = new Tensor([]);
        }

        ResetParameters();
    }

    /// <summary>Channels C of the input (PyTorch's <c>num_features</c>).</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Eps { get; }

    /// <summary>Weight of the batch statistics in the running update.</summary>
    public float Momentum { get; }

    /// <summary>Whether the layer has a learnable weight and bias (PyTorch's <c>affine</c>).</summary>
    public bool Affine => Weight is not null;

    /// <summary>Whether the layer keeps running statistics (PyTorch's <c>track_running_stats</c>).</summary>
    public bool TrackRunningStats => RunningMean is not null;

    /// <summary>The per-channel scale γ, shape <c>[NumFeatures]</c>, initially ones; null without <c>affine</c>.</summary>
    public Parameter? Weight { get; }

    /// <summary>The per-channel shift β, shape <c>[NumFeatures]</c>, initially zeros; null without <c>affine</c>.</summary>
    public Parameter? Bias { get; }

    /// <summary>The running mean, shape <c>[NumFeatures]</c> (buffer <c>running_mean</c>); null without <c>trackRunningStats</c>.</summary>
    public Tensor? RunningMean { get; }

    /// <summary>The running (unbiased) variance, shape <c>[NumFeatures]</c> (buffer <c>running_var</c>); null without <c>trackRunningStats</c>.</summary>
    public Tensor? RunningVar { get; }

    /// <summary>The number of training-mode batches seen, a scalar (shape <c>[]</c>, buffer <c>num_batches_tracked</c>); null without <c>trackRunningStats</c>.</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <summary>Resets the running statistics, like <c>reset_running_stats()</c>: mean 0, variance 1, no batches tracked.</summary>
    public void ResetRunningStats()
    {
        RunningMean?.AsSpan().Clear();
        RunningVar?.AsSpan().Fill(1f);
        NumBatchesTracked?.AsSpan().Clear();
    }

    /// <summary>Resets the running statistics and the parameters, like <c>reset_parameters()</c>: weight ones, bias zeros.</summary>
    public void ResetParameters()
    {
        ResetRunningStats();
        Weight?.Value.AsSpan().Fill(1f);
        Bias?.Value.AsSpan().Clear();
    }

    /// <inheritdoc/>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        CheckShape(inputShape);
        if (inputShape[1] != NumFeatures)
        {
            LayerGuard.Throw(this, $"expected {NumFeatures} channel{(NumFeatures == 1 ? "" : "s")} (dimension 1), got {inputShape[1]} (input shape {Tensor.FormatShape(inputShape)})");
        }

        return inputShape.ToArray();
    }

    /// <summary>Throws unless the input has a rank this layer accepts, all dimensions positive.</summary>
    private protected abstract void CheckShape(ReadOnlySpan<int> inputShape);

    /// <inheritdoc/>
    /// <remarks><c>input [N, C, …] → output [N, C, …]</c>, the same shape.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] shape = GetOutputShape(input.Shape);
        (int batch, int length) = (shape[0], input.Length / (shape[0] * NumFeatures));
        Tensor output = OutputTensor(shape);
        if (IsTraining || !TrackRunningStats)
        {
            if ((long)batch * length <= 1 && IsTraining)
            {
                LayerGuard.Throw(this, $"expected more than 1 value per channel when training, got input shape {Tensor.FormatShape(shape)}");
            }

            var mean = new float[NumFeatures];
            var variance = new float[NumFeatures];
            var invStd = new float[NumFeatures];

            // Backward recomputes xhat from the input and these statistics, so training keeps only them.
            BatchNormKernel.TrainForward(input.ReadData, output.Data, batch, NumFeatures, length, Weight?.Value.Data, Bias?.Value.Data, Eps, mean, variance, invStd);
            if (KeepsForBackward)
            {
                UpdateRunningStats(mean, variance, (long)batch * length);
            }

            if (KeepsForBackward)
            {
                (_input, _mean, _invStd, _outputShape, _evaluationScale) = (input, mean, invStd, shape, null);
            }

            return output;
        }

        (float[] scale, float[] shift) = EvaluationAffine();
        BatchNormKernel.Affine(input.ReadData, output.Data, batch, NumFeatures, length, scale, shift);
        if (KeepsForBackward)
        {
            // Differentiating an evaluation-mode forward: the affine map with the running statistics.
            var mean = new float[NumFeatures];
            var invStd = new float[NumFeatures];
            for (int c = 0; c < NumFeatures; c++)
            {
                mean[c] = RunningMean!.ReadData[c];
                invStd[c] = 1f / MathF.Sqrt(RunningVar!.ReadData[c] + Eps);
            }

            (_input, _mean, _invStd, _outputShape, _evaluationScale) = (input, mean, invStd, shape, scale);
        }

        return output;
    }

    /// <summary>
    /// Evaluation with running statistics as a per-channel affine map: <c>y = x · scale + shift</c>,
    /// <c>scale = γ / √(running_var + eps)</c>, <c>shift = β − running_mean · scale</c>.
    /// </summary>
    private (float[] Scale, float[] Shift) EvaluationAffine()
    {
        var scale = new float[NumFeatures];
        var shift = new float[NumFeatures];
        ReadOnlySpan<float> runningMean = RunningMean!.ReadData, runningVar = RunningVar!.ReadData;
        for (int c = 0; c < NumFeatures; c++)
        {
            scale[c] = (Weight is null ? 1f : Weight.Value.ReadData[c]) / MathF.Sqrt(runningVar[c] + Eps);
            shift[c] = (Bias is null ? 0f : Bias.Value.ReadData[c]) - (runningMean[c] * scale[c]);
        }

        return (scale, shift);
    }

    /// <summary>
    /// Folds this layer's evaluation-mode map into the convolution or dense layer before it, as the
    /// engine compiles it: output channel <c>o</c>'s weights (one row of <c>weight.Length / NumFeatures</c>)
    /// are scaled by <c>scale[o]</c> and its bias becomes <c>bias[o] · scale[o] + shift[o]</c>.
    /// Only for a layer with running statistics (<see cref="TrackRunningStats"/>).
    /// </summary>
    internal void FoldInto(float[] weight, float[] bias) => FoldInto(weight, weight, bias);

    /// <summary>
    /// <see cref="FoldInto(float[], float[])"/> from <paramref name="source"/> into a new array, in one pass (a compiled
    /// stage's snapshot of a convolution's or dense layer's weights); <paramref name="bias"/> is folded in place.
    /// </summary>
    /// <param name="source">The layer's weights [NumFeatures, …], left as they are.</param>
    /// <param name="bias">The layer's bias [NumFeatures] (a copy), overwritten with the folded bias.</param>
    /// <returns>The folded weights, the length of <paramref name="source"/>.</returns>
    internal float[] FoldedCopy(ReadOnlySpan<float> source, float[] bias)
    {
        float[] weight = GC.AllocateUninitializedArray<float>(source.Length);
        FoldInto(source, weight, bias);
        return weight;
    }

    private void FoldInto(ReadOnlySpan<float> source, Span<float> weight, float[] bias)
    {
        (float[] scale, float[] shift) = EvaluationAffine();
        int row = source.Length / NumFeatures;

        // weight[o, ·] = source[o, ·] · scale[o]: one rounding per product, as TensorPrimitives.Multiply gives, in a kernel
        // fully optimized at its first call (folding runs once, while a model loads, when TensorPrimitives' generic code
        // still runs unoptimized: resnet18's 11 million weights took ~65 ms cold through it).
        ChannelScaleKernel.Run(SimdSupport.Best, source, scale, weight, row);
        for (int o = 0; o < NumFeatures; o++)
        {
            bias[o] = (bias[o] * scale[o]) + shift[o];
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [N, C, …] → input gradient [N, C, …]</c>, through the batch statistics of the last
    /// training-mode forward and its input (kept by reference, as <see cref="Conv2d"/> keeps its input: change
    /// it in place before Backward and the gradient is of the changed values); adds ∂loss/∂weight and
    /// ∂loss/∂bias into their gradients.
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient) => BackwardCore(outputGradient, needInputGradient: true)!;

    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        int batch = _outputShape[0], length = _input.Length / (batch * NumFeatures);
        Tensor? inputGradient = needInputGradient ? InputGradientTensor(_outputShape) : null;
        if (_evaluationScale is not null)
        {
            EvaluationBackward(outputGradient.ReadData, inputGradient?.Data, batch, length);
            return inputGradient;
        }

        BatchNormKernel.TrainBackward(
            outputGradient.Data, _input.ReadData, inputGradient?.Data, batch, NumFeatures, length, Weight?.Value.Data, _mean, _invStd,
            Weight?.Gradient.Data, Bias?.Gradient.Data);
        return inputGradient;
    }

    /// <summary>
    /// The backward of the evaluation-mode map y = (x − running_mean) · invStd · γ + β, whose statistics are
    /// constants: dx = dy · γ · invStd, dγ = Σ dy · x̂, dβ = Σ dy (sums over the batch and the positions).
    /// </summary>
    private void EvaluationBackward(float[] dy, float[]? dx, int batch, int length)
    {
        float[] x = _input!.ReadData;
        float[]? weightGradient = Weight?.Gradient.Data, biasGradient = Bias?.Gradient.Data;
        for (int c = 0; c < NumFeatures; c++)
        {
            double sumDy = 0, sumDyXhat = 0;
            float mean = _mean[c], invStd = _invStd[c], scale = _evaluationScale![c];
            for (int n = 0; n < batch; n++)
            {
                int offset = ((n * NumFeatures) + c) * length;
                ReadOnlySpan<float> g = dy.AsSpan(offset, length), xs = x.AsSpan(offset, length);
                for (int i = 0; i < length; i++)
                {
                    sumDy += g[i];
                    sumDyXhat += g[i] * ((xs[i] - mean) * invStd);
                }

                if (dx is not null)
                {
                    TensorPrimitives.Multiply(g, scale, dx.AsSpan(offset, length));
                }
            }

            if (weightGradient is not null)
            {
                weightGradient[c] += (float)sumDyXhat;
                biasGradient![c] += (float)sumDy;
            }
        }
    }

    /// <inheritdoc/>
    internal override bool OverwritesResults => true;

    /// <inheritdoc/>
    /// <remarks>In evaluation mode with running statistics; training mode updates them.</remarks>
    internal override bool IsRepeatable => !IsTraining && TrackRunningStats;

    private void UpdateRunningStats(float[] mean, float[] variance, long count)
    {
        if (!TrackRunningStats)
        {
            return;
        }

        // PyTorch: running_var uses the unbiased variance, var · M / (M − 1).
        Span<float> runningMean = RunningMean!.AsSpan(), runningVar = RunningVar!.AsSpan();
        float unbias = (float)((double)count / (count - 1));
        for (int c = 0; c < NumFeatures; c++)
        {
            runningMean[c] = ((1 - Momentum) * runningMean[c]) + (Momentum * mean[c]);
            runningVar[c] = ((1 - Momentum) * runningVar[c]) + (Momentum * variance[c] * unbias);
        }

        NumBatchesTracked!.AsSpan()[0] += 1;
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        if (Weight is not null)
        {
            yield return ("weight", Weight);
            yield return ("bias", Bias!);
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        if (RunningMean is not null)
        {
            yield return ("running_mean", RunningMean);
            yield return ("running_var", RunningVar!);
            yield return ("num_batches_tracked", NumBatchesTracked!);
        }
    }

    /// <remarks>
    /// Evaluation-mode <c>BatchNormalization</c> (X, scale, B, mean, var); ones and zeros stand in for the
    /// parameters without <c>affine</c>. A 2-D input [N, C] is unsqueezed to [N, C, 1] around it.
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (!TrackRunningStats)
        {
            OnnxGraph.ThrowUnsupported(this, prefix, "has no running statistics (trackRunningStats: false), so it normalizes with batch statistics even in evaluation mode; ONNX's BatchNormalization takes fixed statistics");
        }

        bool flat = inputShape.Length == 2;
        if (flat)
        {
            graph.AddNode("Unsqueeze", prefix, graph.Current, graph.AddInt64Initializer($"{prefix}unsqueeze_axes", [1], 2));
        }

        string scale = Weight is null ? graph.AddInitializer($"{prefix}onnx_scale", Filled(1f)) : graph.AddInitializer(prefix + "weight", Weight.Value);
        string shift = Bias is null ? graph.AddInitializer($"{prefix}onnx_bias", Filled(0f)) : graph.AddInitializer(prefix + "bias", Bias.Value);
        graph.AddNode("BatchNormalization", prefix, graph.Current, scale, shift,
                graph.AddInitializer(prefix + "running_mean", RunningMean!), graph.AddInitializer(prefix + "running_var", RunningVar!))
            .Float("epsilon", Eps)
            .Float("momentum", 1 - Momentum);
        if (flat)
        {
            graph.AddNode("Squeeze", prefix, graph.Current, graph.AddInt64Initializer($"{prefix}squeeze_axes", [1], 2));
        }
    }

    private Tensor Filled(float value)
    {
        var tensor = new Tensor(NumFeatures);
        tensor.AsSpan().Fill(value);
        return tensor;
    }

    /// <remarks>Evaluation mode: a multiply and an add per element (2 FLOPs).</remarks>
    internal override long Flops(int[] inputShape, int[] outputShape) => 2 * Product(outputShape);

    /// <summary>The short form used in messages: <c>BatchNorm2d(6)</c>, with the other arguments when not the defaults.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        $"{Name}({NumFeatures}{(Eps != 1e-5f ? $", eps={Eps}" : "")}{(Momentum != 0.1f ? $", momentum={Momentum}" : "")}{(Affine ? "" : ", affine=false")}{(TrackRunningStats ? "" : ", trackRunningStats=false")})";
}
