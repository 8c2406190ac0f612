using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Kernels;

/// <summary>
/// Conv2d's forward and backward over NCHW arrays through the tile kernels the fused training step runs
/// (<see cref="ConvTileKernel"/>, <see cref="ConvGradTileKernel"/>): the batch is cut into tiles of
/// <see cref="TileMap.Lanes"/> images, each transposed into the batch-inner layout, where every product
/// is a vector of images times a broadcast weight whatever the channel count, and transposed back.
/// For stride-1 convolutions with padding below the kernel size, at batches of a tile or more, where it
/// beats the per-image kernels (<see cref="Conv2dKernel"/>, <see cref="Conv2dBackwardKernel"/>):
/// <see cref="Supports"/> (backward), <see cref="SupportsForward"/>. LeNet's convolutions in a
/// layer-by-layer training step, e.g. with BatchNorm between them.
/// input [N,C,H,W], weight [O,C,K,K], bias [O] or empty; output [N,O,OH,OW].
/// </summary>
/// <remarks>
/// Tiles run in parallel; each adds its parameter gradients into its own partial sums, which are then
/// added in tile order, so results are bit-identical whatever the thread count. Forward keeps nothing
/// between calls (evaluation mode is thread-safe); backward's buffers live in the layer's
/// <see cref="Conv2dBatchInnerWorkspace"/> (training is one caller at a time).
/// </remarks>
internal static class Conv2dBatchInnerKernel
{
    /// <summary>Whether this kernel takes the convolution's backward pass: stride 1, padding below the kernel size, at least one full tile of images.</summary>
    /// <remarks>Measured at batch 256 (2-core AMD EPYC): LeNet's conv2 backward 0.80 ms against the per-image kernel's 4.05 (2 threads), conv1's 0.65 against 1.67.</remarks>
    public static bool Supports(in ConvGeometry g) => g.Stride == 1 && g.Padding < g.Kernel && g.Batch >= TileMap.Lanes;

    /// <summary>
    /// Whether the forward pass should run here rather than in <see cref="Conv2dKernel"/>: where <see cref="Supports"/>
    /// holds, with AVX-512, where it measured faster.
    /// </summary>
    /// <remarks>
    /// Measured inside d2l's BatchNorm LeNet's training step (batch 256, 2 threads): with AVX-512 conv1
    /// 0.46–0.48 ms against 0.68 per image, conv2 0.41–0.50 against 0.78; with AVX2 conv1 0.75–0.85 against
    /// 0.71 and conv2 0.80–0.86 against 0.77–0.80 (8 accumulators of 8 floats leave the tile kernel load-bound).
    /// </remarks>
    public static bool SupportsForward(in ConvGeometry g) => Prefers(g) && SimdSupport.Best == SimdWidth.Vector512;

    /// <summary>
    /// Whether the layer should take this kernel (where <see cref="Supports"/> holds): only below
    /// <see cref="MaxInChannels"/> input channels; wider convolutions go to the GEMM kernels (<see cref="Conv2dKernel"/>,
    /// <see cref="Conv2dBackwardKernel"/>).
    /// </summary>
    /// <remarks>
    /// Measured (2-core AMD EPYC, AVX-512, load average ~20, best of six, ms, this kernel against the GEMM kernels):
    /// backward at batch 128 of the CIFAR ResNet-20's 3×3 convolutions 16→16 at 32×32 143 against 28, 32→32 at 16×16 258
    /// against 27, 64→64 at 8×8 204 against 53; pytorch/examples' Net conv2 (32→64 at 26×26, batch 64) 670 against 173;
    /// the forward 1.0–1.9× slower too. With few input channels it wins: LeNet's conv1 (1→6, 5×5) 1.8 against 3.1, conv2
    /// (6→16) 1.6 against 13.0, Net's conv1 (1→32) 2.5 against 5.1 (batch 256 / 64).
    /// </remarks>
    public static bool Prefers(in ConvGeometry g) => Supports(g) && g.InChannels < MaxInChannels;

    /// <summary>The number of input channels from which <see cref="Prefers"/> sends a convolution to the GEMM kernels.</summary>
    public const int MaxInChannels = 16;

    /// <summary>
    /// output = conv(input) + bias. Everything it writes besides the output is its own (rented per call
    /// and per tile), so concurrent calls on the same weights are safe, as evaluation-mode Forward promises.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, in ConvGeometry g) =>
        Forward(input, weight, bias, output, g, SimdSupport.Best);

