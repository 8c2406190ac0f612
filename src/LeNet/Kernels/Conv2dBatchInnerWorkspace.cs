using System.Collections.Concurrent;
using LeNet.Kernels.Tiles;

namespace LeNet.Kernels;

/// <summary>
/// The buffers of <see cref="Conv2dBatchInnerKernel"/>'s backward pass, owned by one layer and reused from step
/// to step, so training allocates nothing in steady state: packed weights, the tiles' gradient partials,
/// and one set of tile buffers per thread at work. Made anew when the geometry changes.
/// </summary>
internal sealed class Conv2dBatchInnerWorkspace
{
    private ConcurrentBag<Buffers> _free = [];
    private ConvGeometry _geometry;
    private float[] _partials = [];

    /// <summary>The input's tile layout, with the convolution's zero padding.</summary>
    public TileMap InputMap { get; private set; }

    /// <summary>The output gradient's tile layout, unpadded.</summary>
    public TileMap OutputMap { get; private set; }

    /// <summary>Weights packed for <see cref="ConvGradTileKernel.InputGradient{TOps, TVec}"/>.</summary>
    public float[] PackedInputGradient { get; private set; } = [];

    /// <summary>Makes the buffers for <paramref name="g"/> (any batch), unless they exist.</summary>
    public void Ensure(in ConvGeometry g)
    {
        ConvGeometry shape = g with { Batch = 0 };
        if (shape == _geometry && PackedInputGradient.Length > 0)
        {
            return;
        }

        InputMap = new TileMap(g.InChannels, g.Height, g.Width, g.Padding);
        OutputMap = new TileMap(g.OutChannels, g.OutHeight, g.OutWidth, 0);
        PackedInputGradient = new float[g.OutChannels * g.InChannels * g.Kernel * g.Kernel];
        _free = [];
        _geometry = shape;
    }

    /// <summary>The per-tile gradient partials, at least <paramref name="length"/> floats (contents undefined).</summary>
    public float[] Partials(int length)
    {
        if (_partials.Length < length)
        {
            _partials = new float[length];
        }

        return _partials;
    }

    /// <summary>A thread's tile buffers; allocated zeroed, and the input's padding border is never written, so it stays zero.</summary>
    public Buffers Rent() => _free.TryTake(out Buffers? buffers) ? buffers : new Buffers(InputMap, OutputMap);

    public void Return(Buffers buffers) => _free.Add(buffers);

    /// <summary>One tile's input (padded), output gradient, and input gradient (padded, written whole).</summary>
    internal sealed class Buffers(TileMap inputMap, TileMap outputMap)
    {
        public float[] Input { get; } = new float[inputMap.Length];

        public float[] OutputGradient { get; } = new float[outputMap.Length];

        public float[] InputGradient { get; } = new float[inputMap.Length];
    }
}
