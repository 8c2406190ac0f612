using LeNet.Inference;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>
/// The one compiler: turns a <see cref="Sequential"/> (nested Sequentials flattened) into fused stage
/// specifications over tile maps, which the <see cref="PredictorPlan"/> (the <see cref="Predictor"/> and
/// evaluation-mode <see cref="Layer.Forward"/>) and the fused training step
/// (<see cref="Training.Tiled.TiledTrainingStep"/>) build their stages from.
/// </summary>
/// <remarks>
/// <para>
/// The compiler holds no knowledge of layer types: it walks the layers in order and asks each one
/// (<see cref="Layer.Compile"/>) to add its stage, reading the current map's shape and taking the layers
/// after it that its stage fuses (a convolution takes the BatchNorm it folds, its activation and a 2×2
/// pool). Layers that compute the identity in the plan (<see cref="Layer.IsIdentityIn"/>: Identity, and
/// Dropout outside training) are skipped. A layer that answers false stops the compilation; the caller
/// then runs the model layer by layer.
/// </para>
/// <para>
/// A specification builds an inference stage always and a training stage when it has one (a stride-1
/// convolution or a dense layer, without a BatchNorm, whose batch statistics a tile cannot see).
/// </para>
/// </remarks>
internal sealed class StageCompiler
{
    private readonly List<(ILayer Layer, int Index)> _layers;
    private readonly List<(int C, int H, int W, int Pad)> _shapes;
    private readonly List<StageSpec> _specs = [];
    private int _next;

    private StageCompiler(List<(ILayer Layer, int Index)> layers, ReadOnlySpan<int> sampleShape, bool training)
    {
        _layers = layers;
        Training = training;
        Flat = sampleShape.Length == 1;
        _shapes = [sampleShape.Length == 3 ? (sampleShape[0], sampleShape[1], sampleShape[2], 0) : (sampleShape[0], 1, 1, 0)];
    }

    /// <summary>Whether the stages are compiled for the fused training step (no BatchNorm folding, Dropout kept).</summary>
    public bool Training { get; }

    /// <summary>Whether the current map has been flattened (dense layers read it as one vector of features).</summary>
    public bool Flat { get; private set; }

    /// <summary>Channels of the current map (features, once flat).</summary>
    public int Channels => _shapes[^1].C;

    /// <summary>Height of the current map.</summary>
    public int Height => _shapes[^1].H;

    /// <summary>Width of the current map.</summary>
    public int Width => _shapes[^1].W;

    /// <summary>Features of one sample in the current map (C·H·W).</summary>
    public int Features => Channels * Height * Width;

    /// <summary>The stages in order; complete when <see cref="Unsupported"/> is null.</summary>
    public IReadOnlyList<StageSpec> Specs => _specs;

    /// <summary>The maps between the stages, each with the zero padding its consumer reads; empty when the compilation stopped.</summary>
    public TileMap[] Maps { get; private set; } = [];

    /// <summary>The first layer no stage took (with its index in the top-level model), or null when every layer compiled.</summary>
    public (ILayer Layer, int Index)? Unsupported { get; private set; }

    /// <summary>Compiles <paramref name="model"/> for samples of <paramref name="sampleShape"/> ([C, H, W] or [F]), whose shapes the caller has checked.</summary>
    public static StageCompiler Compile(Sequential model, ReadOnlySpan<int> sampleShape, bool training)
    {
        List<(ILayer Layer, int Index)> layers = [.. Leaves(model).Where(leaf => !(leaf.Layer is Layer layer && layer.IsIdentityIn(training)))];
        var compiler = new StageCompiler(layers, sampleShape, training);
        compiler.Run();
        return compiler;
    }

    /// <summary>The next layer, consumed, when it is a <typeparamref name="TLayer"/> that satisfies <paramref name="when"/>; else null.</summary>
    public TLayer? Take<TLayer>(Func<TLayer, bool>? when = null)
        where TLayer : class, ILayer
    {
        if (_next < _layers.Count && _layers[_next].Layer is TLayer layer && (when is null || when(layer)))
        {
            _next++;
            return layer;
        }

        return null;
    }

    /// <summary>
    /// The BatchNorm right after, consumed, when a stage can fold it into its weights: in an inference
    /// plan, a norm that keeps running statistics (evaluation uses them). Null in a training plan, where
    /// the norm needs the whole batch's statistics.
    /// </summary>
    public BatchNorm? TakeNorm<TNorm>()
        where TNorm : BatchNorm =>
        Training ? null : Take<TNorm>(norm => norm.TrackRunningStats);

    /// <summary>The activation right after, consumed, when a stage can fuse it (<see cref="Layer.FusedActivation"/>); else <see cref="ActivationKind.None"/>.</summary>
    /// <param name="mobile">Whether the stage also fuses ReLU6, Hardswish and Hardsigmoid (else only Sigmoid and ReLU).</param>
    public ActivationKind TakeActivation(bool mobile = false) =>
        (Take<Layer>(layer => layer.FusedActivation is ActivationKind.Sigmoid or ActivationKind.Relu || (mobile && layer.FusedActivation != ActivationKind.None))?.FusedActivation) ?? ActivationKind.None;

    /// <summary>
    /// Adds a stage that reads the current map, with <paramref name="inputPad"/> zeros around each plane,
    /// and writes a new map of <paramref name="outputShape"/> ([1, C, H, W], or [1, F], which is flat).
    /// </summary>
    public void Add(StageSpec spec, ReadOnlySpan<int> outputShape, int inputPad = 0)
    {
        int input = _shapes.Count - 1;
        _shapes[input] = _shapes[input] with { Pad = inputPad };
        _shapes.Add(outputShape.Length == 4 ? (outputShape[1], outputShape[2], outputShape[3], 0) : (outputShape[1], 1, 1, 0));
        Flat = outputShape.Length == 2;
        (spec.Input, spec.Output) = (input, input + 1);
        _specs.Add(spec);
    }

    /// <summary>Adds a stage that transforms the current map in place.</summary>
    public void AddInPlace(StageSpec spec)
    {
        (spec.Input, spec.Output) = (_shapes.Count - 1, _shapes.Count - 1);
        _specs.Add(spec);
    }

    /// <summary>Marks the current map flat: free in the batch-inner layout, where a sample's features are already contiguous per image.</summary>
    public void Flatten() => Flat = true;

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

    private void Run()
    {
        while (_next < _layers.Count)
        {
            (ILayer layer, int index) = _layers[_next++];
            if (layer is not Layer own || !own.Compile(this))
            {
                Unsupported = (layer, index);
                return;
            }
        }

        Maps = [.. _shapes.Select(s => new TileMap(s.C, s.H, s.W, s.Pad))];
    }
}
