using LeNet.Compiler;
using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Inference;

/// <summary>
/// A <see cref="Sequential"/> compiled for fast, allocation-free inference: it snapshots the weights,
/// owns every buffer it needs, and <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> computes a
/// batch of any size without allocating (in steady state), on up to
/// <see cref="Parallelism.MaxDegreeOfParallelism"/> threads.
/// </summary>
/// <remarks>
/// <para>
/// Compiles LeNet-shaped models: <see cref="Conv2d"/> (any channels, kernel, stride, padding),
/// <see cref="AvgPool2d"/>/<see cref="MaxPool2d"/>, <see cref="Sigmoid"/>/<see cref="ReLU"/>,
/// <see cref="Flatten"/> and <see cref="Linear"/>, such as <see cref="Models.LeNetFactory.Create"/> and
/// <see cref="Models.LeNetFactory.CreateModern"/>, with evaluation-mode semantics: a <see cref="BatchNorm2d"/> or
/// <see cref="BatchNorm1d"/> right after a convolution or dense layer is folded into its weights (running
/// statistics), <see cref="Dropout"/>, <see cref="Dropout2d"/> and <see cref="Identity"/> are dropped (so
/// <see cref="Models.LeNetFactory.CreateBatchNorm"/> runs as fast as LeNet). Batches are cut into tiles of 16 images laid out
/// image-innermost, so every layer vectorizes across images; a convolution, its activation and a 2×2
/// pool run as one fused kernel. A single image (or a small partial tile) takes kernels vectorized
/// over pixels or output channels instead. The results match <see cref="Layer.Forward"/> within
/// 1e-6 (2e-7 on LeNet's logits: another summation order and a single-precision exponential) and are
/// bit-identical whatever the thread count.
/// </para>
/// <para>
/// <b>Weights</b> are copied when the predictor is created: after training or loading a state dict,
/// create a new one. <b>Thread safety</b>: one predictor runs one call at a time (a concurrent call
/// throws <see cref="InvalidOperationException"/>); it parallelizes each call itself. To serve many
/// threads, give each its own predictor (they are cheap: about 200 KB of buffers per worker thread for
/// LeNet) or pool them.
/// </para>
/// </remarks>
public sealed partial class Predictor : IChunkWork
{
    private readonly PredictorPlan? _plan;
    private readonly Module? _graph;
    private readonly int[] _graphOutputShape = [];

    /// <summary>The compiled chain (the tile paths run only for one).</summary>
    private PredictorPlan Plan => _plan!;
    private readonly SimdWidth _width;
    private readonly ParallelTeam _team = new();
    private Workspace?[] _workspaces = [];
    private int _busy;

    // The current call's operands, pinned by Predict for the workers.
    private unsafe float* _images;
    private unsafe float* _outputs;
    private int _count;

    // Where the graph plan wants the outputs (PredictInto): image t's at t·stride + offset, plus the addend's image t.
    private int _outputStride;
    private int _outputOffset;
    private unsafe float* _addend;
    private bool _relu;

    // Images per chunk of the tile path: a tile's 16, or a vector's (see ChunkImages).
    private int _chunkImages = TileMap.Lanes;

    // A call of one tile whose convolutions run image by image: its images share the threads (see RunMixed).
    private bool _shareImages;
    private MixedImages? _mixedImages;
    private DenseParts? _denseParts;

    /// <summary>Compiles <paramref name="model"/> for images of shape <paramref name="imageShape"/>.</summary>
    /// <param name="model">The network; its structure and current weights are captured.</param>
    /// <param name="imageShape">One input's shape without the batch: <c>[C, H, W]</c> (LeNet: <c>1, 28, 28</c>), or <c>[F]</c> for a model that starts with a dense layer.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shape is not rank 1 or 3, or does not fit the model (the message names the layer).</exception>
    /// <exception cref="NotSupportedException">The model has a layer a predictor cannot compile; <see cref="Layer.Forward"/> still runs it.</exception>
    /// <remarks>
    /// A <see cref="Module"/> that is not a chain of layers (a ResNet, any model with its own forward code) runs its
    /// evaluation-mode graph (<see cref="Module"/>'s traced plan, whose chains run these same compiled stages) with
    /// its live weights; it must be in evaluation mode (<see cref="Layer.Eval"/>) and Predict allocates its values.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model is a Module with its own forward code and is in training mode.</exception>
    public Predictor(Module model, params int[] imageShape)
        : this(model, imageShape, SimdSupport.Best)
    {
    }

