using System.Diagnostics.CodeAnalysis;
using LeNet.Compiler;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// The common part of the library's layers: the training/evaluation switch, <see cref="ZeroGrad"/>, and
/// the checks that guard <see cref="Backward"/>. Derive from it to write a layer of your own.
/// </summary>
public abstract class Layer : ILayer
{
    private Tensor? _outputBuffer;
    private Tensor? _inputGradientBuffer;

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public bool IsTraining { get; private set; } = true;

    /// <inheritdoc/>
    public virtual void Train(bool mode = true) => IsTraining = mode;

    /// <summary>Sets this layer's own mode flag, not its children's (a compiled segment's container).</summary>
    internal void SetOwnMode(bool training) => IsTraining = training;

    /// <inheritdoc/>
    public void Eval() => Train(false);

    /// <inheritdoc/>
    /// <remarks>
    /// The library's entry point (the template method): it records the call when a <see cref="Module"/>'s
    /// forward is being recorded (for <see cref="Module.Backward(Tensor)"/>, tracing and export), then runs
    /// <see cref="ForwardCore"/>. Override <see cref="ForwardCore"/>, not this.
    /// </remarks>
    public Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        return Graphs.GraphRecorder.Current is { } recorder ? recorder.Call(this, input) : ForwardUnrecorded(input);
    }

    /// <summary>The layer's computation, called by <see cref="Forward"/>: a leaf computes its output; a <see cref="Module"/> writes its forward code here.</summary>
    /// <param name="input">The input batch (not null); each layer documents the shape it accepts.</param>
    /// <returns>The output.</returns>
    protected abstract Tensor ForwardCore(Tensor input);

    /// <summary>Runs <see cref="ForwardCore"/>; for the recorder, which calls a leaf with recording suspended.</summary>
    internal Tensor InvokeCore(Tensor input) => ForwardCore(input);

    /// <summary>Forward when no recording is active: a leaf runs <see cref="ForwardCore"/>; a Module starts its own recording or runs its evaluation plan.</summary>
    internal virtual Tensor ForwardUnrecorded(Tensor input) => ForwardCore(input);

    /// <summary>
    /// Whether a Forward must keep what <see cref="Backward"/> needs: in training mode, and in evaluation mode
    /// while a Module differentiates an evaluation-mode forward (its <see cref="Module.Backward(Tensor)"/> recomputes
    /// the forward with this set, on the calling thread only).
    /// </summary>
    private protected bool KeepsForBackward => IsTraining || Graphs.GraphRecorder.KeepForBackward;

    /// <summary>
    /// Whether running <see cref="ForwardCore"/> again on the same input gives the same output and changes
    /// nothing else (no random draws, no running statistics): then a layer may be called more than once in one
    /// recorded forward (its earlier calls are recomputed before their backward). False by default.
    /// </summary>
    internal virtual bool IsRepeatable => false;

    /// <inheritdoc/>
    public abstract Tensor Backward(Tensor outputGradient);

    /// <inheritdoc/>
    public abstract int[] GetOutputShape(ReadOnlySpan<int> inputShape);

    /// <inheritdoc/>
    public virtual IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [];

    /// <inheritdoc/>
    public virtual IEnumerable<(string Name, Tensor Buffer)> NamedBuffers() => [];

    /// <summary>
    /// Appends the layer's ONNX nodes to <paramref name="graph"/>, reading <see cref="OnnxGraph.Current"/>;
    /// the last node's output is the layer's output. Each layer answers for itself; the default has no mapping.
    /// </summary>
    /// <param name="graph">The graph being built.</param>
    /// <param name="prefix">The layer's state-dict prefix (<c>3.</c>), which also names its nodes.</param>
    /// <param name="inputShape">The shape of the layer's input, batch first.</param>
    /// <exception cref="NotSupportedException">The layer, or this input for it, has no ONNX mapping.</exception>
    internal virtual void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => OnnxGraph.ThrowUnsupported(this, prefix);

    /// <summary>
    /// Floating-point operations of one forward pass for these shapes, 2 per multiply-add (the usual
    /// convention); layers whose work is not multiply-adds count 0.
    /// </summary>
    /// <param name="inputShape">The input's shape.</param>
    /// <param name="outputShape">The output's shape, as <see cref="GetOutputShape"/> gives it.</param>
    internal virtual long Flops(int[] inputShape, int[] outputShape) => 0;

    /// <summary>
    /// Adds the layer's stage to a model being compiled (see <see cref="StageCompiler"/>), taking from it
    /// the layers it fuses (a convolution takes the BatchNorm, activation and pool after it). Each layer
    /// answers for itself; the default, false, means no stage takes this layer here, and the model then
    /// runs layer by layer.
    /// </summary>
    /// <param name="compiler">The compiler, positioned after this layer, with the current map's shape.</param>
    /// <returns>Whether the layer was compiled.</returns>
    internal virtual bool Compile(StageCompiler compiler) => false;

    /// <summary>Whether the layer computes the identity in a compiled plan (Identity always, Dropout in evaluation): the compiler skips it.</summary>
    /// <param name="training">Whether the plan is the fused training step.</param>
    internal virtual bool IsIdentityIn(bool training) => false;

    /// <summary>The activation a convolution or dense stage right before this layer fuses into its epilogue, or <see cref="ActivationKind.None"/>.</summary>
    internal virtual ActivationKind FusedActivation => ActivationKind.None;

    /// <summary>The product of a shape's dimensions, as a long.</summary>
    private protected static long Product(ReadOnlySpan<int> shape)
    {
        long product = 1;
        foreach (int size in shape)
        {
            product *= size;
        }

        return product;
    }

    /// <inheritdoc/>
    public virtual void ZeroGrad()
    {
        foreach ((_, Parameter parameter) in NamedParameters())
        {
            parameter.Gradient.AsSpan().Clear();
        }
    }

    /// <summary>
    /// When set (by the <see cref="Training.Trainer"/>, which owns the model while it trains), Forward and
    /// Backward write into tensors the layer keeps from call to call instead of allocating new ones: a
    /// result is valid until the layer's next call. Off by default, so results never alias.
    /// </summary>
    internal bool ReuseBuffers { get; private set; }

    /// <summary>Turns buffer reuse on or off; containers pass it on to their children.</summary>
    internal virtual void SetReuseBuffers(bool reuse) => SetOwnReuseBuffers(reuse);

    /// <summary>Turns buffer reuse on or off for this layer alone.</summary>
    private protected void SetOwnReuseBuffers(bool reuse)
    {
        ReuseBuffers = reuse;
        if (!reuse)
        {
            (_outputBuffer, _inputGradientBuffer) = (null, null);
        }
    }

    /// <summary>
    /// The backward pass, optionally without the input gradient (a model's first layer needs none: it
    /// saves a third of the work of the first convolution). Returns null when not computed.
    /// </summary>
    /// <param name="outputGradient">∂loss/∂output.</param>
    /// <param name="needInputGradient">Whether to compute and return ∂loss/∂input.</param>
    /// <returns>∂loss/∂input, or null.</returns>
    internal virtual Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient) => Backward(outputGradient);

    /// <summary>A tensor for Forward's result: new, or the layer's own when <see cref="ReuseBuffers"/> is on.</summary>
    private protected Tensor OutputTensor(ReadOnlySpan<int> shape) => Buffer(ref _outputBuffer, shape);

    /// <summary>A tensor for Backward's result: new, or the layer's own when <see cref="ReuseBuffers"/> is on.</summary>
    private protected Tensor InputGradientTensor(ReadOnlySpan<int> shape) => Buffer(ref _inputGradientBuffer, shape);

    /// <summary>
    /// Checks a <see cref="Backward"/> call: a training-mode forward must have left <paramref name="cached"/>,
    /// and <paramref name="outputGradient"/> must have the shape of that forward's output.
    /// </summary>
    /// <param name="cached">What the last training-mode forward kept (null when there was none).</param>
    /// <param name="outputGradient">The gradient passed to Backward.</param>
    /// <param name="outputShape">The shape the last forward returned.</param>
    private protected void CheckBackward([NotNull] object? cached, [NotNull] Tensor? outputGradient, ReadOnlySpan<int> outputShape)
    {
        if (cached is null)
        {
            throw new InvalidOperationException($"{this}: Backward needs a Forward in training mode first (call Train() before Forward).");
        }

        if (outputGradient is null)
        {
            throw new ArgumentNullException(nameof(outputGradient), $"{this}: the output gradient is null.");
        }

        if (!outputGradient.Shape.SequenceEqual(outputShape))
        {
            throw new ArgumentException(
                $"{this}: expected an output gradient of the last output's shape {Tensor.FormatShape(outputShape)}, got {Tensor.FormatShape(outputGradient.Shape)}.",
                nameof(outputGradient));
        }
    }

    /// <summary>
    /// Whether <see cref="OutputTensor"/>'s and <see cref="InputGradientTensor"/>'s results are always overwritten in full
    /// (never read or accumulated into first): then a Module's training may hand out reused arrays (<see cref="Graphs.TrainingBufferPool"/>).
    /// </summary>
    internal virtual bool OverwritesResults => false;

    private Tensor Buffer(ref Tensor? slot, ReadOnlySpan<int> shape)
    {
        if (!ReuseBuffers)
        {
            return OverwritesResults && Graphs.TrainingBufferPool.Current is { } pool
                ? Tensor.Wrap(pool.Rent((int)Product(shape)), shape.ToArray())
                : new Tensor(shape.ToArray());
        }

        if (slot is null || !slot.Shape.SequenceEqual(shape))
        {
            slot = new Tensor(shape.ToArray());
        }

        return slot;
    }
}
