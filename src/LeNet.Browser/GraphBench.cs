using System.Diagnostics;
using System.Runtime.InteropServices.JavaScript;
using LeNet.Models.Vision;
using LeNet.Wasm;

namespace LeNet.Browser;

/// <summary>
/// A graph network in the page, for measurements (<c>window.lenetGraphBench</c>, <c>window.lenetGraphLogits</c>):
/// CifarResNet-20 with the weights <c>new CifarResNet([3, 3, 3], random: new Random(1))</c> draws, in evaluation
/// mode, batch 1 at 3×32×32 — its compiled segments emitted as WebAssembly (<see cref="WasmGraph"/>), each
/// instantiated against .NET's memory like the LeNets, the residual adds and the pool between them managed; or the
/// whole forward on the managed path. Built on first use.
/// </summary>
internal static partial class GraphBench
{
    private static readonly int[] Shape = [1, 3, 32, 32];
    private static CifarResNet? _model;
    private static WasmGraph? _graph;
    private static int[] _modules = [];
    private static nint[] _arenas = [];

    /// <summary>The logits of one image of 3072 values ([3, 32, 32]) on <paramref name="engine"/> ("wasm" or "managed").</summary>
    /// <param name="pixels">The image.</param>
    /// <param name="engine">"wasm" or "managed".</param>
    /// <returns>The 10 logits.</returns>
    [JSExport]
    public static double[] Logits(double[] pixels, string engine)
    {
        var image = new Tensor(Shape);
        for (int i = 0; i < pixels.Length && i < image.Length; i++)
        {
            image.AsSpan()[i] = (float)pixels[i];
        }

        return [.. Forward(image, engine).ToArray().Select(v => (double)v)];
    }

    /// <summary>The median of <paramref name="count"/> timed forwards (after 3 untimed ones), in milliseconds.</summary>
    /// <param name="count">Timed forwards.</param>
    /// <param name="engine">"wasm" or "managed".</param>
    /// <returns>The median.</returns>
    [JSExport]
    public static double Bench(int count, string engine)
    {
        var image = new Tensor(Shape);
        Span<float> values = image.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((i * 7919) % 997 / 498f) - 1f;
        }

        for (int i = 0; i < 3; i++)
        {
            Forward(image, engine);
        }

        var times = new double[Math.Max(1, count)];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Forward(image, engine);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static Tensor Forward(Tensor image, string engine) =>
        _graph is null ? throw new InvalidOperationException("GraphBench: call Load() first.")
        : engine == "managed" ? _model!.Forward(image) : _graph.Run(image, RunProgram);

    private static unsafe void RunProgram(int k, ReadOnlyMemory<float> input, Memory<float> output)
    {
        fixed (float* x = input.Span, y = output.Span)
        {
            WasmEngine.Forward(_modules[k], (int)_arenas[k], (int)x, (int)y);
        }
    }

    /// <summary>Emits and instantiates the network once; the hooks call it before <see cref="Logits"/> and <see cref="Bench"/>.</summary>
    /// <returns>A promise resolved once the network is ready.</returns>
    [JSExport]
    public static async Task Load()
    {
        if (_graph is not null)
        {
            return;
        }

        var model = new CifarResNet([3, 3, 3], random: new Random(1));
        model.Eval();
        WasmGraph graph = WasmGraph.Emit(model, new Tensor(Shape));
        int[] modules = new int[graph.Programs.Length];
        nint[] arenas = new nint[graph.Programs.Length];
        for (int k = 0; k < modules.Length; k++)
        {
            if (graph.Programs[k] is { } program)
            {
                arenas[k] = WasmEngine.Allocate(program.Arena);
                modules[k] = await WasmEngine.Instantiate(program.Module);
            }
        }

        (_model, _modules, _arenas, _graph) = (model, modules, arenas, graph);
    }
}
