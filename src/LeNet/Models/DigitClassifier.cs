using System.Numerics.Tensors;
using LeNet.Layers;

namespace LeNet.Models;

/// <summary>One-image convenience on a digit model: image in, <see cref="DigitPrediction"/> out.</summary>
public static class DigitClassifier
{
    /// <summary>
    /// Classifies one 28×28 image, MNIST-style (white ink on black, values in [0, 1]; see
    /// <see cref="Data.MnistPreprocessor"/> to make one from a picture): a forward pass and a softmax.
    /// </summary>
    /// <param name="model">A model taking [N, 1, 28, 28] to [N, classes] logits, such as a trained LeNet. Thread-safe in evaluation mode.</param>
    /// <param name="image">784 values, row-major.</param>
    /// <returns>The most likely digit and the class probabilities.</returns>
    /// <exception cref="ArgumentException">The image does not have 784 values, or the model does not output [1, classes].</exception>
    public static DigitPrediction PredictDigit(this Module model, ReadOnlySpan<float> image)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (image.Length != 28 * 28)
        {
            throw new ArgumentException($"PredictDigit: expected a 28×28 image of 784 values, got {image.Length}.", nameof(image));
        }

        Tensor logits = model.Forward(Tensor.FromArray(image.ToArray(), 1, 1, 28, 28));
        if (logits.Rank != 2 || logits.Shape[0] != 1)
        {
            throw new ArgumentException($"PredictDigit: the model must output [1, classes] logits, got {Tensor.FormatShape(logits.Shape)}.", nameof(model));
        }

        // exp(z − max z) / Σ: the shift keeps large logits from overflowing.
        var probabilities = new float[logits.Length];
        TensorPrimitives.Subtract(logits.AsSpan(), TensorPrimitives.Max(logits.AsSpan()), probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        TensorPrimitives.Divide(probabilities, TensorPrimitives.Sum(probabilities), probabilities);
        return new DigitPrediction(TensorPrimitives.IndexOfMax(probabilities), probabilities);
    }

    /// <summary>
    /// Classifies a picture of one handwritten digit, any size, dark ink on light or light on dark: made
    /// MNIST-like by <see cref="Data.MnistPreprocessor"/> (cropped, fitted into 20×20, centred by mass in 28×28),
    /// then <see cref="PredictDigit(Module, ReadOnlySpan{float})"/>. What the web app's server and the
    /// WebAssembly app's page both do with a drawing.
    /// </summary>
    /// <param name="model">A model taking [N, 1, 28, 28] to [N, classes] logits, such as <see cref="LeNetFactory.CreatePretrained"/>.</param>
    /// <param name="grey">The pixels, row-major, 0 = black … 255 = white, <paramref name="width"/>·<paramref name="height"/> of them.</param>
    /// <param name="width">The picture's width (≥ 1).</param>
    /// <param name="height">The picture's height (≥ 1).</param>
    /// <returns>The most likely digit and the class probabilities.</returns>
    /// <exception cref="ArgumentException">The buffer length is not width·height, a size is not positive, or the model does not output [1, classes].</exception>
    public static DigitPrediction PredictDigit(this Module model, ReadOnlySpan<byte> grey, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(model);
        Span<float> image = stackalloc float[Data.MnistPreprocessor.Size * Data.MnistPreprocessor.Size];
        Data.MnistPreprocessor.Preprocess(grey, width, height, image);
        return model.PredictDigit(image);
    }
}
