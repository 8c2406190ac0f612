using System.Text.Json;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models.Vision;
using Microsoft.Playwright;

namespace LeNet.Browser.Tests;

public partial class AppTests
{
    /// <summary>Timed forwards per engine: 3 in CI (a few seconds), more for a measurement (<c>LENET_NETWORK_FORWARDS=21</c>).</summary>
    private static int NetworkForwards => int.TryParse(Environment.GetEnvironmentVariable("LENET_NETWORK_FORWARDS"), out int n) && n > 0 ? n : 3;

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    public async Task Network_At224_EmittedWholeBesideManagedAndOnnxRuntimeWeb(string name)
    {
        string dist = OnnxRuntimeWebDist;
        File.Exists(Path.Combine(dist, "ort.wasm.min.mjs")).Should().BeTrue($"the network side-by-side test serves onnxruntime-web 1.31.1 from {dist}");
        string ort = Path.Combine(site.WebRoot, "ort-" + name);
        Directory.CreateDirectory(ort);
        foreach (string file in new[] { "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm" })
        {
            File.Copy(Path.Combine(dist, file), Path.Combine(ort, file), overwrite: true);
        }

        // The weights the page's NetworkBench draws (same recipe, same seed), exported as `lenet export` writes them;
        // the ONNX file is served for this test only, the app draws its weights itself.
        Module model = Network(name);
        OnnxExporter.Export(model, Path.Combine(ort, name + ".onnx"), 1, 3, 224, 224);
        double[] image = [.. Enumerable.Range(0, 3 * 224 * 224).Select(i => ((i * 7919 % 997) / 498.0) - 1)];
        var input = new Tensor([1, 3, 224, 224]);
        for (int i = 0; i < image.Length; i++)
        {
            input.AsSpan()[i] = (float)image[i];
        }

        double[] managed = [.. model.Forward(input).ToArray().Select(v => (double)v)];
        using var server = new StaticSiteServer(site.WebRoot) { CrossOriginIsolated = true };
        try
        {
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await LaunchAsync(playwright);
            IPage page = await OpenAsync(browser, server.Address);
            page.SetDefaultTimeout(600_000);
            JsonElement result = await page.EvaluateAsync<JsonElement>(
                """
                async ({ name, image, n }) => {
                  const ort = await import(`/ort-${name}/ort.wasm.min.mjs`);
                  ort.env.wasm.wasmPaths = `/ort-${name}/`;
                  ort.env.wasm.numThreads = 1;
                  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
                  const session = await ort.InferenceSession.create(`/ort-${name}/${name}.onnx`, { executionProviders: ["wasm"] });
                  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", Float32Array.from(image), [1, 3, 224, 224]) };
                  const onnx = Array.from((await session.run(feeds))[session.outputNames[0]].data);
                  const loadStart = performance.now();
                  const wasm = await window.lenetNetworkLogits(name, image);
                  const loadMs = performance.now() - loadStart;
                  const load = (await globalThis.getDotnetRuntime(0).getAssemblyExports("LeNet.Browser.dll")).LeNet.Browser.NetworkBench.LastLoad();
                  const lenetFirst = await window.lenetNetworkBench(name, n);
                  for (let i = 0; i < 2; i++) await session.run(feeds);
                  const times = [];
                  for (let i = 0; i < n; i++) {
                    const start = performance.now();
                    await session.run(feeds);
                    times.push(performance.now() - start);
                  }
                  const lenetSecond = await window.lenetNetworkBench(name, n);
                  await session.release();
                  return { onnx, wasm, loadMs, onnxRuntimeWebMs: median(times), lenetWasmMs: [lenetFirst, lenetSecond], load, userAgent: navigator.userAgent };
                }
                """,
                new { name, image, n = NetworkForwards });
            double[] onnx = [.. result.GetProperty("onnx").EnumerateArray().Select(v => v.GetDouble())];
            double[] wasm = [.. result.GetProperty("wasm").EnumerateArray().Select(v => v.GetDouble())];
            wasm.Should().HaveCount(1000);
            double scale = managed.Max(Math.Abs);
            MaxDifference(wasm, managed).Should().BeLessThan(1e-4 * scale, $"the emitted {name} computes what the managed Forward computes");
            MaxDifference(wasm, onnx).Should().BeLessThan(1e-4 * scale, $"onnxruntime-web computes the same {name} logits");
            double ortMs = result.GetProperty("onnxRuntimeWebMs").GetDouble();
            double[] lenetMs = [.. result.GetProperty("lenetWasmMs").EnumerateArray().Select(v => v.GetDouble())];
            var figures = new
            {
                Network = name,
                UserAgent = result.GetProperty("userAgent").GetString(),
                Forwards = NetworkForwards,
                OnnxRuntimeWebMs = ortMs,
                LenetWasmMs = lenetMs,
                RatioToOnnxRuntimeWeb = lenetMs.Min() / ortMs,
                FirstCallMs = result.GetProperty("loadMs").GetDouble(),
                FirstCall = result.GetProperty("load").GetString(),
                MaxLogitDifferenceToManaged = MaxDifference(wasm, managed),
                MaxLogitDifferenceToOnnxRuntimeWeb = MaxDifference(wasm, onnx),
                LogitScale = scale,
            };
            string json = JsonSerializer.Serialize(figures, Indented);
            Console.WriteLine($"{name} at 224×224 in Chromium (median ms of {NetworkForwards} batch-1 forwards; load average {File.ReadAllText("/proc/loadavg").Trim()}):\n{json}");
            await File.WriteAllTextAsync(Artifact($"network-{name}.json"), json);
        }
        finally
        {
            Directory.Delete(ort, recursive: true);
        }
    }

    /// <summary>The page's NetworkBench.Create: parameters of rank ≥ 2 uniform in ±√(6 / fan-in) from the same LCG in NamedParameters() order; the rest 1 (weights) or 0.</summary>
    private static Module Network(string name)
    {
        Module model = name == "resnet18"
            ? new ResNet(ResNetBlock.BasicBlock, [2, 2, 2, 2], numClasses: 1000, random: new Random(1))
            : new MobileNetV2(numClasses: 1000);
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
}
