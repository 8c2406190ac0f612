using LeNet.Kernels;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Inference;

/// <summary>
/// A <see cref="Sequential"/> compiled for <see cref="Predictor"/>: its layers grouped into stages
/// (convolution + activation + 2×2 pool fused; dense layer + activation fused; an evaluation-mode
/// BatchNorm right after a convolution or dense layer folded into its weights; Flatten is free in the
/// batch-inner layout; Dropout, Dropout2d and Identity, identities at inference, are dropped), the feature maps between them with the zero padding their consumers need, and
/// the scratch sizes of a <see cref="Workspace"/>.
/// </summary>
internal sealed class PredictorPlan
{
    public PredictorPlan(Sequential model, int[] imageShape)
    {
        // Let the layers report a shape that does not fit, with their own messages.
        int[] outputShape = model.GetOutputShape([1, .. imageShape]);
        OutputShape = outputShape[1..];
        var shapes = new List<(int C, int H, int W, int Pad)>
        {
            imageShape.Length == 3 ? (imageShape[0], imageShape[1], imageShape[2], 0) : (imageShape[0], 1, 1, 0),
        };
        var specs = new List<Func<TileMap[], Stage>>();
        var convPlans = new List<(int Map, ConvImagePlan Plan)>();
        List<(ILayer Layer, int Index)> layers = [.. Leaves(model).Where(leaf => leaf.Layer is not (DropoutBase or Identity))];
        bool flat = imageShape.Length == 1;
        for (int l = 0; l < layers.Count; l++)
        {
            (ILayer layer, int _) = layers[l];
            int current = shapes.Count - 1;
            (int c, int h, int w, _) = shapes[current];
            switch (layer)
            {
                case Conv2d { IsPlain: true } conv when !flat:
                    {
                        BatchNorm? norm = NormAt<BatchNorm2d>(layers, l + 1);
                        l += norm is null ? 0 : 1;
                        ActivationKind activation = ActivationAt(layers, l + 1);
                        l += activation == ActivationKind.None ? 0 : 1;
                        int[] convShape = conv.GetOutputShape([1, c, h, w]);
                        Pool2d? pool = l + 1 < layers.Count && layers[l + 1].Layer is Pool2d { IsPlain: true, KernelSize: 2, Stride: 2 } p
                            && convShape[2] >= 2 && convShape[3] >= 2 ? p : null;
                        l += pool is null ? 0 : 1;
                        int[] outShape = pool?.GetOutputShape(convShape) ?? convShape;
                        shapes[current] = (c, h, w, conv.Pad);
                        shapes.Add((outShape[1], outShape[2], outShape[3], 0));
                        var plan = new ConvImagePlan(new ConvGeometry(1, c, h, w, conv.OutChannels, conv.Kernel, conv.Step, conv.Pad, convShape[2], convShape[3]));
                        convPlans.Add((current, plan));
                        specs.Add(maps => new ConvStage(conv, norm, activation, pool, maps[current], maps[current + 1], current, current + 1, plan));
                        break;
                    }

                case Pool2d { IsPlain: true } pool when !flat:
                    {
                        int[] outShape = pool.GetOutputShape([1, c, h, w]);
                        shapes.Add((outShape[1], outShape[2], outShape[3], 0));
                        specs.Add(maps => new PoolStage(pool, maps[current], maps[current + 1], current, current + 1));
                        RowLength = Math.Max(RowLength, PoolKernel.RowLength(pool.KernelSize, pool.Stride, outShape[3]));
                        break;
                    }

                case Sigmoid or ReLU:
                    {
                        ActivationKind activation = ActivationAt(layers, l);
                        specs.Add(maps => new ActivationStage(activation, maps[current], current));
                        break;
                    }

                case Flatten:
                    flat = true;
                    break;

                case Linear linear when flat || (h == 1 && w == 1):
                    {
                        BatchNorm? norm = NormAt<BatchNorm1d>(layers, l + 1);
                        l += norm is null ? 0 : 1;
                        ActivationKind activation = ActivationAt(layers, l + 1);
                        l += activation == ActivationKind.None ? 0 : 1;
                        shapes.Add((linear.OutFeatures, 1, 1, 0));
                        flat = true;
                        specs.Add(maps => new LinearStage(linear, norm, activation, maps[current], maps[current + 1], current, current + 1));
                        break;
                    }

                default:
                    throw new NotSupportedException(
                        $"Predictor: layer {layers[l].Index} ({layer}) is not supported here; a predictor compiles Conv2d, AvgPool2d, MaxPool2d, Sigmoid, ReLU, Flatten and Linear " +
                        "(convolutions and pools before Flatten, dense layers after it), BatchNorm right after a convolution or dense layer, Dropout and Identity. Sequential.Forward runs any model.");
            }
        }

        Maps = [.. shapes.Select(s => new TileMap(s.C, s.H, s.W, s.Pad))];
        ImageLengths = [.. Maps.Select(m => m.Channels * m.PaddedHeight * m.PaddedWidth)];
        foreach ((int map, ConvImagePlan plan) in convPlans)
        {
            ImageLengths[map] = Math.Max(ImageLengths[map], plan.SourceLength);
            GemmLength = Math.Max(GemmLength, plan.OutputLength);
            ColumnsLength = Math.Max(ColumnsLength, plan.ColumnsLength);
            RowLength = Math.Max(RowLength, PoolKernel.RowLength(2, 2, Math.Max(1, plan.Geometry.OutWidth / 2)));
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
        Stages = [.. specs.Select(spec => spec(Maps))];
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

    /// <summary>The BatchNorm at <paramref name="index"/> when the plan can fold it (it keeps running statistics, so evaluation uses them), else null.</summary>
    private static BatchNorm? NormAt<TNorm>(List<(ILayer Layer, int Index)> layers, int index)
        where TNorm : BatchNorm =>
        index < layers.Count && layers[index].Layer is TNorm { TrackRunningStats: true } norm ? norm : null;

    private static ActivationKind ActivationAt(List<(ILayer Layer, int Index)> layers, int index) =>
        index >= layers.Count ? ActivationKind.None
        : layers[index].Layer switch
        {
            Sigmoid => ActivationKind.Sigmoid,
            ReLU => ActivationKind.Relu,
            _ => ActivationKind.None,
        };

    /// <summary>The leaves of nested Sequentials, in order, with their index in the top-level model.</summary>
    internal static List<(ILayer Layer, int Index)> Leaves(Sequential model)
    {
        var leaves = new List<(ILayer, int)>();
        for (int i = 0; i < model.Count; i++)
        {
            if (model[i] is Sequential nested)
            {
                leaves.AddRange(Leaves(nested).Select(leaf => (leaf.Layer, i)));
            }
            else
            {
                leaves.Add((model[i], i));
            }
        }

        return leaves;
    }
}
