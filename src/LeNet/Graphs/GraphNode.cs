using LeNet.Layers;

namespace LeNet.Graphs;

/// <summary>One step of a recorded forward: a layer call or a tensor operation, with the tensors it read and wrote.</summary>
internal abstract class GraphNode(Tensor[] inputs, Tensor output)
{
    /// <summary>The tensors the step read, in order (a layer call reads one).</summary>
    public Tensor[] Inputs { get; } = inputs;

    /// <summary>The tensor the step returned.</summary>
    public Tensor Output { get; } = output;
}

/// <summary>A call of a leaf layer (any <see cref="ILayer"/> that is not a <see cref="Module"/>): its backward is the layer's own.</summary>
internal sealed class LayerCall(ILayer layer, Tensor input, Tensor output) : GraphNode([input], output)
{
    public ILayer Layer { get; } = layer;

    public Tensor Input => Inputs[0];
}

/// <summary>A tensor operation (<c>+</c>, <c>Cat</c>, <c>Reshape</c>, …): a pure function of its inputs with its own backward.</summary>
internal sealed class OpCall(TensorOp op, Tensor[] inputs, Tensor output) : GraphNode(inputs, output)
{
    public TensorOp Op { get; } = op;
}
