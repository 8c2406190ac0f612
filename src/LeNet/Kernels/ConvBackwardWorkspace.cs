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

    public float[][] WeightGrad { get; private set; } = [];

    public float[][] BiasGrad { get; private set; } = [];

    /// <summary>im2col of one image [C·K·K, OH·OW] (strided convolutions), or its zero-padded copy [C, H+2p, W+2p] + K (stride 1).</summary>
    public float[][] Columns { get; private set; } = [];

    /// <summary>stride 1: one image's output gradient with rows widened to W+2p, the extra columns zero.</summary>
    public float[][] WideGrad { get; private set; } = [];

    /// <summary>dcol = Wᵀ·dY [C·K·K, OH·OW], or for stride 1 in the widened layout [C·K·K, OH·(W+2p)].</summary>
    public float[][] ColumnGrad { get; private set; } = [];

    /// <summary>stride 1: one image's input gradient with its zero padding [C, H+2p, W+2p] + K, where each tap's row of dcol adds at its shift.</summary>
    public float[][] PaddedGrad { get; private set; } = [];

    /// <summary>Where each weight tap's run starts in <see cref="Columns"/>.</summary>
    public int[] TapStarts { get; private set; } = [];

    /// <summary>Makes the buffers for <paramref name="g"/> (any batch) and <paramref name="chunks"/> chunks, unless they exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Ensure(int chunks, in ConvGeometry g)
    {
        ConvGeometry shape = g with { Batch = 0 };
        if (chunks <= _chunks && shape == _geometry)
        {
            return;
        }

        int k = g.Kernel, taps = g.InChannels * k * k;
        bool wide = g.Stride == 1;
        int paddedWidth = g.Width + (2 * g.Padding), paddedPlane = (g.Height + (2 * g.Padding)) * paddedWidth;
        WeightGrad = Allocate(chunks, g.OutChannels * taps);
        BiasGrad = Allocate(chunks, g.OutChannels);
        Columns = Allocate(chunks, wide ? (g.InChannels * paddedPlane) + k : taps * g.OutPlane);
        WideGrad = Allocate(chunks, wide ? g.OutChannels * g.OutHeight * paddedWidth : 0);
        ColumnGrad = Allocate(chunks, wide ? taps * g.OutHeight * paddedWidth : taps * g.OutPlane);
        PaddedGrad = Allocate(chunks, wide ? (g.InChannels * paddedPlane) + k : 0);
        TapStarts = new int[taps];
        for (int c = 0, q = 0; c < g.InChannels; c++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++, q++)
                {
                    TapStarts[q] = wide ? (c * paddedPlane) + (i * paddedWidth) + j : q * g.OutPlane;
                }
            }
        }

        (_geometry, _chunks) = (shape, chunks);
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
