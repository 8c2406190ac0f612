using LeNet.IO;

namespace LeNet.Layers;

/// <summary>softmin(x) = softmax(−x) along dimension <see cref="SoftmaxLayer.Dim"/>, numerically stable, like <c>torch.nn.Softmin(dim)</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class Softmin : SoftmaxLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dimension to normalise along (PyTorch's <c>dim</c>); negative counts from the end (−1 is the last). Checked against each input's rank.</param>
    public Softmin(int dim)
        : base(dim)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(Softmin);

    private protected override bool IsLog => false;

    private protected override bool Negates => true;

    /// <summary>Returns <c>Softmin(dim=1)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"Softmin(dim={Dim})";

    /// <remarks>Neg, then Softmax along the axis (opset 13 normalises along that one axis, as PyTorch does).</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        string negated = graph.AddNode("Neg", prefix, graph.Current).Output;
        graph.AddNode("Softmax", prefix, negated).Int("axis", DimArithmetic.Resolve(Dim, inputShape.Length, this));
    }
}
