using System.Text.Json;
using LeNet.IO;
using LeNet.Models;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LeNet.Browser.Tests;

/// <summary>
/// The emitted WebAssembly in Chromium: its logits against the managed path's (<c>window.lenetLogits</c>
/// with either engine) for both pretrained models and a set of drawings, and side by side in the same page
/// with onnxruntime-web (wasm backend, one thread) on the same weights exported as ONNX, whose logits it
/// must also match; the timings (<c>window.lenetBench</c> against <c>session.run</c>) go to
/// artifacts/browser/side-by-side.json and the test log, never into an assertion.
/// </summary>
public partial class AppTests
{
    /// <summary>Drawings as the page's preprocessing leaves them: strokes in a 20×20 box centred in 28×28, white ink on black.</summary>
    private static double[][] Drawings => [.. FloatDrawings.Select(d => d.Select(v => (double)v).ToArray())];

    private static float[][] FloatDrawings =>
    [
        Rasterize(Zero),
        Rasterize(One),
        Rasterize(Seven),
        Rasterize([[(0.3, 0.3), (0.7, 0.3), (0.7, 0.5), (0.3, 0.5), (0.3, 0.8), (0.7, 0.8)]]),
        Rasterize([[(0.35, 0.2), (0.35, 0.5), (0.65, 0.5)], [(0.6, 0.2), (0.6, 0.85)]]),
        new float[28 * 28],
        [.. Enumerable.Range(0, 28 * 28).Select(i => (float)((i * 7919 % 997) / 996.0))],
    ];

    /// <summary>Where onnxruntime-web's dist/ is: LENET_ONNXRUNTIME_WEB, or where .ci/run installs it with npm.</summary>
    private static string OnnxRuntimeWebDist => Environment.GetEnvironmentVariable("LENET_ONNXRUNTIME_WEB") is { Length: > 0 } path
        ? path
        : Path.Combine(PublishedSite.RepositoryRoot, "artifacts", "onnxruntime-web", "node_modules", "onnxruntime-web", "dist");

    [Fact]
    public async Task LenetLogits_EmittedWasm_MatchesManagedPath()
    {
        // A server of its own: the drawing test's log of what the page downloads stays its own.
        using var server = new StaticSiteServer(site.WebRoot);
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await LaunchAsync(playwright);
        IPage page = await OpenAsync(browser, server.Address);

        foreach (string model in new[] { "modern", "classic" })
        {
            foreach (double[] drawing in Drawings)
            {
                double[] wasm = await page.EvaluateAsync<double[]>("([m, p]) => window.lenetLogits(m, p)", new object[] { model, drawing });
                double[] managed = await page.EvaluateAsync<double[]>("([m, p]) => window.lenetLogits(m, p, 'managed')", new object[] { model, drawing });

                wasm.Should().HaveCount(10);
                MaxDifference(wasm, managed).Should().BeLessThan(1e-5, $"the {model} model's emitted WebAssembly computes what the managed path computes (WebAssembly [{string.Join(", ", wasm)}], managed [{string.Join(", ", managed)}])");
            }
        }
    }

