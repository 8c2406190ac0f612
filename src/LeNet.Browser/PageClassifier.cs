using System.Diagnostics;
using System.Runtime.InteropServices.JavaScript;
using System.Runtime.Versioning;
using LeNet.Layers;
using LeNet.Models;

// The app runs only in the browser: [JSImport]/[JSExport] need its JavaScript host.
[assembly: SupportedOSPlatform("browser")]

namespace LeNet.Browser;

/// <summary>
/// LeNet for the page's script (classifier.js): both pretrained models, loaded once, and one call that reads
/// the canvas's grey pixels and answers with the digit, the ten probabilities and how long it took.
/// </summary>
internal static partial class PageClassifier
{
    private static Sequential? _classic;
    private static Sequential? _modern;
    private static Inference.Predictor? _classicPredictor;
    private static Inference.Predictor? _modernPredictor;

    /// <summary>Loads both pretrained models (weights embedded in LeNet) and runs each once, so the first drawing is answered at full speed.</summary>
    public static void Load()
    {
        _classic = LeNetFactory.CreatePretrained(LeNetVariant.Classic);
        _modern = LeNetFactory.CreatePretrained(LeNetVariant.Modern);

        // A short bar: ink in a 28×28 picture, enough to take every path a drawing takes.
        var warmUp = new byte[28 * 28];
        warmUp.AsSpan(14 * 28, 28).Fill(255);
        _classic.PredictDigit(warmUp, 28, 28);
        _modern.PredictDigit(warmUp, 28, 28);
    }

    /// <summary>Tells the page the models are ready: <c>window.lenetClassifier.dotnetReady()</c>.</summary>
    [JSImport("globalThis.lenetClassifier.dotnetReady")]
    public static partial void NotifyReady();

    /// <summary>Whether <see cref="System.Runtime.Intrinsics.Vector128"/> is accelerated here (WebAssembly SIMD): the kernels' Vector128 paths then run.</summary>
    /// <returns><see cref="System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated"/>.</returns>
    [JSExport]
    public static bool Vector128Accelerated() => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;

    /// <summary>
    /// Classifies a drawing: grey pixels (0 black … 255 white, row-major) preprocessed and classified by the
    /// library (<see cref="DigitClassifier.PredictDigit(Module, ReadOnlySpan{byte}, int, int)"/>).
    /// </summary>
    /// <param name="grey">The canvas's pixels as grey values, <paramref name="width"/>·<paramref name="height"/> of them.</param>
    /// <param name="width">The canvas width.</param>
    /// <param name="height">The canvas height.</param>
    /// <param name="model">"classic" or "modern".</param>
    /// <returns>[digit, microseconds, p(0) … p(9)]: one array, the cheapest answer to marshal to JavaScript.</returns>
    [JSExport]
    public static double[] Classify(byte[] grey, int width, int height, string model)
    {
        Sequential network = (model == "classic" ? _classic : _modern)
            ?? throw new InvalidOperationException("PageClassifier: Classify was called before Load.");
        long start = Stopwatch.GetTimestamp();
        DigitPrediction prediction = network.PredictDigit(grey, width, height);
        double microseconds = Stopwatch.GetElapsedTime(start).TotalMicroseconds;

        var answer = new double[2 + prediction.Probabilities.Length];
        answer[0] = prediction.Digit;
        answer[1] = microseconds;
        for (int i = 0; i < prediction.Probabilities.Length; i++)
        {
            answer[2 + i] = prediction.Probabilities[i];
        }

        return answer;
    }

    /// <summary>Where <see cref="Classify"/>'s time goes, for the README's figures: the two steps timed apart.</summary>
    /// <param name="grey">The canvas's pixels as grey values.</param>
    /// <param name="width">The canvas width.</param>
    /// <param name="height">The canvas height.</param>
    /// <param name="model">"classic" or "modern".</param>
    /// <returns>[preprocessing µs (<see cref="Data.MnistPreprocessor"/>), <see cref="Layer.Forward"/> and softmax µs,
    /// the compiled <see cref="Inference.Predictor"/>'s µs for the same image].</returns>
    [JSExport]
    public static double[] TimeSteps(byte[] grey, int width, int height, string model)
    {
        Sequential network = (model == "classic" ? _classic : _modern)
            ?? throw new InvalidOperationException("PageClassifier: TimeSteps was called before Load.");
        long start = Stopwatch.GetTimestamp();
        float[] image = Data.MnistPreprocessor.Preprocess(grey, width, height);
        long preprocessed = Stopwatch.GetTimestamp();
        network.PredictDigit(image);
        long forwarded = Stopwatch.GetTimestamp();
        Inference.Predictor predictor = model == "classic"
            ? _classicPredictor ??= new Inference.Predictor(network, 1, 28, 28)
            : _modernPredictor ??= new Inference.Predictor(network, 1, 28, 28);
        Span<float> logits = stackalloc float[10];
        long compiled = Stopwatch.GetTimestamp();
        predictor.Predict(image, logits);
        return [
            Stopwatch.GetElapsedTime(start, preprocessed).TotalMicroseconds,
            Stopwatch.GetElapsedTime(preprocessed, forwarded).TotalMicroseconds,
            Stopwatch.GetElapsedTime(compiled).TotalMicroseconds,
        ];
    }
}
