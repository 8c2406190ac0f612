using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>A max pool with padding (square window and stride, dilation 1, floor rounding), resnet's stem pool; inference only.</summary>
internal sealed class PaddedMaxPoolStageSpec(int kernel, int stride, int pad) : StageSpec
{
    public override Stage Build(TileMap[] maps) => new PaddedMaxPoolStage(kernel, stride, pad, maps[Input], maps[Output], Input, Output);
}