    [Fact]
    public async Task SideBySide_OnnxRuntimeWeb_SameLogitsAndTimed()
    {
        string dist = OnnxRuntimeWebDist;
        File.Exists(Path.Combine(dist, "ort.wasm.min.mjs")).Should().BeTrue(
            $"the side-by-side test serves onnxruntime-web 1.31.1 from {dist}; install it with `npm install --prefix artifacts/onnxruntime-web onnxruntime-web@1.31.1` or set LENET_ONNXRUNTIME_WEB to its dist folder");
        string ort = Path.Combine(site.WebRoot, "ort");
        Directory.CreateDirectory(ort);
        foreach (string file in new[] { "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm" })
        {
            File.Copy(Path.Combine(dist, file), Path.Combine(ort, file), overwrite: true);
        }

        // The same weights as `lenet export` writes them.
        OnnxExporter.Export(LeNetFactory.CreatePretrained(LeNetVariant.Modern), Path.Combine(ort, "modern.onnx"), 1, 1, 28, 28);
        OnnxExporter.Export(LeNetFactory.CreatePretrained(LeNetVariant.Classic), Path.Combine(ort, "classic.onnx"), 1, 1, 28, 28);
        // A server of its own, cross-origin isolated so that performance.now() ticks in µs.
        using var server = new StaticSiteServer(site.WebRoot) { CrossOriginIsolated = true };
        try
        {
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await LaunchAsync(playwright);
            IPage page = await OpenAsync(browser, server.Address);
            JsonElement result = await page.EvaluateAsync<JsonElement>(
                """
                async ({ drawings, n }) => {
                  const ort = await import("/ort/ort.wasm.min.mjs");
                  ort.env.wasm.wasmPaths = "/ort/";
                  ort.env.wasm.numThreads = 1;
                  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
                  const result = { crossOriginIsolated: globalThis.crossOriginIsolated, userAgent: navigator.userAgent };
                  for (const model of ["modern", "classic"]) {
                    const session = await ort.InferenceSession.create(`/ort/${model}.onnx`, { executionProviders: ["wasm"] });
                    const input = session.inputNames[0], output = session.outputNames[0];
                    const feeds = (pixels) => ({ [input]: new ort.Tensor("float32", Float32Array.from(pixels), [1, 1, 28, 28]) });
                    const onnx = [], ours = [];
                    for (const d of drawings) {
                      onnx.push(Array.from((await session.run(feeds(d)))[output].data));
                      ours.push(await window.lenetLogits(model, d));
                    }

                    // Interleaved: ours, onnxruntime-web, ours again; each median of n after its own warm-up.
                    const lenetFirst = await window.lenetBench(model, n);
                    const x = feeds(drawings[0]);
                    for (let i = 0; i < 20; i++) await session.run(x);
                    const times = [];
                    for (let i = 0; i < n; i++) {
                      const start = performance.now();
                      await session.run(x);
                      times.push(performance.now() - start);
                    }
                    const lenetSecond = await window.lenetBench(model, n);
                    const managed = await window.lenetBench(model, 50, "managed");
                    result[model] = { onnx, ours, onnxRuntimeWebMs: median(times), lenetWasmMs: [lenetFirst, lenetSecond], lenetManagedMs: managed };
                    await session.release();
                  }
                  return result;
                }
                """,
                new { drawings = Drawings, n = 500 });

            result.GetProperty("crossOriginIsolated").GetBoolean().Should().BeTrue("the page is cross-origin isolated, so performance.now() is fine enough to time one forward");
            var figures = new Dictionary<string, object> { ["userAgent"] = result.GetProperty("userAgent").GetString()! };
            foreach (string model in new[] { "modern", "classic" })
            {
                JsonElement m = result.GetProperty(model);
                double[][] onnx = [.. m.GetProperty("onnx").EnumerateArray().Select(a => a.EnumerateArray().Select(v => v.GetDouble()).ToArray())];
                double[][] ours = [.. m.GetProperty("ours").EnumerateArray().Select(a => a.EnumerateArray().Select(v => v.GetDouble()).ToArray())];
                double worst = onnx.Zip(ours, MaxDifference).Max();
                worst.Should().BeLessThan(1e-5, $"onnxruntime-web and the emitted WebAssembly compute the same {model} logits");
                double ortMs = m.GetProperty("onnxRuntimeWebMs").GetDouble();
                double[] lenetMs = [.. m.GetProperty("lenetWasmMs").EnumerateArray().Select(v => v.GetDouble())];
                figures[model] = new
                {
                    OnnxRuntimeWebMs = ortMs,
                    LenetWasmMs = lenetMs,
                    LenetManagedMs = m.GetProperty("lenetManagedMs").GetDouble(),
                    RatioToOnnxRuntimeWeb = lenetMs.Min() / ortMs,
                    MaxLogitDifference = worst,
                };
            }

            string json = JsonSerializer.Serialize(figures, Indented);
            Console.WriteLine($"Side by side in Chromium (median ms of 500 batch-1 forwards; load average {File.ReadAllText("/proc/loadavg").Trim()}):\n{json}");
            await File.WriteAllTextAsync(Artifact("side-by-side.json"), json);
        }
        finally
        {
            Directory.Delete(ort, recursive: true);
        }
    }

