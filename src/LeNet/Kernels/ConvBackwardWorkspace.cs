using System.Runtime.CompilerServices;
namespace LeNet.Kernels;

/// <summary>
/// The per-chunk buffers of <see cref="Conv2dBackwardKernel"/>, owned by one layer and reused from step to
/// step, so training allocates nothing in steady state. Made anew when the geometry changes.
/// </summary>
internal sealed class ConvBackwardWorkspace
{
    private ConvGeometry _geometry;
    private int _chunks;
    private int _lanes;
    private bool _columnGradient;

    /// <summary>Each chunk's weight gradient, transposed: [C·K·K, lanes].</summary>
    public float[][] WeightGrad { get; private set; } = [];

    public float[][] BiasGrad { get; private set; } = [];

    /// <summary>One image zero-padded, [C, H+2p, W+2p]; only the interior is ever written, so the border stays 0.</summary>
    public float[][] Padded { get; private set; } = [];

    /// <summary>One image's output gradient transposed, [OH·OW, lanes], the channels past O zero.</summary>
    public float[][] TransposedGrad { get; private set; } = [];

    /// <summary>dcol = Wᵀ·dY [C·K·K, OH·OW], for the input gradient of strides other than 1 (empty otherwise).</summary>
    public float[][] ColumnGrad { get; private set; } = [];

    /// <summary>The filters transposed and flipped, [C, O, K, K], for the stride-1 input gradient.</summary>
    public float[] FlippedWeight { get; private set; } = [];

    /// <summary>Where each weight tap's window (c, i, j) starts in <see cref="Padded"/>.</summary>
    public int[] TapStarts { get; private set; } = [];

    /// <summary>Makes the buffers for <paramref name="g"/> (any batch), <paramref name="chunks"/> chunks and output channels padded to <paramref name="lanes"/>, unless they exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Ensure(int chunks, in ConvGeometry g, int lanes, bool columnGradient)
    {
        ConvGeometry shape = g with { Batch = 0 };
        if (chunks <= _chunks && shape == _geometry && lanes == _lanes && (_columnGradient || !columnGradient))
        {
            return;
        }

        int k = g.Kernel, taps = g.InChannels * k * k;
        int paddedWidth = g.Width + (2 * g.Padding), paddedPlane = (g.Height + (2 * g.Padding)) * paddedWidth;
        WeightGrad = Allocate(chunks, taps * lanes);
        BiasGrad = Allocate(chunks, g.OutChannels);
        Padded = Allocate(chunks, g.InChannels * paddedPlane);
        TransposedGrad = Allocate(chunks, g.OutPlane * lanes);
        ColumnGrad = Allocate(columnGradient ? chunks : 0, taps * g.OutPlane);
        FlippedWeight = new float[g.OutChannels * taps];
        TapStarts = new int[taps];
        for (int c = 0, q = 0; c < g.InChannels; c++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++, q++)
                {
                    TapStarts[q] = (c * paddedPlane) + (i * paddedWidth) + j;
                }
            }
        }

        (_geometry, _chunks, _lanes, _columnGradient) = (shape, chunks, lanes, columnGradient);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[][] Allocate(int chunks, int length)
    {
        var buffers = new float[chunks][];
        for (int i = 0; i < chunks; i++)
        {
            buffers[i] = new float[length];
        }

        return buffers;
    }
}
