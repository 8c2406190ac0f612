using System.Globalization;
using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>densenet._DenseBlock</c>: <c>denselayer1</c> … <c>denselayerL</c>, each reading the concatenation of
/// the block's input and all earlier layers' outputs; the block returns that concatenation with the last layer's too.
/// <c>[N, C, H, W] → [N, C + L · growthRate, H, W]</c>.
/// </summary>
public sealed class DenseBlock : Module
{
    private readonly DenseLayer[] _layers;

    /// <summary>Creates the block, like <c>_DenseBlock(num_layers, num_input_features, bn_size, growth_rate, drop_rate)</c>.</summary>
    /// <param name="numLayers">L, the number of dense layers.</param>
    /// <param name="numInputFeatures">C, the input's channels.</param>
    /// <param name="bnSize">Each layer's bottleneck width as a multiple of <paramref name="growthRate"/>.</param>
    /// <param name="growthRate">The channels each layer adds.</param>
    /// <param name="dropRate">Dropout probability after each layer in training mode.</param>
    /// <param name="random">The source of the convolutions' initial values; <see cref="Random.Shared"/> when null.</param>
    public DenseBlock(int numLayers, int numInputFeatures, int bnSize, int growthRate, float dropRate, Random? random = null)
    {
        _layers = new DenseLayer[numLayers];
        for (int i = 0; i < numLayers; i++)
        {
            var layer = new DenseLayer(numInputFeatures + (i * growthRate), growthRate, bnSize, dropRate, random);
            _layers[i] = Register(string.Create(CultureInfo.InvariantCulture, $"denselayer{i + 1}"), layer);
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C + L · growthRate, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        var features = new List<Tensor> { input }; // init_features
        foreach (DenseLayer layer in _layers)
        {
            Tensor newFeatures = layer.Forward(features);
            features.Add(newFeatures);
        }

        return Tensor.Cat(features, 1);
    }
}
