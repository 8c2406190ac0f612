using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>ops.misc.Permute</c>: <c>torch.permute(x, dims)</c> as a module, so a permutation can sit in a
/// <see cref="Sequential"/> (ConvNeXt's block goes channels-last and back). No parameters.
/// <c>[d0, d1, …] → [d_dims[0], d_dims[1], …]</c>.
/// </summary>
public sealed class Permute : Module
{
    private readonly int[] _dims;

    /// <summary>Creates the module, like <c>Permute(dims)</c>.</summary>
    /// <param name="dims">The new order of the dimensions, a permutation of 0 … rank − 1 (<c>[0, 2, 3, 1]</c>: NCHW → NHWC).</param>
    public Permute(int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        _dims = (int[])dims.Clone();
    }

    /// <summary>The new order of the dimensions.</summary>
    public IReadOnlyList<int> Dims => _dims;

    /// <inheritdoc/>
    /// <remarks><c>[d0, d1, …] → [d_dims[0], d_dims[1], …]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input) => input.Permute(_dims);

    /// <summary>Returns <c>Permute()</c>, as PyTorch prints it.</summary>
    /// <returns>The module's description.</returns>
    public override string ToString() => "Permute()";
}
