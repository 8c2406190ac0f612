// The README's five-line quick start, run as a user would: LeNet from a package, pretrained weights,
// MNIST-style preprocessing of a grey picture, one answer per image with the full logits; then, with
// LeNet.Datasets, an MNIST folder (the first argument that is a folder) loaded and counted.
using System.Diagnostics;
using System.Globalization;
using LeNet;
using LeNet.Data;
using LeNet.Layers;
using LeNet.Models;

long start = Stopwatch.GetTimestamp();
bool first = true;
foreach (LeNetVariant variant in new[] { LeNetVariant.Modern, LeNetVariant.Classic })
{
    Sequential model = LeNetFactory.CreatePretrained(variant);
    foreach (string path in args.Where(File.Exists).Order(StringComparer.Ordinal))
    {
        (byte[] grey, int width, int height) = ReadPgm(path);
        float[] input = MnistPreprocessor.Preprocess(grey, width, height);
        DigitPrediction prediction = model.PredictDigit(input);
        Tensor logits = model.Forward(Tensor.FromArray(input, 1, 1, 28, 28));
        if (first)
        {
            Console.WriteLine(FormattableString.Invariant($"first-answer-ms {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1}"));
            first = false;
        }

        string values = string.Join(" ", logits.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        Console.WriteLine($"{variant} {Path.GetFileName(path)} {prediction.Digit} {values}");
    }
}

foreach (string folder in args.Where(Directory.Exists))
{
    Mnist mnist = Mnist.Load(folder);
    Sequential model = LeNetFactory.CreatePretrained(LeNetVariant.Modern);
    float[] images = mnist.Test.GetImages(0, mnist.Test.Count).ToArray();
    int[] labels = mnist.Test.GetLabels(0, mnist.Test.Count);
    int correct = 0;
    for (int i = 0; i < labels.Length; i++)
    {
        correct += model.PredictDigit(images.AsSpan(i * 784, 784)).Digit == labels[i] ? 1 : 0;
    }

    Console.WriteLine($"mnist train {mnist.Train.Count} test {mnist.Test.Count} first-test-label {labels[0]} correct {correct}");
}

return 0;

// Binary PGM (P5, 8-bit): the core package has no image decoder, and a PGM needs none.
static (byte[] Grey, int Width, int Height) ReadPgm(string path)
{
    byte[] data = File.ReadAllBytes(path);
    int at = 2;
    int Next()
    {
        while (char.IsWhiteSpace((char)data[at]))
        {
            at++;
        }

        int value = 0;
        while (char.IsAsciiDigit((char)data[at]))
        {
            value = (value * 10) + (data[at++] - '0');
        }

        return value;
    }

    int width = Next(), height = Next();
    _ = Next();
    return (data.AsSpan(at + 1, width * height).ToArray(), width, height);
}
