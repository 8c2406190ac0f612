using System.Runtime.Intrinsics.X86;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Training.Tiled;

/// <summary>
/// A dense layer and its optional activation, trained on tiles. Forward and the input gradient
/// (<c>dX = dZ·W</c>, a dense layer with the transposed weights) run per tile; the tile's inputs
/// (image-major) and pre-activation gradients (transposed: one row per output, one column per image)
/// are also copied into batch arrays, and the weight gradient <c>dW = dZᵀ·X</c> runs once over the whole
/// batch (<see cref="Finish"/>, blocks of 4 output rows across threads): a product over 256 images instead
/// of 16 partial products of 16.
/// </summary>
internal sealed class DenseTrainingStage<TOps, TVec, TAct> : TrainingStage
    where TOps : ISimdOps<TVec>
    where TVec : struct
    where TAct : IActivation
{
    private readonly Linear _linear;
    private readonly float[] _packed;
    private readonly float[] _packedBias;
    private readonly float[] _packedTransposed;
    private readonly float[] _noBias;
    private readonly TileMap _in;
    private readonly TileMap _out;
    private readonly int _paddedOut;
    private readonly int _paddedIn;
    private readonly float[] _product;
    private float[] _inputs = [];
    private float[] _gradientRows = [];
    private int _columns;

    public DenseTrainingStage(Linear linear, TileMap inputMap, TileMap outputMap, int input)
        : base(inputMap, outputMap, input)
    {
        _linear = linear;
        int blocks = (linear.OutFeatures + LinearTileKernel.Block - 1) / LinearTileKernel.Block;
        int inBlocks = (linear.InFeatures + LinearTileKernel.Block - 1) / LinearTileKernel.Block;
        _packed = new float[blocks * LinearTileKernel.Block * linear.InFeatures];
        _packedBias = new float[blocks * LinearTileKernel.Block];
        _packedTransposed = new float[inBlocks * LinearTileKernel.Block * linear.OutFeatures];
        _noBias = new float[inBlocks * LinearTileKernel.Block];
        _in = new TileMap(linear.InFeatures, 1, 1, 0);
        _out = new TileMap(linear.OutFeatures, 1, 1, 0);

        // The batch product's rows come in blocks of 4 and its columns in pairs of vectors: pad both with zeros.
        _paddedOut = (linear.OutFeatures + RowBlockGemm.Rows - 1) / RowBlockGemm.Rows * RowBlockGemm.Rows;
        int pair = 2 * TOps.Count;
        _paddedIn = (linear.InFeatures + pair - 1) / pair * pair;
        _product = new float[_paddedOut * _paddedIn];
    }

    public override int FinishChunks => _paddedOut / RowBlockGemm.Rows;

    public override void Reserve(int rows)
    {
        int columns = (rows + TileMap.Lanes - 1) / TileMap.Lanes * TileMap.Lanes;
        if (_columns < columns)
        {
            _columns = columns;
            _inputs = new float[columns * _paddedIn];
            _gradientRows = new float[_paddedOut * columns];
        }
    }

    public override void Pack()
    {
        int inFeatures = _linear.InFeatures, outFeatures = _linear.OutFeatures;
        ReadOnlySpan<float> weight = _linear.Weight.Value.AsReadOnlySpan();
        LinearTileKernel.PackWeights(weight, outFeatures, inFeatures, _packed);
        _linear.Bias?.Value.AsReadOnlySpan().CopyTo(_packedBias);

        // The input gradient is a dense layer In ← Out with weight Wᵀ, packed [⌈In/8⌉, Out, 8] straight from W.
        const int B = LinearTileKernel.Block;
        for (int o = 0; o < outFeatures; o++)
        {
            ReadOnlySpan<float> row = weight.Slice(o * inFeatures, inFeatures);
            for (int i = 0; i < inFeatures; i++)
            {
                _packedTransposed[((((i / B) * outFeatures) + o) * B) + (i % B)] = row[i];
            }
        }
    }

    public override void Forward(TileScratch scratch, int stage, int first, int count, int groups)
    {
        // The input, image-major (rows padded to the product's width), for the batch's weight gradient.
        float[] input = scratch.Maps[Input];
        TileTranspose.Out(input, _in, _inputs.AsSpan(first * _paddedIn), count, _paddedIn);
        Dense<TAct>(input, _linear.InFeatures, _packed, _packedBias, scratch.Maps[Output], _linear.OutFeatures, groups);
    }

    public override void Backward(TileScratch scratch, int stage, int first, int count, int groups, Span<float> partial, bool inputGradient)
    {
        float[] gradient = scratch.Gradients[Output];
        for (int group = 0; group < groups; group++)
        {
            ActivationGradTileKernel.Plain<TOps, TVec, TAct>(gradient, _out, scratch.Maps[Output], _out, gradient, _out, [], group * TOps.Count);
        }

        // The tile layout [Out, 16] is already dZ transposed: each output's 16 images are one row piece.
        for (int o = 0; o < _linear.OutFeatures; o++)
        {
            gradient.AsSpan(o * TileMap.Lanes, count).CopyTo(_gradientRows.AsSpan((o * _columns) + first));
        }

        if (inputGradient)
        {
            Dense<NoActivation>(gradient, _linear.OutFeatures, _packedTransposed, _noBias, scratch.Gradients[Input], _linear.InFeatures, groups);
        }
    }

    public override void Finish(int chunk, ReadOnlySpan<float> partials, int tiles, int partialStride, int partialOffset, int rows)
    {
        // dW[o, i] += Σ_n dZ[n, o] · X[n, i] and db[o] += Σ_n dZ[n, o] for rows o of this block, images in order.
        int first = chunk * RowBlockGemm.Rows;
        RowBlockGemm.Multiply<TOps, TVec>(
            _gradientRows.AsSpan(first * _columns), _columns, _inputs, _paddedIn, _product.AsSpan(first * _paddedIn), _paddedIn, rows, _paddedIn);
        int inFeatures = _linear.InFeatures;
        Span<float> weightGrad = _linear.Weight.Gradient.AsSpan();
        Span<float> biasGrad = _linear.Bias is null ? [] : _linear.Bias.Gradient.AsSpan();
        for (int o = first; o < Math.Min(first + RowBlockGemm.Rows, _linear.OutFeatures); o++)
        {
            Span<float> target = weightGrad.Slice(o * inFeatures, inFeatures);
            System.Numerics.Tensors.TensorPrimitives.Add(target, _product.AsSpan(o * _paddedIn, inFeatures), target);
            if (!biasGrad.IsEmpty)
            {
                float sum = 0f;
                foreach (float g in _gradientRows.AsSpan(o * _columns, rows))
                {
                    sum += g;
                }

                biasGrad[o] += sum;
            }
        }
    }

    private static void Dense<TActivation>(float[] input, int inFeatures, float[] packed, float[] bias, float[] output, int outFeatures, int groups)
        where TActivation : IActivation
    {
        // As the inference stage: without AVX-512, two vectors of images per block halve the broadcasts.
        bool pairs = !Avx512F.IsSupported;
        for (int group = 0; group < groups; group++)
        {
            int lane = group * TOps.Count;
            if (pairs && group + 1 < groups)
            {
                LinearTileKernel.ForwardPair<TOps, TVec, TActivation>(input, inFeatures, packed, bias, output, outFeatures, lane);
                group++;
            }
            else
            {
                LinearTileKernel.Forward<TOps, TVec, TActivation>(input, inFeatures, packed, bias, output, outFeatures, lane);
            }
        }
    }
}
