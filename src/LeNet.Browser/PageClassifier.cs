using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices.JavaScript;
using System.Runtime.Versioning;
using LeNet.Layers;
using LeNet.Models;

// The app runs only in the browser: [JSImport]/[JSExport] need its JavaScript host.
[assembly: SupportedOSPlatform("browser")]

namespace LeNet.Browser;

/// <summary>
/// LeNet for the page's script (classifier.js): both pretrained models, loaded once, each as emitted
/// WebAssembly and on the managed path; one call that reads the canvas's grey pixels and answers with the
/// digit, the ten probabilities and how long it took; the page's measurement hooks (lenetLogits, lenetBench).
/// </summary>
internal static partial class PageClassifier
{
    private static readonly Dictionary<string, Engines> Models = [];

    /// <summary>
    /// Loads both pretrained models (weights embedded in LeNet), compiles each for the managed path
    /// (<see cref="Inference.Predictor"/>) and, in a browser, emits and instantiates its WebAssembly
    /// (<see cref="WasmEngine"/>; where that fails the managed path answers), then runs each once, so the
    /// first drawing is answered at full speed.
    /// </summary>
    public static async Task LoadAsync()
    {
        foreach ((string name, LeNetVariant variant) in new[] { ("modern", LeNetVariant.Modern), ("classic", LeNetVariant.Classic) })
        {
            Sequential network = LeNetFactory.CreatePretrained(variant);
            WasmEngine? wasm = null;
            if (OperatingSystem.IsBrowser())
            {
                try
                {
                    wasm = await WasmEngine.CreateAsync(network);
                }
                catch (Exception e) when (e is NotSupportedException or JSException)
                {
                    Console.WriteLine($"LeNet: the {name} model runs on the managed path: {e.Message}");
                }
            }

            Models[name] = new Engines(new Inference.Predictor(network, 1, 28, 28), wasm);
        }

        // A short bar: ink in a 28×28 picture, enough to take every path a drawing takes. The managed path
        // is not warmed here (its first run takes 0.2–0.4 s on the interpreter): the page times it after
        // each answer (TimeManaged), so it never delays one.
        foreach (Engines engines in Models.Values)
        {
            engines.Logits(WarmUpImage, useWasm: true);
        }
    }

    /// <summary>A horizontal bar across the middle of a 28×28 picture.</summary>
    private static float[] WarmUpImage
    {
        get
        {
            var image = new float[28 * 28];
            image.AsSpan(14 * 28, 28).Fill(1f);
            return image;
        }
    }

    /// <summary>Tells the page the models are ready: <c>window.lenetClassifier.dotnetReady()</c>.</summary>
    [JSImport("globalThis.lenetClassifier.dotnetReady")]
    public static partial void NotifyReady();

    /// <summary>Whether <see cref="System.Runtime.Intrinsics.Vector128"/> is accelerated here (WebAssembly SIMD): the kernels' Vector128 paths then run.</summary>
    /// <returns><see cref="System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated"/>.</returns>
    [JSExport]
    public static bool Vector128Accelerated() => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;

    /// <summary>Whether <paramref name="model"/> runs as emitted WebAssembly (else on the managed path).</summary>
    /// <param name="model">"classic" or "modern".</param>
    /// <returns>True when the page instantiated its module.</returns>
    [JSExport]
    public static bool UsesWasm(string model) => Get(model).Wasm is not null;

    /// <summary>
    /// Classifies a drawing: grey pixels (0 black … 255 white, row-major) preprocessed like MNIST
    /// (<see cref="Data.MnistPreprocessor"/>), then the logits of the emitted WebAssembly (the managed
    /// predictor where there is none) and their softmax. The image is kept for <see cref="TimeManaged"/>.
    /// </summary>
    /// <param name="grey">The canvas's pixels as grey values, <paramref name="width"/>·<paramref name="height"/> of them.</param>
    /// <param name="width">The canvas width.</param>
    /// <param name="height">The canvas height.</param>
    /// <param name="model">"classic" or "modern".</param>
    /// <returns>[digit, microseconds, p(0) … p(9)]: one array, the cheapest answer to marshal to JavaScript.</returns>
    [JSExport]
    public static double[] Classify(byte[] grey, int width, int height, string model)
    {
        Engines engines = Get(model);
        long start = Stopwatch.GetTimestamp();
        float[] image = Data.MnistPreprocessor.Preprocess(grey, width, height);
        float[] logits = engines.Logits(image, useWasm: true);
        var probabilities = new float[logits.Length];
        TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        TensorPrimitives.Divide(probabilities, TensorPrimitives.Sum(probabilities), probabilities);
        double microseconds = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        engines.LastImage = image;

        var answer = new double[2 + probabilities.Length];
        answer[0] = TensorPrimitives.IndexOfMax(probabilities);
        answer[1] = microseconds;
        for (int i = 0; i < probabilities.Length; i++)
        {
            answer[2 + i] = probabilities[i];
        }

        return answer;
    }

