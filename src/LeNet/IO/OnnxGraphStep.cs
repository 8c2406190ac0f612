using LeNet.Layers;

namespace LeNet.IO;

/// <summary>
/// One node of an imported ONNX graph as a step of <see cref="OnnxGraphModule"/>'s forward: a registered layer's
/// <see cref="ILayer.Forward"/>, or a computation over the values it reads (tensor operations, shape arithmetic).
/// </summary>
internal sealed class OnnxGraphStep
{
    private readonly Func<object[], object[]>? _compute;

    public OnnxGraphStep(OnnxNodeData node, int[] inputs, int[] outputs, ILayer? layer, Func<object[], object[]>? compute)
    {
        Node = node;
        Inputs = inputs;
        Outputs = outputs;
        Layer = layer;
        _compute = compute;
    }

    public OnnxNodeData Node { get; }

    /// <summary>The value slots read, in the node's input order (a layer reads one).</summary>
    public int[] Inputs { get; }

    /// <summary>The value slots written.</summary>
    public int[] Outputs { get; }

    /// <summary>The layer the node became, or null for a computation.</summary>
    public ILayer? Layer { get; }

    /// <summary>Runs the step on <paramref name="values"/>; when <paramref name="shapesOnly"/>, a layer returns zeros of its output shape (the import's shape pass).</summary>
    /// <exception cref="ArgumentException">A value does not fit the node (a shape); the message names the node.</exception>
    public void Run(object?[] values, bool shapesOnly)
    {
        object[] args = new object[Inputs.Length];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = values[Inputs[i]] ?? throw new InvalidOperationException($"{Node}: input '{Node.Inputs[i]}' was not computed.");
        }

        object[] results;
        try
        {
            if (Layer is not null)
            {
                Tensor x = ToTensor(args[0]);
                results = [shapesOnly ? new Tensor(Layer.GetOutputShape(x.Shape)) : Layer.Forward(x)];
            }
            else
            {
                results = _compute!(args);
            }
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Node}: {e.Message}", e);
        }

        for (int k = 0; k < Outputs.Length && k < results.Length; k++)
        {
            values[Outputs[k]] = results[k];
        }
    }

    public static Tensor ToTensor(object value) => value as Tensor ?? ((OnnxConst)value).AsTensor();
}
