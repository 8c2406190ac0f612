using LeNet.Compiler;
using LeNet.Kernels;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Inference;

/// <summary>
/// A <see cref="Sequential"/> compiled for inference (the <see cref="Predictor"/> and evaluation-mode
/// <see cref="Layer.Forward"/>): the stages the <see cref="StageCompiler"/> found (convolution +
/// BatchNorm folded into its weights + activation + 2×2 pool; dense layer + BatchNorm + activation;
/// Flatten free in the batch-inner layout; Dropout and Identity dropped), built with the layers' current
/// weights, the feature maps between them with the zero padding their consumers need, and the scratch
/// sizes of a <see cref="Workspace"/>.
/// </summary>
internal sealed class PredictorPlan
{
    public PredictorPlan(Sequential model, int[] imageShape)
    {
        // Let the layers report a shape that does not fit, with their own messages.
        int[] outputShape = model.GetOutputShape([1, .. imageShape]);
        OutputShape = outputShape[1..];
        StageCompiler compiled = StageCompiler.Compile(model, imageShape, training: false);
        if (compiled.Unsupported is (ILayer layer, int index))
        {
            throw new NotSupportedException(
                $"Predictor: layer {index} ({layer}) is not supported here; a predictor compiles Conv2d, AvgPool2d, MaxPool2d, Sigmoid, ReLU, Flatten and Linear " +
                "(convolutions and pools before Flatten, dense layers after it), BatchNorm right after a convolution or dense layer, Dropout and Identity. Sequential.Forward runs any model.");
        }

        Maps = compiled.Maps;
        Stages = [.. compiled.Specs.Select(spec => spec.Build(Maps))];
        ImageLengths = [.. Maps.Select(m => m.Channels * m.PaddedHeight * m.PaddedWidth)];
        foreach (Stage stage in Stages)
        {
            ImageLengths[stage.Input] = Math.Max(ImageLengths[stage.Input], stage.SourceLength);
            GemmLength = Math.Max(GemmLength, stage.GemmLength);
            ColumnsLength = Math.Max(ColumnsLength, stage.ColumnsLength);
            RowLength = Math.Max(RowLength, stage.RowLength);
        }

        // A dense layer's single-image kernel stores its outputs padded to whole vectors.
        for (int m = 1; m < Maps.Length; m++)
        {
            if (Maps[m].Height == 1 && Maps[m].Width == 1)
            {
                ImageLengths[m] = Math.Max(ImageLengths[m], DenseRowKernel.PaddedOutputs(Maps[m].Channels));
            }
        }

        // The channel-vectorized convolution scatters one vector of channels through this row.
        RowLength = Math.Max(RowLength, ConvChannelsKernel.ChannelAlign);
        InputLength = Maps[0].Features;
        OutputLength = Maps[^1].Features;
        ImageStages = CountImageStages(Stages);
        StagingLength = ImageStages > 0 && ImageStages < Stages.Length ? TileMap.Lanes * Maps[Stages[ImageStages].Input].Features : 0;
    }

    /// <summary>
    /// Tile maps up to this many floats (256 KB) stay in a core's L2 cache with their neighbours; a
    /// convolution whose tile maps are larger (pytorch/examples' MNIST Net: 32 channels of 26×26 pixels
    /// for 16 images is 1.4 MB) streams them from memory, and runs faster image by image.
    /// </summary>
    private const int TileBudget = 64 * 1024;

    /// <summary>
    /// How many leading stages of a tile run image by image: every stage up to the last convolution or
    /// pool whose tile maps exceed <see cref="TileBudget"/>. The dense stages after them always run on the
    /// tile, where 16 images share each pass over the weights (fc1 of that Net is 4.7 MB of weights).
    /// 0 for LeNet: its maps are small, the whole tile runs in the batch-inner layout.
    /// </summary>
    private static int CountImageStages(Stage[] stages)
    {
        int count = 0;
        for (int s = 0; s < stages.Length; s++)
        {
            if (stages[s] is not LinearStage && (stages[s].InputMap.Length > TileBudget || stages[s].OutputMap.Length > TileBudget))
            {
                count = s + 1;
            }
        }

        // A model made only of large convolutions has no tile stage left: it runs image by image throughout.
        return count;
    }

    public TileMap[] Maps { get; }

    /// <summary>Length of each map's single-image buffer, including the slack a convolution reads past it.</summary>
    public int[] ImageLengths { get; }

    public Stage[] Stages { get; }

    public int GemmLength { get; }

    /// <summary>Leading stages that run image by image inside a tile (see <see cref="CountImageStages"/>); the rest run on the tile.</summary>
    public int ImageStages { get; }

    /// <summary>Floats of the buffer where those stages' outputs gather before entering the tile layout.</summary>
    public int StagingLength { get; }

    public int ColumnsLength { get; }

    public int RowLength { get; }

    /// <summary>Floats per input image.</summary>
    public int InputLength { get; }

    /// <summary>Floats per output.</summary>
    public int OutputLength { get; }

    /// <summary>One output's shape (the model's output shape without the batch).</summary>
    public int[] OutputShape { get; }
}
