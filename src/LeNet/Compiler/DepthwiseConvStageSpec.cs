using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>
/// A depthwise <see cref="Conv2d"/> (groups = input channels; square kernel, stride, padding and dilation) with a
/// folded evaluation-mode BatchNorm2d and an activation, each optional; inference only.
/// </summary>
internal sealed class DepthwiseConvStageSpec(Conv2d conv, BatchNorm? norm, ActivationKind activation) : StageSpec
{
    public override Stage Build(TileMap[] maps) => new DepthwiseConvStage(conv, norm, activation, maps[Input], maps[Output], Input, Output);
}
