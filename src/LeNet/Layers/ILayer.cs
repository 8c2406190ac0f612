namespace LeNet.Layers;

/// <summary>
/// A layer of a network: a function from an input tensor to an output tensor, with named parameters.
/// The counterpart of <c>torch.nn.Module</c>.
/// </summary>
/// <remarks>
/// <para>In evaluation mode (<see cref="Eval"/>) <see cref="Forward"/> keeps no per-call state, so one
/// model may be called concurrently from many threads (a whole web server can share it).</para>
/// <para>In training mode (<see cref="Train"/>, the default, as in PyTorch) <see cref="Forward"/> also
/// remembers what <see cref="Backward"/> needs (references to its input or output, no copies), so a
/// model in training mode belongs to one thread at a time.</para>
/// </remarks>
public interface ILayer
{
    /// <summary>The layer's type name as PyTorch prints it (<c>Conv2d</c>, <c>Linear</c>, …).</summary>
    string Name { get; }

    /// <summary>Computes the layer's output for a batch.</summary>
    /// <param name="input">The input batch; each layer documents the shape it accepts.</param>
    /// <returns>A new tensor holding the output (some layers, like <see cref="Flatten"/>, return a view of the input).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">The input's shape does not fit the layer; the message names the layer, the expected and the actual shape.</exception>
    Tensor Forward(Tensor input);

    /// <summary>
    /// Back-propagates through the last training-mode <see cref="Forward"/>: returns the gradient of the
    /// loss with respect to that forward's input, and adds the gradients of the layer's parameters into
    /// their <see cref="Parameter.Gradient"/> (accumulates; <see cref="ZeroGrad"/> clears).
    /// </summary>
    /// <param name="outputGradient">∂loss/∂output, the shape of the last forward's output.</param>
    /// <returns>∂loss/∂input, the shape of the last forward's input.</returns>
    /// <exception cref="ArgumentException">The gradient's shape is not the last output's.</exception>
    /// <exception cref="InvalidOperationException">No training-mode forward preceded this call.</exception>
    Tensor Backward(Tensor outputGradient);

    /// <summary>Whether the layer is in training mode (the default), like <c>module.training</c>.</summary>
    bool IsTraining { get; }

    /// <summary>Sets training mode (or evaluation mode when <paramref name="mode"/> is false), like <c>module.train(mode)</c>; containers pass it on to their children.</summary>
    /// <param name="mode">True for training, false for evaluation.</param>
    void Train(bool mode = true);

    /// <summary>Sets evaluation mode, like <c>module.eval()</c>: forward keeps nothing for backward and is thread-safe.</summary>
    void Eval();

    /// <summary>Sets every parameter's gradient to zero, like <c>module.zero_grad(set_to_none=False)</c>.</summary>
    void ZeroGrad();

    /// <summary>The shape <see cref="Forward"/> returns for an input of shape <paramref name="inputShape"/>, without computing anything.</summary>
    /// <param name="inputShape">The input's shape.</param>
    /// <returns>The output's shape, as a new array.</returns>
    /// <exception cref="ArgumentException">The input shape does not fit the layer.</exception>
    int[] GetOutputShape(ReadOnlySpan<int> inputShape);

    /// <summary>The layer's parameters with their PyTorch state-dict names (<c>weight</c>, <c>bias</c>, <c>0.weight</c> in a <see cref="Sequential"/>).</summary>
    /// <returns>The parameters in PyTorch's registration order; empty for layers without parameters.</returns>
    IEnumerable<(string Name, Parameter Parameter)> NamedParameters();

    /// <summary>
    /// The layer's buffers (state that is saved but not learned, such as BatchNorm's running statistics)
    /// with their PyTorch state-dict names, like <c>module.named_buffers()</c>.
    /// </summary>
    /// <returns>The buffers in PyTorch's registration order; empty (the default) for layers without buffers.</returns>
    IEnumerable<(string Name, Tensor Buffer)> NamedBuffers() => [];
}