    [Fact]
    public async Task GraphNetwork_CifarResNet20_EmittedSegmentsBesideOnnxRuntimeWeb()
    {
        string dist = OnnxRuntimeWebDist;
        File.Exists(Path.Combine(dist, "ort.wasm.min.mjs")).Should().BeTrue($"the graph side-by-side test serves onnxruntime-web 1.31.1 from {dist}");
        string ort = Path.Combine(site.WebRoot, "ort-graph");
        Directory.CreateDirectory(ort);
        foreach (string file in new[] { "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm" })
        {
            File.Copy(Path.Combine(dist, file), Path.Combine(ort, file), overwrite: true);
        }

        // The weights the page's GraphBench draws: the same seed, the same constructor.
        var model = new LeNet.Models.Vision.CifarResNet([3, 3, 3], random: new Random(1));
        model.Eval();
        OnnxExporter.Export(model, Path.Combine(ort, "cifar-resnet20.onnx"), 1, 3, 32, 32);
        double[] image = [.. Enumerable.Range(0, 3 * 32 * 32).Select(i => ((i * 7919 % 997) / 498.0) - 1)];
        using var server = new StaticSiteServer(site.WebRoot) { CrossOriginIsolated = true };
        try
        {
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await LaunchAsync(playwright);
            IPage page = await OpenAsync(browser, server.Address);
            JsonElement result = await page.EvaluateAsync<JsonElement>(
                """
                async ({ image, n }) => {
                  const ort = await import("/ort-graph/ort.wasm.min.mjs");
                  ort.env.wasm.wasmPaths = "/ort-graph/";
                  ort.env.wasm.numThreads = 1;
                  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
                  const session = await ort.InferenceSession.create("/ort-graph/cifar-resnet20.onnx", { executionProviders: ["wasm"] });
                  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", Float32Array.from(image), [1, 3, 32, 32]) };
                  const onnx = Array.from((await session.run(feeds))[session.outputNames[0]].data);
                  const wasm = await window.lenetGraphLogits(image);
                  const managed = await window.lenetGraphLogits(image, "managed");
                  const lenetFirst = await window.lenetGraphBench(n);
                  for (let i = 0; i < 10; i++) await session.run(feeds);
                  const times = [];
                  for (let i = 0; i < n; i++) {
                    const start = performance.now();
                    await session.run(feeds);
                    times.push(performance.now() - start);
                  }
                  const lenetSecond = await window.lenetGraphBench(n);
                  const managedMs = await window.lenetGraphBench(3, "managed");
                  await session.release();
                  return { onnx, wasm, managed, onnxRuntimeWebMs: median(times), lenetWasmMs: [lenetFirst, lenetSecond], lenetManagedMs: managedMs, userAgent: navigator.userAgent };
                }
                """,
                new { image, n = 100 });
            double[] onnx = [.. result.GetProperty("onnx").EnumerateArray().Select(v => v.GetDouble())];
            double[] wasm = [.. result.GetProperty("wasm").EnumerateArray().Select(v => v.GetDouble())];
            double[] managed = [.. result.GetProperty("managed").EnumerateArray().Select(v => v.GetDouble())];
            wasm.Should().HaveCount(10);
            double scale = 1 + managed.Max(Math.Abs);
            MaxDifference(wasm, managed).Should().BeLessThan(1e-4 * scale, $"the emitted segments compute what the managed path computes (WebAssembly [{string.Join(", ", wasm)}], managed [{string.Join(", ", managed)}])");
            MaxDifference(wasm, onnx).Should().BeLessThan(1e-4 * scale, $"onnxruntime-web computes the same logits ([{string.Join(", ", onnx)}])");
            double ortMs = result.GetProperty("onnxRuntimeWebMs").GetDouble();
            double[] lenetMs = [.. result.GetProperty("lenetWasmMs").EnumerateArray().Select(v => v.GetDouble())];
            var figures = new
            {
                UserAgent = result.GetProperty("userAgent").GetString(),
                OnnxRuntimeWebMs = ortMs,
                LenetWasmMs = lenetMs,
                LenetManagedMs = result.GetProperty("lenetManagedMs").GetDouble(),
                RatioToOnnxRuntimeWeb = lenetMs.Min() / ortMs,
                MaxLogitDifferenceToManaged = MaxDifference(wasm, managed),
                MaxLogitDifferenceToOnnxRuntimeWeb = MaxDifference(wasm, onnx),
            };
            string json = JsonSerializer.Serialize(figures, Indented);
            Console.WriteLine($"CifarResNet-20 in Chromium (median ms of 100 batch-1 forwards, managed of 3; load average {File.ReadAllText("/proc/loadavg").Trim()}):\n{json}");
            await File.WriteAllTextAsync(Artifact("graph-side-by-side.json"), json);
        }
        finally
        {
            Directory.Delete(ort, recursive: true);
        }
    }

    private static double MaxDifference(double[] left, double[] right) =>
        left.Length == right.Length ? left.Zip(right, (a, b) => Math.Abs(a - b)).DefaultIfEmpty(0).Max() : double.PositiveInfinity;

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        File.Exists(ChromiumPath).Should().BeTrue($"the browser test drives Chromium at {ChromiumPath}; install it with `apt-get update && apt-get install -y chromium` (as root) or set LENET_CHROMIUM");
        return playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>The page, loaded until both models are ready, with no error on its console.</summary>
    private static async Task<IPage> OpenAsync(IBrowser browser, Uri address)
    {
        IPage page = await browser.NewPageAsync();
        page.PageError += (_, error) => throw new InvalidOperationException($"page error: {error}");
        await page.GotoAsync(address.ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 90_000 });
        return page;
    }

    /// <summary>Strokes (canvas units, 0..1) drawn with a pen 2.2 pixels wide into the central 20×20 box of a 28×28 picture, as MNIST centres a digit.</summary>
    private static float[] Rasterize((double X, double Y)[][] strokes)
    {
        var image = new float[28 * 28];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                double px = ((x + 0.5 - 4) / 20), py = ((y + 0.5 - 4) / 20), nearest = double.MaxValue;
                foreach ((double X, double Y)[] stroke in strokes)
                {
                    for (int i = 0; i + 1 < stroke.Length; i++)
                    {
                        nearest = Math.Min(nearest, SegmentDistance(px, py, stroke[i], stroke[i + 1]));
                    }
                }

                image[(y * 28) + x] = (float)Math.Clamp((1.6 / 20 - nearest) / (0.5 / 20), 0, 1);
            }
        }

        return image;
    }

    private static double SegmentDistance(double px, double py, (double X, double Y) a, (double X, double Y) b)
    {
        double dx = b.X - a.X, dy = b.Y - a.Y;
        double t = Math.Clamp((((px - a.X) * dx) + ((py - a.Y) * dy)) / ((dx * dx) + (dy * dy)), 0, 1);
        return Math.Sqrt(Math.Pow(px - a.X - (t * dx), 2) + Math.Pow(py - a.Y - (t * dy), 2));
    }
}
