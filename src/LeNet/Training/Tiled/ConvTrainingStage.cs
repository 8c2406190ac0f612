using System.Diagnostics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Training.Tiled;

/// <summary>
/// A stride-1 convolution, its activation and an optional 2×2 stride-2 pool, trained on tiles. Forward
/// runs the inference kernel, keeping the full-resolution activations ([O, OH, OW]) when it pools;
/// backward turns the output gradient into the pre-activation gradient (pool and activation backward,
/// with the bias gradient), then the weight gradient and, but for the first stage, the input gradient.
/// </summary>
internal sealed class ConvTrainingStage<TOps, TVec, TAct, TPool> : TrainingStage
    where TOps : ISimdOps<TVec>
    where TVec : struct
    where TAct : IActivation
    where TPool : IPoolReduction
{
    private readonly Conv2d _conv;
    private readonly bool _pooled;
    private readonly TileMap _fullMap;
    private readonly float[] _packed;
    private readonly float[] _packedInputGradient;
    private readonly float[] _bias;
    private readonly int _weightLength;

    public ConvTrainingStage(Conv2d conv, bool pooled, TileMap inputMap, TileMap outputMap, int input)
        : base(inputMap, outputMap, input)
    {
        _conv = conv;
        _pooled = pooled;
        int k = conv.Kernel;
        int outHeight = inputMap.PaddedHeight - k + 1, outWidth = inputMap.PaddedWidth - k + 1;
        _fullMap = new TileMap(conv.OutChannels, outHeight, outWidth, 0);
        _weightLength = conv.Weight.Length;
        _packed = new float[ConvTileKernel.PackedLength(conv.OutChannels, conv.InChannels, k)];
        _packedInputGradient = new float[_weightLength];
        _bias = new float[conv.OutChannels];
    }

    public override int PartialLength => _weightLength + (_conv.Bias is null ? 0 : _conv.OutChannels);

    public override int KeepLength => _pooled ? _fullMap.Length : 0;

    /// <remarks>The first stage (no input gradient) writes its pre-activation gradient over the kept activations instead.</remarks>
    public override int GradientScratchLength => InPlace ? 0 : _fullMap.Length;

    /// <summary>
    /// Whether the pre-activation gradient overwrites the kept activations (same layout; each element is read
    /// before it is written): when nothing reads the activations afterwards, i.e. no input gradient follows.
    /// </summary>
    private bool InPlace => _pooled && Input == 0;

    public override void Pack()
    {
        ReadOnlySpan<float> weight = _conv.Weight.Value.AsReadOnlySpan();
        int k = _conv.Kernel;
        ConvTileKernel.PackWeights(weight, _conv.OutChannels, _conv.InChannels, k, _packed);
        ConvGradTileKernel.PackInputGradientWeights(weight, _conv.OutChannels, _conv.InChannels, k, _packedInputGradient);
        if (_conv.Bias is not null)
        {
            _conv.Bias.Value.AsReadOnlySpan().CopyTo(_bias);
        }
    }

    public override void Forward(TileScratch scratch, int stage, int first, int count, int groups)
    {
        for (int group = 0; group < groups; group++)
        {
            int lane = group * TOps.Count;
            if (_pooled)
            {
                ConvTileKernel.PooledKeeping<TOps, TVec, TAct, TPool>(
                    scratch.Maps[Input], InputMap, _packed, _bias, scratch.Maps[Output], OutputMap, _conv.Kernel, 1, lane, scratch.Keep[stage], _fullMap);
            }
            else
            {
                ConvTileKernel.Plain<TOps, TVec, TAct>(scratch.Maps[Input], InputMap, _packed, _bias, scratch.Maps[Output], OutputMap, _conv.Kernel, 1, lane);
            }
        }
    }

    public override void Backward(TileScratch scratch, int stage, int first, int count, int groups, Span<float> partial, bool inputGradient)
    {
        Span<float> weightGrad = partial[.._weightLength];
        Span<float> biasGrad = partial[_weightLength..];
        Debug.Assert(!(InPlace && inputGradient));
        float[] dz = InPlace ? scratch.Keep[stage] : scratch.PreActivationGradients[stage];
        for (int group = 0; group < groups; group++)
        {
            int lane = group * TOps.Count;
            if (_pooled)
            {
                ActivationGradTileKernel.Pooled<TOps, TVec, TAct, TPool>(
                    scratch.Gradients[Output], OutputMap, scratch.Keep[stage], _fullMap, scratch.Maps[Output], OutputMap, dz, _fullMap, biasGrad, lane);
            }
            else
            {
                ActivationGradTileKernel.Plain<TOps, TVec, TAct>(
                    scratch.Gradients[Output], OutputMap, scratch.Maps[Output], OutputMap, dz, _fullMap, biasGrad, lane);
            }

            ConvGradTileKernel.WeightGradient<TOps, TVec>(scratch.Maps[Input], InputMap, dz, _fullMap, weightGrad, _conv.Kernel, lane);
            if (inputGradient)
            {
                ConvGradTileKernel.InputGradient<TOps, TVec>(dz, _fullMap, _packedInputGradient, scratch.Gradients[Input], InputMap, _conv.Kernel, lane);
            }
        }
    }

    public override void Finish(int chunk, ReadOnlySpan<float> partials, int tiles, int partialStride, int partialOffset, int rows)
    {
        Span<float> weightGrad = _conv.Weight.Gradient.AsSpan();
        Span<float> biasGrad = _conv.Bias is null ? [] : _conv.Bias.Gradient.AsSpan();
        for (int t = 0; t < tiles; t++)
        {
            ReadOnlySpan<float> partial = partials.Slice((t * partialStride) + partialOffset, PartialLength);
            System.Numerics.Tensors.TensorPrimitives.Add(weightGrad, partial[.._weightLength], weightGrad);
            System.Numerics.Tensors.TensorPrimitives.Add(biasGrad, partial[_weightLength..], biasGrad);
        }
    }
}
