using LeNet.Inference;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>
/// One step of a <see cref="PredictorPlan"/>: reads feature map <see cref="Input"/> of a worker's
/// <see cref="Workspace"/> and writes map <see cref="Output"/>, either for a tile of 16 images
/// (batch-inner layout) or for one image (channel planes).
/// </summary>
internal abstract class Stage(TileMap input, TileMap output, int inputIndex, int outputIndex)
{
    public TileMap InputMap { get; } = input;

    public TileMap OutputMap { get; } = output;

    public int Input { get; } = inputIndex;

    public int Output { get; } = outputIndex;

    /// <summary>Floats this stage reads of its input's single-image buffer, past the map itself (a convolution's slack); 0 for just the map.</summary>
    public virtual int SourceLength => 0;

    /// <summary>Floats of the workspace's GEMM output this stage needs.</summary>
    public virtual int GemmLength => 0;

    /// <summary>Floats of the workspace's im2col columns this stage needs.</summary>
    public virtual int ColumnsLength => 0;

    /// <summary>Floats of the workspace's row scratch this stage needs.</summary>
    public virtual int RowLength => 0;

    /// <summary>Runs the stage on the first <paramref name="laneGroups"/> vectors of images of the tile.</summary>
    public abstract void RunTile(Workspace workspace, SimdWidth width, int laneGroups);

    /// <summary>Runs the stage on the workspace's single image.</summary>
    public abstract void RunImage(Workspace workspace, SimdWidth width);

    /// <summary>Offset of element (c, y, x) of a map in the single-image layout [C, Hp, Wp].</summary>
    protected static int ImageOffset(TileMap map, int c, int y, int x) => (((c * map.PaddedHeight) + y + map.Pad) * map.PaddedWidth) + x + map.Pad;
}
