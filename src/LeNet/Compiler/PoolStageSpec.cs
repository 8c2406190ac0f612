using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>A plain pooling layer (no padding, dilation or ceil mode) that no convolution fused; inference only.</summary>
internal sealed class PoolStageSpec(Pool2d pool) : StageSpec
{
    public override Stage Build(TileMap[] maps) => new PoolStage(pool, maps[Input], maps[Output], Input, Output);
}
