// The README's five-line quick start, run as a user would: LeNet from a package, pretrained weights,
// MNIST-style preprocessing of a grey picture, one answer per image with the full logits.
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
    foreach (string path in args.Order(StringComparer.Ordinal))
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
