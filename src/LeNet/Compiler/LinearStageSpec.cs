using LeNet.Kernels.Activations;
using LeNet.Kernels.Tiles;
using LeNet.Layers;
using LeNet.Training.Tiled;

namespace LeNet.Compiler;

/// <summary>A <see cref="Linear"/> layer on the flattened map with what it fuses: a folded evaluation-mode BatchNorm1d and an activation, each optional.</summary>
internal sealed class LinearStageSpec(Linear linear, BatchNorm? norm, ActivationKind activation) : StageSpec
{
    public override Stage Build(TileMap[] maps) =>
        new LinearStage(linear, norm, activation, maps[Input], maps[Output], Input, Output);

    public override TrainingStage? BuildTraining<TOps, TVec>(TileMap[] maps) =>
        norm is not null ? null
        : activation switch
        {
            ActivationKind.Sigmoid => new DenseTrainingStage<TOps, TVec, SigmoidActivation>(linear, maps[Input], maps[Output], Input),
            ActivationKind.Relu => new DenseTrainingStage<TOps, TVec, ReluActivation>(linear, maps[Input], maps[Output], Input),
            _ => new DenseTrainingStage<TOps, TVec, NoActivation>(linear, maps[Input], maps[Output], Input),
        };
}