    /// <summary>Compiles for a given vector width (tests run every width).</summary>
    internal Predictor(Module model, int[] imageShape, SimdWidth width)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(imageShape);
        if (imageShape.Length is not (1 or 3) || imageShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"Predictor: expected an image shape [C, H, W] or [F] of positive sizes, got {Tensor.FormatShape(imageShape)}.", nameof(imageShape));
        }

        ImageShape = (int[])imageShape.Clone();
        _width = width;
        if (model is Sequential { IsChain: true } chain)
        {
            _plan = new PredictorPlan(chain, ImageShape);
            return;
        }

        if (model.IsTraining)
        {
            throw new InvalidOperationException($"Predictor: {model.Name} writes its own forward and is in training mode; call Eval() first (a predictor computes evaluation-mode outputs).");
        }

        _graph = model;
        _graphOutputShape = model.GetOutputShape([1, .. ImageShape])[1..];
    }

    /// <summary>A runner of an already compiled plan (shared, read-only): its own workspaces and thread team.</summary>
    internal Predictor(PredictorPlan plan, int[] imageShape, SimdWidth width)
    {
        ImageShape = imageShape;
        _plan = plan;
        _width = width;
    }

    /// <summary>One input's shape, without the batch (e.g. <c>[1, 28, 28]</c>).</summary>
    public int[] ImageShape { get; }

    /// <summary>One output's shape, without the batch (e.g. <c>[10]</c>).</summary>
    public int[] OutputShape => (int[])(_plan?.OutputShape ?? _graphOutputShape).Clone();

    /// <summary>Floats per input image: the product of <see cref="ImageShape"/>.</summary>
    public int InputLength => _plan?.InputLength ?? ImageShape.Aggregate(1, (a, b) => a * b);

    /// <summary>Floats per output (LeNet: 10 logits).</summary>
    public int OutputLength => _plan?.OutputLength ?? _graphOutputShape.Aggregate(1, (a, b) => a * b);

    /// <summary>
    /// Runs the model on <c>n = images.Length / InputLength</c> images, row-major
    /// (<c>[n, C, H, W]</c>), writing <c>[n, OutputLength]</c> to <paramref name="outputs"/>. Allocates
    /// nothing once the predictor has run a call with as many threads.
    /// </summary>
    /// <param name="images">The batch, image after image.</param>
    /// <param name="outputs">Receives the outputs (logits), image after image; exactly n·<see cref="OutputLength"/> long.</param>
    /// <exception cref="ArgumentException">A length does not fit.</exception>
    /// <exception cref="InvalidOperationException">Another call on this predictor is running.</exception>
    public unsafe void Predict(ReadOnlySpan<float> images, Span<float> outputs)
    {
        if (images.Length % InputLength != 0)
        {
            throw new ArgumentException($"Predictor: images hold {images.Length} floats, not a whole number of images of {InputLength} ({Tensor.FormatShape(ImageShape)}).", nameof(images));
        }

        int count = images.Length / InputLength;
        if (outputs.Length != count * OutputLength)
        {
            throw new ArgumentException($"Predictor: {count} images need {count * OutputLength} output floats ({count} × {OutputLength}), got {outputs.Length}.", nameof(outputs));
        }

        PredictCore(images, outputs, count, OutputLength, 0, [], relu: false);
    }

    /// <summary>
    /// The graph plan's entry (a compiled chain only): image t's output goes to
    /// <c>outputs[t·outputStride + outputOffset ..][..OutputLength]</c> — a channel slice of a concatenation's map — and,
    /// when <paramref name="addend"/> is not empty ([n, OutputLength], a residual connection), becomes
    /// <c>act(output + addend)</c> right after the image or tile is computed, while it is in cache.
    /// </summary>
    internal void PredictInto(ReadOnlySpan<float> images, Span<float> outputs, int outputStride, int outputOffset, ReadOnlySpan<float> addend, bool relu)
    {
        int count = images.Length / InputLength;
        if (_plan is null || images.Length % InputLength != 0 || outputStride < OutputLength || outputOffset < 0
            || (count > 0 && outputs.Length < ((long)(count - 1) * outputStride) + outputOffset + OutputLength)
            || (addend.Length != 0 && addend.Length != count * OutputLength))
        {
            throw new ArgumentException($"Predictor: {images.Length} input floats, {outputs.Length} output floats at stride {outputStride} and offset {outputOffset}, addend {addend.Length}: they do not fit images of {InputLength} and outputs of {OutputLength} floats.", nameof(outputs));
        }

        PredictCore(images, outputs, count, outputStride, outputOffset, addend, relu);
    }

    private unsafe void PredictCore(ReadOnlySpan<float> images, Span<float> outputs, int count, int outputStride, int outputOffset, ReadOnlySpan<float> addend, bool relu)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("Predictor: another Predict call on this predictor is running; a predictor serves one call at a time (use one per thread).");
        }

        try
        {
            if (_graph is not null)
            {
                if (_graph.IsTraining)
                {
                    throw new InvalidOperationException($"Predictor: {_graph.Name} was put back in training mode after the predictor was made; call Eval() first (a predictor computes evaluation-mode outputs).");
                }

                Tensor result = _graph.Forward(Tensor.FromArray(images.ToArray(), [count, .. ImageShape]));
                result.AsReadOnlySpan().CopyTo(outputs);
                return;
            }

            // A plan of large maps only runs image by image throughout: each thread takes whole images
            // (a tile of 16 would keep a batch of up to 16 on one worker, its convolutions split row by row).
            _chunkImages = ChunkImages(count);
            int chunks = ImageChunks ? count : (count + _chunkImages - 1) / _chunkImages;
            _shareImages = chunks == 1 && !ImageChunks && Plan.ImageStages > 0 && Parallelism.ThreadLimit > 1 && !RunsImageByImage(count, _width);
            if (_workspaces.Length < Parallelism.MaxDegreeOfParallelism)
            {
                Array.Resize(ref _workspaces, Parallelism.MaxDegreeOfParallelism);
            }

            fixed (float* pImages = images, pOutputs = outputs, pAddend = addend)
            {
                _images = pImages;
                _outputs = pOutputs;
                _count = count;
                _outputStride = outputStride;
                _outputOffset = outputOffset;
                _addend = addend.IsEmpty ? null : pAddend;
                _relu = relu;
                _team.Run(chunks, this);
            }
        }
        finally
        {
            _images = null;
            _outputs = null;
            _addend = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Runs the model on a batch tensor; allocates the result (use the span overload to avoid that).</summary>
    /// <param name="images">The batch, shape <c>[N, ..ImageShape]</c>.</param>
    /// <returns>The outputs, shape <c>[N, ..OutputShape]</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> is null.</exception>
    /// <exception cref="ArgumentException">The shape is not <c>[N, ..ImageShape]</c>.</exception>
    public Tensor Predict(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != ImageShape.Length + 1 || !images.Shape[1..].SequenceEqual(ImageShape))
        {
            throw new ArgumentException($"Predictor: expected a batch [N, {string.Join(", ", ImageShape)}], got {Tensor.FormatShape(images.Shape)}.", nameof(images));
        }

        var outputs = new Tensor([images.Shape[0], .. OutputShape]);
        Predict(images.AsSpan(), outputs.AsSpan());
        return outputs;
    }

    /// <summary>Tile <paramref name="chunk"/>: images [16·chunk, 16·chunk + 16) of the current call.</summary>
    unsafe void IChunkWork.Run(int chunk, int worker)
    {
        Workspace workspace = _workspaces[worker] ??= new Workspace(Plan);

        // One chunk leaves the other threads idle: its single-image stages may split their rows across them (unless its images share the threads, see RunMixed).
        workspace.Split = (ImageChunks ? _count : (_count + _chunkImages - 1) / _chunkImages) == 1 && ImageSplit.Threads > 1 && !_shareImages ? ImageSplit.ForCurrentThread : null;
        (int first, int count) = ImageChunks ? (chunk, 1) : (chunk * _chunkImages, Math.Min(_chunkImages, _count - (chunk * _chunkImages)));
        var images = new ReadOnlySpan<float>(_images + ((long)first * InputLength), count * InputLength);
        int stride = _outputStride;
        var outputs = new Span<float>(_outputs + ((long)first * stride) + _outputOffset, ((count - 1) * stride) + OutputLength);
        if (RunsImageByImage(count, _width) || ImageChunks)
        {
            for (int t = 0; t < count; t++)
            {
                if (!RunImageInParts(images.Slice(t * InputLength, InputLength), outputs.Slice(t * stride, OutputLength), workspace, first + t))
                {
                    RunImage(images.Slice(t * InputLength, InputLength), outputs.Slice(t * stride, OutputLength), workspace);
                    Epilogue(outputs, first, t, 1);
                }
            }

            return;
        }

        if (Plan.ImageStages > 0)
        {
            RunMixed(images, count, outputs, workspace);
        }
        else
        {
            RunTile(images, count, outputs, workspace);
        }

        Epilogue(outputs, first, 0, count);
    }

    /// <summary>The residual addend (and ReLU) of images [t, t + count) of the chunk that starts at image <paramref name="first"/>.</summary>
    private unsafe void Epilogue(Span<float> outputs, int first, int t, int count)
    {
        if (_addend is null)
        {
            return;
        }

        for (int i = t; i < t + count; i++)
        {
            var addend = new ReadOnlySpan<float>(_addend + ((long)(first + i) * OutputLength), OutputLength);
            ResidualKernel.AddInPlace(_width, outputs.Slice(i * _outputStride, OutputLength), addend, _relu);
        }
    }

    /// <summary>
    /// Images per chunk of the tile path: a tile's 16, except that a call of one tile, on a width narrower than a tile
    /// (Vector256: two vectors of 8 images; Vector128: four of 4), with more threads allowed and a whole number of
    /// vectors of images, runs each vector as a chunk of its own, so both cores take half the tile instead of one core the whole of it (LeNet at
    /// batch 16 without AVX-512). Each image lane has the same arithmetic in a tile of one vector as of two, so the
    /// results are the same bits whatever the thread count.
    /// </summary>
    internal int ChunkImages(int count)
    {
        int vector = (int)_width;
        return !ImageChunks && vector is > 1 and < TileMap.Lanes && count <= TileMap.Lanes && count > vector && count % vector == 0 && Parallelism.ThreadLimit > 1
            ? vector
            : TileMap.Lanes;
    }

    /// <summary>Whether every stage runs image by image (<see cref="PredictorPlan.ImageStages"/>): then a call's chunks are single images.</summary>
    private bool ImageChunks => Plan.ImageStages == Plan.Stages.Length;

    /// <summary>
    /// Whether a tile of <paramref name="count"/> images runs image by image: a tile costs as much as its
    /// vectors of images, full or not (2 images cost a whole AVX-512 tile of 16), and one image on the
    /// single-image kernels costs about 1.5 images' share of a full tile (measured on LeNet). The choice
    /// depends on the batch size only, never on the thread count.
    /// </summary>
    private static bool RunsImageByImage(int count, SimdWidth width)
    {
        int lanes = (int)width;
        int tileImages = (count + lanes - 1) / lanes * lanes;
        return count * 3 < tileImages * 2;
    }

    private void RunTile(ReadOnlySpan<float> images, int count, Span<float> outputs, Workspace workspace)
    {
        TileTranspose.In(images, count, workspace.Tiles[0], Plan.Maps[0]);
        int laneGroups = (count + (int)_width - 1) / (int)_width;
        foreach (Stage stage in Plan.Stages)
        {
            stage.RunTile(workspace, _width, laneGroups);
        }

        TileTranspose.Out(workspace.Tiles[^1], Plan.Maps[^1], outputs, count, _outputStride);
    }

    /// <summary>
    /// A tile whose first <see cref="PredictorPlan.ImageStages"/> stages (large convolutions) run image by
    /// image; their outputs gather in the staging buffer, enter the tile layout, and the dense stages run on
    /// the tile. When the call is this one tile and more threads are allowed (pytorch/examples' Net at batch
    /// 16), the images share the threads first, each image whole on one thread (no row split to wait on), and
    /// the dense stages then run on the tile as before: the same arithmetic for every image, the same bits.
    /// </summary>
    private void RunMixed(ReadOnlySpan<float> images, int count, Span<float> outputs, Workspace workspace)
    {
        int split = Plan.ImageStages;
        int map = Plan.Stages[split].Input;
        TileMap layout = Plan.Maps[map];
        int features = layout.Features;
        if (_shareImages)
        {
            _mixedImages ??= new MixedImages(this);
            _mixedImages.Staging = workspace.Staging;
            _team.Run(count, _mixedImages);
        }
        else
        {
            for (int t = 0; t < count; t++)
            {
                RunImageStages(images.Slice(t * InputLength, InputLength), workspace, workspace.Staging.AsSpan(t * features, features));
            }
        }

        TileTranspose.In(workspace.Staging, count, workspace.Tiles[map], layout);
        int laneGroups = (count + (int)_width - 1) / (int)_width;
        for (int s = split; s < Plan.Stages.Length; s++)
        {
            if (_shareImages && Plan.Stages[s] is LinearStage { SplitsTile: true } dense)
            {
                // The other threads would wait for the dense layers: its outputs share the threads too.
                (_denseParts ??= new DenseParts()).Run(dense, workspace, _width, laneGroups);
            }
            else
            {
                Plan.Stages[s].RunTile(workspace, _width, laneGroups);
            }
        }

        TileTranspose.Out(workspace.Tiles[^1], Plan.Maps[^1], outputs, count, _outputStride);
    }

    /// <summary>One image through the stages that run image by image, its result into <paramref name="staged"/> [C, H, W].</summary>
    private void RunImageStages(ReadOnlySpan<float> image, Workspace workspace, Span<float> staged)
    {
        int split = Plan.ImageStages;
        int map = Plan.Stages[split].Input;
        CopyIn(image, Plan.Maps[0], workspace.Images[0]);
        for (int s = 0; s < split; s++)
        {
            Plan.Stages[s].RunImage(workspace, _width);
        }

        CopyOut(workspace.Images[map], Plan.Maps[map], staged);
    }

    /// <summary>A dense stage on the call's one tile, its blocks of outputs in parts across the calling thread's split (<see cref="ImageSplit"/>).</summary>
    private sealed class DenseParts : IRowStage
    {
        private LinearStage? _stage;
        private int _laneGroups;

        public void Run(LinearStage stage, Workspace workspace, SimdWidth width, int laneGroups)
        {
            (_stage, _laneGroups) = (stage, laneGroups);
            try
            {
                ImageSplit.ForCurrentThread.Run(this, workspace, width, ImageSplit.Threads);
            }
            finally
            {
                _stage = null;
            }
        }

        public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch) =>
            _stage!.RunTile(workspace, width, _laneGroups, part, parts);
    }

    /// <summary>Image <c>chunk</c> of the call's one tile through the image stages, on worker <c>worker</c>'s own workspace (see <see cref="RunMixed"/>).</summary>
    private sealed class MixedImages(Predictor owner) : IChunkWork
    {
        /// <summary>The tile's staging buffer [images, C·H·W], which every worker writes its images into.</summary>
        public float[] Staging { get; set; } = [];

        public unsafe void Run(int chunk, int worker)
        {
            PredictorPlan plan = owner.Plan;
            Workspace workspace = owner._workspaces[worker] ??= new Workspace(plan);
            workspace.Split = null;
            int features = plan.Maps[plan.Stages[plan.ImageStages].Input].Features;
            var image = new ReadOnlySpan<float>(owner._images + ((long)chunk * owner.InputLength), owner.InputLength);
            owner.RunImageStages(image, workspace, Staging.AsSpan(chunk * features, features));
        }
    }

    private void RunImage(ReadOnlySpan<float> image, Span<float> output, Workspace workspace)
    {
        CopyIn(image, Plan.Maps[0], workspace.Images[0]);
        RunStages(workspace, output);
        if (!workspace.TargetWritten)
        {
            workspace.Images[^1].AsSpan(0, OutputLength).CopyTo(output);
        }
    }

    /// <summary>
    /// One image through every stage, the last with <paramref name="output"/> as its <see cref="Workspace.Target"/>:
    /// a stage that writes the last map (unpadded, the output's layout) may write it there and spare the copy out.
    /// </summary>
    private unsafe void RunStages(Workspace workspace, Span<float> output)
    {
        Stage[] stages = Plan.Stages;
        workspace.TargetWritten = false;
        if (stages.Length == 0)
        {
            return;
        }

        for (int s = 0; s < stages.Length - 1; s++)
        {
            stages[s].RunImage(workspace, _width);
        }

        fixed (float* target = output)
        {
            workspace.Target = target;
            workspace.TargetLength = OutputLength;
            try
            {
                stages[^1].RunImage(workspace, _width);
            }
            finally
            {
                workspace.Target = null;
            }
        }
    }

    /// <summary>An image [C, H, W] into the interior of the single-image layout [C, Hp, Wp] (the padding stays zero).</summary>
    private static void CopyIn(ReadOnlySpan<float> image, TileMap map, Span<float> buffer) => CopyIn(image, map, buffer, 0, map.Channels);

    /// <summary>Channels [<paramref name="first"/>, <paramref name="end"/>) of an image [C, H, W] into the single-image layout.</summary>
    private static void CopyIn(ReadOnlySpan<float> image, TileMap map, Span<float> buffer, int first, int end) =>
        PlaneCopyKernel.Planes(
            image[(first * map.Height * map.Width)..], map.Width, map.Height * map.Width,
            buffer[((((first * map.PaddedHeight) + map.Pad) * map.PaddedWidth) + map.Pad)..], map.PaddedWidth, map.PaddedHeight * map.PaddedWidth, end - first, map.Height, map.Width);

    /// <summary>The interior of the single-image layout [C, Hp, Wp] out to [C, H, W].</summary>
    private static void CopyOut(ReadOnlySpan<float> buffer, TileMap map, Span<float> image) =>
        PlaneCopyKernel.Planes(
            buffer[((map.Pad * map.PaddedWidth) + map.Pad)..], map.PaddedWidth, map.PaddedHeight * map.PaddedWidth,
            image, map.Width, map.Height * map.Width, map.Channels, map.Height, map.Width);
}
