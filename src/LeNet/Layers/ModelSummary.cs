using System.Globalization;
using System.Text;

namespace LeNet.Layers;

/// <summary>The result of <see cref="Sequential.Summary"/>: per-layer output shapes and parameter counts.</summary>
public sealed class ModelSummary
{
    private readonly int[] _inputShape;

    /// <summary>Creates a summary.</summary>
    /// <param name="inputShape">The input shape the summary was computed for.</param>
    /// <param name="layers">One row per child layer.</param>
    public ModelSummary(ReadOnlySpan<int> inputShape, IReadOnlyList<LayerSummary> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _inputShape = inputShape.ToArray();
        Layers = layers;
        TotalParameters = layers.Sum(row => row.ParameterCount);
        TotalFlops = layers.Sum(row => row.Flops);
    }

    /// <summary>The input shape the summary was computed for.</summary>
    public ReadOnlySpan<int> InputShape => _inputShape;

    /// <summary>One row per child layer, in order.</summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>The number of scalar parameters in the whole model.</summary>
    public long TotalParameters { get; }

    /// <summary>Floating-point operations of one forward pass for the summarised input (2 per multiply-add).</summary>
    public long TotalFlops { get; }

    /// <summary>
    /// The d2l table, one line per layer (<c>Conv2d output shape: [1, 6, 28, 28]</c>), then
    /// <c>Total parameters: 61,706</c>.
    /// </summary>
    /// <returns>The table as text, lines separated by '\n'.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (LayerSummary row in Layers)
        {
            builder.Append(row.ToString()).Append('\n');
        }

        return builder.Append(CultureInfo.InvariantCulture, $"Total parameters: {TotalParameters:N0}").ToString();
    }
}