    /// <summary>The managed path's time on the last drawing <see cref="Classify"/> read with <paramref name="model"/>, for the page's status line (the page calls it after showing the answer).</summary>
    /// <param name="model">"classic" or "modern".</param>
    /// <returns>Microseconds of the managed predictor's forward; 0 when the model runs on the managed path anyway, or has read no drawing yet.</returns>
    [JSExport]
    public static double TimeManaged(string model)
    {
        Engines engines = Get(model);
        if (engines.Wasm is null || engines.LastImage is not float[] image)
        {
            return 0;
        }

        long start = Stopwatch.GetTimestamp();
        engines.Logits(image, useWasm: false);
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    /// <summary>The 10 logits for 784 pixels in [0, 1] (white ink on black), as <see cref="Classify"/> computes them after preprocessing: <c>window.lenetLogits</c>.</summary>
    /// <param name="model">"classic" or "modern".</param>
    /// <param name="pixels">784 values, row-major.</param>
    /// <param name="engine">"wasm" (the page's engine: the emitted WebAssembly, or the managed path without it) or "managed".</param>
    /// <returns>The logits.</returns>
    [JSExport]
    public static double[] Logits(string model, double[] pixels, string engine)
    {
        if (pixels.Length != 28 * 28)
        {
            throw new ArgumentException($"lenetLogits: expected 784 pixels, got {pixels.Length}.", nameof(pixels));
        }

        float[] image = [.. pixels.Select(p => (float)p)];
        return [.. Get(model).Logits(image, useWasm: engine != "managed").Select(l => (double)l)];
    }

    /// <summary>
    /// The median of <paramref name="count"/> timed batch-1 forwards of <paramref name="model"/> (network only:
    /// the image is ready, the logits stay in .NET), in milliseconds, after 20 untimed ones: <c>window.lenetBench</c>.
    /// </summary>
    /// <param name="model">"classic" or "modern".</param>
    /// <param name="count">Timed forwards.</param>
    /// <param name="engine">"wasm" (the page's engine) or "managed".</param>
    /// <returns>The median, in milliseconds (as fine as the page's clock: performance.now()).</returns>
    [JSExport]
    public static double Bench(string model, int count, string engine)
    {
        Engines engines = Get(model);
        bool useWasm = engine != "managed";
        float[] image = WarmUpImage;
        for (int i = 0; i < 20; i++)
        {
            engines.Logits(image, useWasm);
        }

        var times = new double[Math.Max(1, count)];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            engines.Logits(image, useWasm);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static Engines Get(string model) =>
        Models.GetValueOrDefault(model) ?? throw new ArgumentException($"PageClassifier: unknown model '{model}' (expected 'modern' or 'classic'), or called before LoadAsync.", nameof(model));

    /// <summary>One model's two engines: the managed predictor and the emitted WebAssembly (null where unavailable), with their logits buffer.</summary>
    private sealed class Engines(Inference.Predictor managed, WasmEngine? wasm)
    {
        private readonly float[] _logits = new float[10];

        public WasmEngine? Wasm { get; } = wasm;

        /// <summary>The last drawing read, preprocessed.</summary>
        public float[]? LastImage { get; set; }

        /// <summary>The logits of <paramref name="image"/> (a buffer reused by the next call).</summary>
        public float[] Logits(float[] image, bool useWasm)
        {
            if (useWasm && Wasm is not null)
            {
                Wasm.Predict(image, _logits);
            }
            else
            {
                managed.Predict(image, _logits);
            }

            return _logits;
        }
    }
}
