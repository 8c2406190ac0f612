using LeNet.IO;

namespace LeNet.Layers;

/// <summary>log softmax(x) = x − log Σ eˣ along dimension <see cref="SoftmaxLayer.Dim"/>, numerically stable, like <c>torch.nn.LogSoftmax(dim)</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class LogSoftmax : SoftmaxLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dimension to normalise along (PyTorch's <c>dim</c>); negative counts from the end (−1 is the last). Checked against each input's rank.</param>
    public LogSoftmax(int dim)
        : base(dim)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(LogSoftmax);

    private protected override bool IsLog => true;

    /// <summary>Returns <c>LogSoftmax(dim=1)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"LogSoftmax(dim={Dim})";

    /// <remarks>Opset 13's LogSoftmax normalises along the one axis, as PyTorch does.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("LogSoftmax", this, prefix).Int("axis", DimArithmetic.Resolve(Dim, inputShape.Length, this));
}
