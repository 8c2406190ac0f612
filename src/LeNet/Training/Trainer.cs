using System.Diagnostics;
using System.Numerics.Tensors;
using LeNet.Layers;
using LeNet.Training.Tiled;

namespace LeNet.Training;

/// <summary>
/// The training loop of the d2l chapter as a class: shuffled mini-batches, forward, cross-entropy,
/// backward, optimizer step; evaluation on a test set after each epoch; progress, cancellation, and a
/// clear stop when the loss diverges.
/// </summary>
/// <remarks>
/// Deterministic: the same model, data, options and seed give bit-identical weights, whatever
/// <see cref="Parallelism.MaxDegreeOfParallelism"/> is. The trainer owns the model while it runs (the
/// model is in training mode and not thread-safe then); <see cref="Fit"/> leaves it in evaluation mode.
/// LeNet-shaped models (stride-1 convolutions with optional activation and 2×2 pool, then dense layers)
/// train through one fused step over tiles of 16 images, much faster than the layers' own Forward and
/// Backward, which train every other model.
/// </remarks>
public sealed class Trainer
{
    private readonly List<EpochMetrics> _history = [];

    // Kept from one Fit to the next, so that repeated short calls (a benchmark, a loop of one-epoch
    // fits) reuse their buffers instead of leaving megabytes of garbage behind each time.
    private BatchBuffers? _batch;
    private TiledTrainingStep? _tiled;
    private int[] _tiledShape = [];

    /// <summary>Creates a trainer.</summary>
    /// <param name="model">The model to train: input [N, …sample shape] → logits [N, classes].</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="loss">The loss; a plain <see cref="CrossEntropyLoss"/> when null.</param>
    /// <param name="schedule">Changes the learning rate after each epoch; none when null.</param>
    public Trainer(Module model, Optimizer optimizer, CrossEntropyLoss? loss = null, LearningRateSchedule? schedule = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (schedule is not null && schedule.Optimizer != optimizer)
        {
            throw new ArgumentException("Trainer: the schedule belongs to another optimizer.", nameof(schedule));
        }

        (Model, Optimizer, Loss, Schedule) = (model, optimizer, loss ?? new CrossEntropyLoss(), schedule);
    }

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The loss.</summary>
    public CrossEntropyLoss Loss { get; }

