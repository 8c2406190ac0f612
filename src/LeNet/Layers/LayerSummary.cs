namespace LeNet.Layers;

/// <summary>One row of <see cref="Sequential.Summary"/>: a child layer and the shape it outputs.</summary>
public sealed class LayerSummary
{
    private readonly int[] _outputShape;

    /// <summary>Creates a row.</summary>
    /// <param name="index">The child's index in the Sequential.</param>
    /// <param name="name">The child's <see cref="ILayer.Name"/>.</param>
    /// <param name="outputShape">The shape the child outputs.</param>
    /// <param name="parameterCount">The number of scalar parameters the child holds.</param>
    /// <param name="flops">The child's floating-point operations for the summarised input (2 per multiply-add).</param>
    public LayerSummary(int index, string name, ReadOnlySpan<int> outputShape, long parameterCount, long flops = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        Index = index;
        Name = name;
        _outputShape = outputShape.ToArray();
        ParameterCount = parameterCount;
        Flops = flops;
    }

    /// <summary>The child's index in the Sequential (its state-dict prefix).</summary>
    public int Index { get; }

    /// <summary>The child's name in its Sequential: its index as text (<c>"3"</c>) or the name it was given (<c>"conv1"</c>).</summary>
    public string Key { get; init; } = "";

    /// <summary>The child's type name, e.g. <c>Conv2d</c>.</summary>
    public string Name { get; }

    /// <summary>The shape the child outputs.</summary>
    public ReadOnlySpan<int> OutputShape => _outputShape;

    /// <summary>The number of scalar parameters the child holds.</summary>
    public long ParameterCount { get; }

    /// <summary>The child's floating-point operations for the summarised input, 2 per multiply-add (convolutions and dense layers; 0 for the rest).</summary>
    public long Flops { get; }

    /// <summary>The d2l line: <c>Conv2d output shape: [1, 6, 28, 28]</c>, led by the child's name when it was given one (<c>conv1: Conv2d output shape: …</c>).</summary>
    /// <returns>The row as text.</returns>
    public override string ToString() =>
        (Key.Length == 0 || Key == Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ? "" : Key + ": ") +
        $"{Name} output shape: {Tensor.FormatShape(_outputShape)}";
}
