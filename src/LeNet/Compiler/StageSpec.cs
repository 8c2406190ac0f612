using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Training.Tiled;

namespace LeNet.Compiler;

/// <summary>
/// One fused stage as the <see cref="StageCompiler"/> found it (the layers it covers and the maps it
/// reads and writes), before it is built: <see cref="Build"/> makes its inference stage and
/// <see cref="BuildTraining"/> its stage in the fused training step, closing the kernels' generics once.
/// </summary>
internal abstract class StageSpec
{
    /// <summary>Index of the map the stage reads.</summary>
    public int Input { get; set; }

    /// <summary>Index of the map the stage writes (<see cref="Input"/> for a stage working in place).</summary>
    public int Output { get; set; }

    /// <summary>The inference stage, snapshotting the layers' current weights.</summary>
    public abstract Stage Build(TileMap[] maps);

    /// <summary>The training stage at the width of <typeparamref name="TOps"/>, or null when this stage has none (the model then trains through its layers).</summary>
    public virtual TrainingStage? BuildTraining<TOps, TVec>(TileMap[] maps)
        where TOps : ISimdOps<TVec>
        where TVec : struct => null;
}