    /// <summary>The learning-rate schedule, if any.</summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>The metrics of every epoch completed so far, across calls to <see cref="Fit"/> (also after a cancellation).</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>Trains for <see cref="TrainerOptions.Epochs"/> epochs.</summary>
    /// <param name="train">The training set.</param>
    /// <param name="test">A test set evaluated after each epoch, or null.</param>
    /// <param name="options">Epochs, batch size, seed; the defaults when null.</param>
    /// <param name="progress">Receives a report after every batch and every epoch (called on the training thread).</param>
    /// <param name="cancellationToken">Stops training before the next batch: the weights are those after a whole optimizer step.</param>
    /// <returns>The metrics of the epochs of this call.</returns>
    /// <exception cref="ArgumentException">The data's sample shape does not fit the model, or an option is out of range.</exception>
    /// <exception cref="TrainingDivergedException">A batch's loss was NaN or infinite (the step was not applied).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; <see cref="History"/> has the completed epochs.</exception>
    public IReadOnlyList<EpochMetrics> Fit(
        IBatchSource train, IBatchSource? test = null, TrainerOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new TrainerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));
        CheckFits(train, nameof(train));
        if (test is not null)
        {
            CheckFits(test, nameof(test));
        }

        int count = train.Count;
        int batches = (count + options.BatchSize - 1) / options.BatchSize;
        var random = new Random(options.Seed);
        int[] order = Enumerable.Range(0, count).ToArray();
        BatchBuffers batch = _batch is not null && _batch.Fits(train.SampleShape) ? _batch : _batch = new BatchBuffers(train.SampleShape);
        int firstEpoch = _history.Count;
        var results = new List<EpochMetrics>(options.Epochs);

        // The trainer owns the model while it runs: layers may write into their own buffers.
        TiledTrainingStep? tiled = UseTiledStep ? TiledStepFor(train.SampleShape) : null;
        Model.SetReuseBuffers(true);
        try
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                Model.Train();
                random.Shuffle(order);
                float learningRate = Optimizer.LearningRate;
                double lossSum = 0;
                int correct = 0, seen = 0;
                var clock = Stopwatch.StartNew();
                for (int b = 0; b < batches; b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ReadOnlySpan<int> indices = order.AsSpan(b * options.BatchSize, Math.Min(options.BatchSize, count - (b * options.BatchSize)));
                    (Tensor x, int[] labels) = batch.Fill(train, indices);

                    (float batchLoss, int batchCorrect) = tiled is null ? LayerStep(x, labels.AsSpan(0, indices.Length)) : TiledStep(tiled, x, labels, indices.Length);
                    if (!float.IsFinite(batchLoss))
                    {
                        throw new TrainingDivergedException(firstEpoch + epoch, b + 1, batchLoss);
                    }

                    Optimizer.Step();

                    lossSum += (double)batchLoss * indices.Length;
                    correct += batchCorrect;
                    seen += indices.Length;
                    progress?.Report(new TrainingProgress(
                        firstEpoch + epoch, b + 1, batches, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds, clock.Elapsed, null));
                }

                clock.Stop();
                Schedule?.Step();
                EvaluationResult? evaluation = test is null ? null : Evaluate(test, options.EvaluationBatchSize);
                var metrics = new EpochMetrics(
                    firstEpoch + epoch, lossSum / seen, (double)correct / seen, evaluation?.Loss, evaluation?.Accuracy,
                    clock.Elapsed.TotalSeconds, seen / clock.Elapsed.TotalSeconds, learningRate);
                _history.Add(metrics);
                results.Add(metrics);
                progress?.Report(new TrainingProgress(
                    metrics.Epoch, batches, batches, metrics.TrainLoss, metrics.TrainAccuracy, metrics.ImagesPerSecond, clock.Elapsed, metrics));
            }
        }
        finally
        {
            Model.SetReuseBuffers(false);
            Model.Eval();
        }

        return results;
    }

    /// <summary>
    /// Whether <see cref="Fit"/> trains models it can compile with the fused, tiled step (the default; the
    /// layers' own Forward/Backward otherwise). Tests turn it off to compare the two.
    /// </summary>
    internal bool UseTiledStep { get; set; } = true;

    /// <summary>Runs the model in evaluation mode over a whole data set.</summary>
    /// <param name="data">The labelled samples.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <returns>Loss, accuracy and confusion matrix.</returns>
    /// <exception cref="ArgumentException">The data's sample shape does not fit the model.</exception>
    public EvaluationResult Evaluate(IBatchSource data, int batchSize = 1000) => Evaluate(Model, data, batchSize);

    /// <summary>
    /// Runs <paramref name="model"/> in evaluation mode over a whole data set (its mode is restored afterwards),
    /// through a <see cref="Inference.Predictor"/> when the model compiles to one (its logits equal
    /// <see cref="Layer.Forward"/>'s to about 1e-6, in a fraction of the time).
    /// </summary>
    /// <param name="model">The model: input [N, …sample shape] → logits [N, classes].</param>
    /// <param name="data">The labelled samples.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <returns>Loss, accuracy and confusion matrix.</returns>
    /// <exception cref="ArgumentException">The data's sample shape does not fit the model.</exception>
    public static EvaluationResult Evaluate(Module model, IBatchSource data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int classes = OutputClasses(model, data, nameof(data));
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            var loss = new CrossEntropyLoss();
            var confusion = new int[classes, classes];
            var batch = new BatchBuffers(data.SampleShape);
            int[] indices = new int[Math.Min(batchSize, Math.Max(1, data.Count))];
            Inference.Predictor? predictor = PredictorFor(model, data.SampleShape);
            Tensor? predicted = null;
            double lossSum = 0;
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Count - start);
                for (int i = 0; i < n; i++)
                {
                    indices[i] = start + i;
                }

                (Tensor x, int[] labels) = batch.Fill(data, indices.AsSpan(0, n));
                Tensor logits;
                if (predictor is null)
                {
                    logits = model.Forward(x);
                }
                else
                {
                    logits = predicted is not null && predicted.Shape[0] == n ? predicted : predicted = new Tensor(n, classes);
                    predictor.Predict(x.AsSpan(), logits.AsSpan());
                }

                lossSum += (double)loss.Compute(logits, labels.AsSpan(0, n)).Loss * n;
                ReadOnlySpan<float> z = logits.AsSpan();
                for (int i = 0; i < n; i++)
                {
                    confusion[labels[i], TensorPrimitives.IndexOfMax(z.Slice(i * classes, classes))]++;
                }
            }

            return new EvaluationResult(data.Count == 0 ? double.NaN : lossSum / data.Count, confusion);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>Forward, loss and backward through the layers; the gradients are in the parameters afterwards (unless the loss is not finite).</summary>
    private (float Loss, int Correct) LayerStep(Tensor x, ReadOnlySpan<int> labels)
    {
        Tensor logits = Model.Forward(x);
        LossResult loss = Loss.Compute(logits, labels);
        if (float.IsFinite(loss.Loss))
        {
            Optimizer.ZeroGrad();
            Model.BackwardCore(loss.Gradient, needInputGradient: false);
        }

        return (loss.Loss, loss.Correct);
    }

    /// <summary>The same step, fused over tiles of 16 images.</summary>
    private (float Loss, int Correct) TiledStep(TiledTrainingStep tiled, Tensor x, int[] labels, int rows)
    {
        Optimizer.ZeroGrad();
        return tiled.Step(x.Data, labels, rows);
    }

    /// <summary>The fused step for samples of <paramref name="sampleShape"/> (made once per shape), or null when the model has no fused form.</summary>
    private TiledTrainingStep? TiledStepFor(ReadOnlySpan<int> sampleShape)
    {
        if (!sampleShape.SequenceEqual(_tiledShape))
        {
            (_tiled, _tiledShape) = (Model is Sequential { IsChain: true } chain ? TiledTrainingStep.TryCreate(chain, sampleShape, Loss) : null, sampleShape.ToArray());
        }

        return _tiled;
    }

    /// <summary>A predictor for the model, or null when it has a layer a predictor does not compile.</summary>
    private static Inference.Predictor? PredictorFor(Module model, ReadOnlySpan<int> sampleShape)
    {
        // A model with its own forward code runs its evaluation-mode graph through Forward itself.
        if (sampleShape.Length is not (1 or 3) || model is not Sequential { IsChain: true })
        {
            return null;
        }

        try
        {
            return new Inference.Predictor(model, sampleShape.ToArray());
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private void CheckFits(IBatchSource data, string name) => OutputClasses(Model, data, name);

    /// <summary>The model's class count for the data's samples; throws a clear error when the shapes do not fit.</summary>
    private static int OutputClasses(Module model, IBatchSource data, string name)
    {
        int[] inputShape = [1, .. data.SampleShape];
        int[] outputShape;
        try
        {
            outputShape = model.GetOutputShape(inputShape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Trainer: samples of shape {Tensor.FormatShape(data.SampleShape)} do not fit the model: {e.Message}", name, e);
        }

        if (outputShape.Length != 2)
        {
            throw new ArgumentException($"Trainer: the model must output logits [N, classes], but gives {Tensor.FormatShape(outputShape)} for an input of {Tensor.FormatShape(inputShape)}.", name);
        }

        return outputShape[1];
    }

    /// <summary>Batch buffers reused from batch to batch: one tensor for full batches, one for the smaller last batch of an epoch.</summary>
    private sealed class BatchBuffers(ReadOnlySpan<int> sampleShape)
    {
        private readonly int[] _sampleShape = sampleShape.ToArray();
        private Tensor? _full;
        private Tensor? _last;
        private int[] _labels = [];

        public bool Fits(ReadOnlySpan<int> sampleShape) => sampleShape.SequenceEqual(_sampleShape);

        public (Tensor Samples, int[] Labels) Fill(IBatchSource source, ReadOnlySpan<int> indices)
        {
            Tensor tensor;
            if (_full is not null && _full.Shape[0] == indices.Length)
            {
                tensor = _full;
            }
            else if (_last is not null && _last.Shape[0] == indices.Length)
            {
                tensor = _last;
            }
            else
            {
                // The first batch size seen is the full one; any other is an epoch's last, smaller batch.
                tensor = new Tensor([indices.Length, .. _sampleShape]);
                if (_full is null)
                {
                    _full = tensor;
                }
                else
                {
                    _last = tensor;
                }
            }

            if (_labels.Length < indices.Length)
            {
                _labels = new int[indices.Length];
            }

            source.CopyBatch(indices, tensor.AsSpan(), _labels.AsSpan(0, indices.Length));
            return (tensor, _labels);
        }
    }
}
