using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>densenet._Transition</c> (an <c>nn.Sequential</c> of <c>norm</c>, <c>relu</c>, <c>conv</c>,
/// <c>pool</c>): BatchNorm, ReLU, a 1×1 convolution and a 2×2 average pool between two dense blocks.
/// <c>[N, numInputFeatures, H, W] → [N, numOutputFeatures, H / 2, W / 2]</c>.
/// </summary>
public sealed class Transition : Module
{
    private readonly BatchNorm2d _norm;
    private readonly ReLU _relu;
    private readonly Conv2d _conv;
    private readonly AvgPool2d _pool;

    /// <summary>Creates the transition, like <c>_Transition(num_input_features, num_output_features)</c>.</summary>
    /// <param name="numInputFeatures">Input channels.</param>
    /// <param name="numOutputFeatures">Output channels (DenseNet halves them).</param>
    /// <param name="random">The source of the convolution's initial values; <see cref="Random.Shared"/> when null.</param>
    public Transition(int numInputFeatures, int numOutputFeatures, Random? random = null)
    {
        _norm = Register("norm", new BatchNorm2d(numInputFeatures));
        _relu = Register("relu", new ReLU());
        _conv = Register("conv", new Conv2d(numInputFeatures, numOutputFeatures, kernelSize: 1, stride: 1, bias: false, random: random));
        _pool = Register("pool", new AvgPool2d(kernelSize: 2, stride: 2));
    }

    /// <inheritdoc/>
    /// <remarks>The children in order, as <c>nn.Sequential</c>: <c>[N, Cin, H, W] → [N, Cout, H / 2, W / 2]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input) => _pool.Forward(_conv.Forward(_relu.Forward(_norm.Forward(input))));
}
