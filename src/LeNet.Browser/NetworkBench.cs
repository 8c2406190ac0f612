using System.Diagnostics;
using System.Runtime.InteropServices.JavaScript;
using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Wasm;

namespace LeNet.Browser;

/// <summary>
/// torchvision-sized networks in the page, for measurements (<c>window.lenetNetworkBench</c>,
/// <c>window.lenetNetworkLogits</c>): <c>resnet18</c> and <c>mobilenet_v2</c> (1000 classes) at 3×224×224, batch 1,
/// in evaluation mode, each emitted whole as one WebAssembly module (<see cref="WasmNetwork"/>: every feature map
/// stays in .NET's linear memory, no managed step between layers) and instantiated against .NET's memory like the
/// LeNets. The weights are drawn in the page from a fixed seed (<see cref="Create"/>), so nothing is downloaded.
/// Built on first use; the managed path is not offered here (seconds per forward on the interpreter).
/// </summary>
internal static partial class NetworkBench
{
    private static readonly Dictionary<string, (int Module, nint Arena, int InputLength, int OutputLength)> Loaded = [];
    private static string _lastLoad = "";

    /// <summary>
    /// The network <paramref name="name"/> with its weights: every parameter of rank ≥ 2 uniform in ±√(6 / fan-in)
    /// (fan-in = its length / its first dimension), drawn in <c>NamedParameters()</c> order from the LCG
    /// state ← state · 6364136223846793005 + 1442695040888963407 (state 1 first), u = (state &gt;&gt; 40) / 2²⁴;
    /// biases 0; BatchNorm's weight 1, bias 0, running mean 0 and variance 1. The browser test draws the same.
    /// </summary>
    internal static Module Create(string name)
    {
        Module model = name switch
        {
            // Unseeded: the initial values are overwritten below, and the unseeded draw takes the library's fast generator.
            "resnet18" => new ResNet(ResNetBlock.BasicBlock, [2, 2, 2, 2], numClasses: 1000),
            "mobilenet_v2" => new MobileNetV2(numClasses: 1000),
            _ => throw new ArgumentException($"NetworkBench: unknown network '{name}'; expected 'resnet18' or 'mobilenet_v2'.", nameof(name)),
        };
        // A 64-bit LCG inline (Knuth's MMIX constants), its top 24 bits a uniform in [0, 1): on the interpreter a
        // tight loop the Jiterpreter compiles, unlike a call into Random per value (11.7 M values for resnet18).
        ulong state = 1;
        foreach ((string key, Parameter parameter) in model.NamedParameters())
        {
            Span<float> values = parameter.Value.AsSpan();
            if (parameter.Value.Rank >= 2)
            {
                float bound = MathF.Sqrt(6f / (values.Length / parameter.Value.Shape[0]));
                for (int i = 0; i < values.Length; i++)
                {
                    state = (state * 6364136223846793005UL) + 1442695040888963407UL;
                    values[i] = ((((state >> 40) * (1f / 16777216f)) * 2f) - 1f) * bound;
                }
            }
            else
            {
                values.Fill(key.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f);
            }
        }

        model.Eval();
        return model;
    }

    /// <summary>Emits and instantiates <paramref name="name"/> once; the hooks call it first.</summary>
    /// <param name="name">"resnet18" or "mobilenet_v2".</param>
    /// <returns>A promise resolved once the network is ready.</returns>
    [JSExport]
    public static async Task Load(string name)
    {
        if (Loaded.ContainsKey(name))
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        Module model = Create(name);
        long created = Stopwatch.GetTimestamp();
        WasmProgram program = WasmNetwork.Emit(model, [3, 224, 224]);
        long emitted = Stopwatch.GetTimestamp();
        nint arena = WasmEngine.Allocate(program.Arena);
        int module = await WasmEngine.Instantiate(program.Module);
        Loaded[name] = (module, arena, program.InputLength, program.OutputLength);
        _lastLoad = $"create {Stopwatch.GetElapsedTime(start, created).TotalMilliseconds:F0} ms, emit {Stopwatch.GetElapsedTime(created, emitted).TotalMilliseconds:F0} ms, "
            + $"allocate and instantiate {Stopwatch.GetElapsedTime(emitted).TotalMilliseconds:F0} ms; module {program.Module.Length} bytes, arena {program.ArenaBytes / 1048576.0:F1} MB";
    }

    /// <summary>Where the last <see cref="Load"/> spent its time, and the module's and arena's sizes.</summary>
    /// <returns>A line of text.</returns>
    [JSExport]
    public static string LastLoad() => _lastLoad;

    /// <summary>The 1000 logits of one image of 150528 values ([3, 224, 224]).</summary>
    /// <param name="name">"resnet18" or "mobilenet_v2".</param>
    /// <param name="pixels">The image.</param>
    /// <returns>The logits.</returns>
    [JSExport]
    public static double[] Logits(string name, double[] pixels)
    {
        (_, _, int inputLength, int outputLength) = Loaded[name];
        var image = new float[inputLength];
        for (int i = 0; i < pixels.Length && i < image.Length; i++)
        {
            image[i] = (float)pixels[i];
        }

        var logits = new float[outputLength];
        Forward(name, image, logits);
        return [.. logits.Select(v => (double)v)];
    }

    /// <summary>The median of <paramref name="count"/> timed forwards (after 2 untimed ones), in milliseconds.</summary>
    /// <param name="name">"resnet18" or "mobilenet_v2".</param>
    /// <param name="count">Timed forwards.</param>
    /// <returns>The median.</returns>
    [JSExport]
    public static double Bench(string name, int count)
    {
        (_, _, int inputLength, int outputLength) = Loaded[name];
        var image = new float[inputLength];
        for (int i = 0; i < image.Length; i++)
        {
            image[i] = ((i * 7919) % 997 / 498f) - 1f;
        }

        var logits = new float[outputLength];
        for (int i = 0; i < 2; i++)
        {
            Forward(name, image, logits);
        }

        var times = new double[Math.Max(1, count)];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Forward(name, image, logits);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static unsafe void Forward(string name, float[] image, float[] logits)
    {
        (int module, nint arena, _, _) = Loaded[name];
        fixed (float* x = image, y = logits)
        {
            WasmEngine.Forward(module, (int)arena, (int)x, (int)y);
        }
    }
}
