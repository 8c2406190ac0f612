using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>Adaptive average pooling to 1×1 (global average pooling); inference only.</summary>
internal sealed class GlobalAvgPoolStageSpec : StageSpec
{
    public override Stage Build(TileMap[] maps) => new GlobalAvgPoolStage(maps[Input], maps[Output], Input, Output);
}
