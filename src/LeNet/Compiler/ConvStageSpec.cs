using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;
using LeNet.Training.Tiled;

namespace LeNet.Compiler;

/// <summary>
/// A plain <see cref="Conv2d"/> (square kernel, stride and padding, no groups or dilation) with what it
/// fuses: a folded evaluation-mode BatchNorm2d, an activation and a 2×2 stride-2 pool, each optional.
/// </summary>
internal sealed class ConvStageSpec(Conv2d conv, BatchNorm? norm, ActivationKind activation, Pool2d? pool, ConvGeometry geometry) : StageSpec
{
    public override Stage Build(TileMap[] maps) =>
        new ConvStage(conv, norm, activation, pool, maps[Input], maps[Output], Input, Output, new ConvImagePlan(geometry));

    /// <summary>Training covers stride 1 with padding below the kernel size (the tile kernels' backward); a BatchNorm is never folded in training.</summary>
    public override TrainingStage? BuildTraining<TOps, TVec>(TileMap[] maps) =>
        conv.Step != 1 || conv.Pad >= conv.Kernel || norm is not null || activation is not (ActivationKind.None or ActivationKind.Sigmoid or ActivationKind.Relu) ? null
        : activation switch
        {
            ActivationKind.Sigmoid => Training<TOps, TVec, SigmoidActivation>(maps),
            ActivationKind.Relu => Training<TOps, TVec, ReluActivation>(maps),
            _ => Training<TOps, TVec, NoActivation>(maps),
        };

    private TrainingStage Training<TOps, TVec, TAct>(TileMap[] maps)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation => pool is MaxPool2d
            ? new ConvTrainingStage<TOps, TVec, TAct, MaxPool>(conv, pooled: true, maps[Input], maps[Output], Input)
            : new ConvTrainingStage<TOps, TVec, TAct, AveragePool>(conv, pooled: pool is not null, maps[Input], maps[Output], Input);
}