    /// <summary>As <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvGeometry)"/>, at a given vector width (tests run every width).</summary>
    public static unsafe void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, in ConvGeometry g, SimdWidth width)
    {
        g.AssertSpans(input.Length, weight.Length, output.Length);
        Debug.Assert(g.Stride == 1 && g.Padding < g.Kernel);
        int packedLength = ConvTileKernel.PackedLength(g.OutChannels, g.InChannels, g.Kernel);
        float[] packed = ArrayPool<float>.Shared.Rent(packedLength);
        float[] biasCopy = ArrayPool<float>.Shared.Rent(g.OutChannels);
        try
        {
            // An odd last channel's partner slots must be zeros.
            packed.AsSpan(0, packedLength).Clear();
            ConvTileKernel.PackWeights(weight, g.OutChannels, g.InChannels, g.Kernel, packed.AsSpan(0, packedLength));
            Span<float> b = biasCopy.AsSpan(0, g.OutChannels);
            if (bias.IsEmpty)
            {
                b.Clear();
            }
            else
            {
                bias.CopyTo(b);
            }

            fixed (float* pInput = input, pOutput = output)
            {
                var job = new ForwardJob(g, width, packed, biasCopy, pInput, pOutput);
                Parallelism.For(TileMap.TileCount(g.Batch), job.Tile);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(biasCopy);
            ArrayPool<float>.Shared.Return(packed);
        }
    }

    /// <summary>
    /// The gradients: inGrad [N,C,H,W] (overwritten; skipped when null), weightGrad [O,C,K,K] and biasGrad [O]
    /// (added to; bias skipped when null) from the layer's input and outGrad [N,O,OH,OW].
    /// </summary>
    public static void Backward(
        float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad, in ConvGeometry g, Conv2dBatchInnerWorkspace workspace) =>
        Backward(input, weight, outGrad, inGrad, weightGrad, biasGrad, g, workspace, SimdSupport.Best);

    /// <summary>As <see cref="Backward(float[], float[], float[], float[], float[], float[], in ConvGeometry, Conv2dBatchInnerWorkspace)"/>, at a given vector width.</summary>
    public static void Backward(
        float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad, in ConvGeometry g, Conv2dBatchInnerWorkspace workspace, SimdWidth width)
    {
        g.AssertSpans(input.Length, weight.Length, outGrad.Length);
        Debug.Assert(g.Stride == 1 && g.Padding < g.Kernel && (inGrad is null || inGrad.Length == input.Length));
        workspace.Ensure(g);
        int tiles = TileMap.TileCount(g.Batch);
        int weightLength = weight.Length, partialLength = weightLength + g.OutChannels;
        float[] partials = workspace.Partials(tiles * partialLength);
        if (inGrad is not null)
        {
            ConvGradTileKernel.PackInputGradientWeights(weight, g.OutChannels, g.InChannels, g.Kernel, workspace.PackedInputGradient);
        }

        var job = new BackwardJob(g, workspace, width, input, outGrad, inGrad, partials, partialLength);
        Parallelism.For(tiles, job.Tile);

        // Fixed order: tile 0, 1, 2, … whatever thread computed them.
        for (int t = 0; t < tiles; t++)
        {
            ReadOnlySpan<float> partial = partials.AsSpan(t * partialLength, partialLength);
            TensorPrimitives.Add(weightGrad, partial[..weightLength], weightGrad);
            if (biasGrad is not null)
            {
                TensorPrimitives.Add(biasGrad, partial[weightLength..], biasGrad);
            }
        }
    }

    /// <summary>The pinned operands of one forward call and the per-tile work.</summary>
    private sealed unsafe class ForwardJob(ConvGeometry g, SimdWidth width, float[] packed, float[] bias, float* input, float* output)
    {
        private readonly TileMap _inputMap = new(g.InChannels, g.Height, g.Width, g.Padding);
        private readonly TileMap _outputMap = new(g.OutChannels, g.OutHeight, g.OutWidth, 0);

        public void Tile(int tile)
        {
            (int first, int count) = TileMap.TileImages(tile, g.Batch);
            int inLength = g.InChannels * g.InPlane, outLength = g.OutChannels * g.OutPlane;
            float[] inputTile = ArrayPool<float>.Shared.Rent(_inputMap.Length);
            float[] outputTile = ArrayPool<float>.Shared.Rent(_outputMap.Length);
            try
            {
                // A rented tile's padding border holds whatever was there: the convolution reads it as zeros.
                if (g.Padding > 0)
                {
                    inputTile.AsSpan(0, _inputMap.Length).Clear();
                }

                TileTranspose.In(new ReadOnlySpan<float>(input + ((long)first * inLength), count * inLength), count, inputTile, _inputMap);
                switch (width)
                {
                    case SimdWidth.Vector512:
                        Convolve<Vector512Ops, Vector512<float>>(inputTile, outputTile, count);
                        break;
                    case SimdWidth.Vector256:
                        Convolve<Vector256Ops, Vector256<float>>(inputTile, outputTile, count);
                        break;
                    case SimdWidth.Vector128:
                        Convolve<Vector128Ops, Vector128<float>>(inputTile, outputTile, count);
                        break;
                    default:
                        Convolve<ScalarOps, float>(inputTile, outputTile, count);
                        break;
                }

                TileTranspose.OutImages(outputTile, _outputMap, new Span<float>(output + ((long)first * outLength), count * outLength), count);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(outputTile);
                ArrayPool<float>.Shared.Return(inputTile);
            }
        }

        private void Convolve<TOps, TVec>(float[] inputTile, float[] outputTile, int count)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            for (int lane = 0; lane < count; lane += TOps.Count)
            {
                ConvTileKernel.Plain<TOps, TVec, NoActivation>(inputTile, _inputMap, packed, bias, outputTile, _outputMap, g.Kernel, 1, lane);
            }
        }
    }

    /// <summary>The operands of one backward call and the per-tile work.</summary>
    private sealed class BackwardJob(
        ConvGeometry g, Conv2dBatchInnerWorkspace workspace, SimdWidth width, float[] input, float[] outGrad, float[]? inGrad, float[] partials, int partialLength)
    {
        public void Tile(int tile)
        {
            (int first, int count) = TileMap.TileImages(tile, g.Batch);
            int inLength = g.InChannels * g.InPlane, outLength = g.OutChannels * g.OutPlane;
            Span<float> partial = partials.AsSpan(tile * partialLength, partialLength);
            partial.Clear();
            ReadOnlySpan<float> dy = outGrad.AsSpan(first * outLength, count * outLength);
            Conv2dBatchInnerWorkspace.Buffers buffers = workspace.Rent();
            try
            {
                TileTranspose.In(input.AsSpan(first * inLength, count * inLength), count, buffers.Input, workspace.InputMap);
                TileTranspose.In(dy, count, buffers.OutputGradient, workspace.OutputMap);
                switch (width)
                {
                    case SimdWidth.Vector512:
                        Gradients<Vector512Ops, Vector512<float>>(buffers, count, partial);
                        break;
                    case SimdWidth.Vector256:
                        Gradients<Vector256Ops, Vector256<float>>(buffers, count, partial);
                        break;
                    case SimdWidth.Vector128:
                        Gradients<Vector128Ops, Vector128<float>>(buffers, count, partial);
                        break;
                    default:
                        Gradients<ScalarOps, float>(buffers, count, partial);
                        break;
                }

                if (inGrad is not null)
                {
                    TileTranspose.OutImages(buffers.InputGradient, workspace.InputMap, inGrad.AsSpan(first * inLength, count * inLength), count);
                }
            }
            finally
            {
                workspace.Return(buffers);
            }
        }

        private void Gradients<TOps, TVec>(Conv2dBatchInnerWorkspace.Buffers buffers, int count, Span<float> partial)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            Span<float> weightGrad = partial[..(partial.Length - g.OutChannels)];
            BiasGradient<TOps, TVec>(buffers.OutputGradient, partial[^g.OutChannels..]);
            for (int lane = 0; lane < count; lane += TOps.Count)
            {
                ConvGradTileKernel.WeightGradient<TOps, TVec>(buffers.Input, workspace.InputMap, buffers.OutputGradient, workspace.OutputMap, weightGrad, g.Kernel, lane);
                if (inGrad is not null)
                {
                    ConvGradTileKernel.InputGradient<TOps, TVec>(
                        buffers.OutputGradient, workspace.OutputMap, workspace.PackedInputGradient, buffers.InputGradient, workspace.InputMap, g.Kernel, lane);
                }
            }
        }

        /// <summary>biasGrad[o] += Σ dy[o] over the tile's positions and lanes (the absent images' lanes are zeros), while the tile is in cache.</summary>
        private void BiasGradient<TOps, TVec>(ReadOnlySpan<float> dyTile, Span<float> biasGrad)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            int plane = g.OutPlane * TileMap.Lanes;
            ref float dy = ref MemoryMarshal.GetReference(dyTile);
            for (int o = 0; o < g.OutChannels; o++)
            {
                TVec sum = TOps.Zero;
                for (int i = o * plane, end = i + plane; i < end; i += TOps.Count)
                {
                    sum = TOps.Add(sum, TOps.Load(ref dy, i));
                }

                biasGrad[o] += TOps.Sum(sum);
            }
        }
    }
}
