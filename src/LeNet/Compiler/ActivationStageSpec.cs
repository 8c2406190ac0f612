using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>An activation that no convolution or dense layer fused, applied in place; inference only.</summary>
internal sealed class ActivationStageSpec(ActivationKind activation) : StageSpec
{
    public override Stage Build(TileMap[] maps) => new ActivationStage(activation, maps[Input], Input);
}
