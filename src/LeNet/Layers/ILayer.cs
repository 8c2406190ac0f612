namespace LeNet.Layers;

/// <summary>
/// A layer of a network: a function from an input tensor to an output tensor, with named parameters.
/// The counterpart of <c>torch.nn.Module</c>.
/// </summary>
/// <remarks>
/// <see cref="Forward"/> on one layer may be called concurrently from many threads: layers keep no
/// per-call state, so one model can serve a whole web server.
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

    /// <summary>The shape <see cref="Forward"/> returns for an input of shape <paramref name="inputShape"/>, without computing anything.</summary>
    /// <param name="inputShape">The input's shape.</param>
    /// <returns>The output's shape, as a new array.</returns>
    /// <exception cref="ArgumentException">The input shape does not fit the layer.</exception>
    int[] GetOutputShape(ReadOnlySpan<int> inputShape);

    /// <summary>The layer's parameters with their PyTorch state-dict names (<c>weight</c>, <c>bias</c>, <c>0.weight</c> in a <see cref="Sequential"/>).</summary>
    /// <returns>The parameters in PyTorch's registration order; empty for layers without parameters.</returns>
    IEnumerable<(string Name, Parameter Parameter)> NamedParameters();
}
