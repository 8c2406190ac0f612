using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LeNet.Browser.Tests;

/// <summary>
/// The WebAssembly app in Debian's Chromium, driven by Playwright (the launch flags and the drawing helper
/// are the web app's browser test's): the published site served on 127.0.0.1, the model loaded, then the
/// network cut; digits drawn with the mouse are read by LeNet in .NET inside the page. Fails (never skips)
/// when Chromium is missing. Writes screenshots and the measured figures to artifacts/browser/.
/// </summary>
public partial class AppTests(PublishedSite site) : IClassFixture<PublishedSite>
{
    /// <summary>Strokes in canvas units (0..1), each a polyline drawn with the button down.</summary>
    private static readonly (double X, double Y)[][] Zero =
    [
        [.. Enumerable.Range(0, 49).Select(i => (0.5 + (0.2 * Math.Sin(i * Math.PI / 24)), 0.5 - (0.3 * Math.Cos(i * Math.PI / 24))))],
    ];

    private static readonly (double X, double Y)[][] Seven =
    [
        [(0.27, 0.22), (0.40, 0.21), (0.55, 0.21), (0.72, 0.22), (0.64, 0.38), (0.56, 0.54), (0.49, 0.70), (0.44, 0.82)],
    ];

    private static readonly (double X, double Y)[][] One =
    [
        [(0.50, 0.17), (0.50, 0.35), (0.49, 0.55), (0.49, 0.70), (0.48, 0.84)],
    ];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string ChromiumPath => Environment.GetEnvironmentVariable("LENET_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    [Fact]
    public void Publish_Trimmed_NoTrimWarnings()
    {
        // The same checks whoever published the site: a site given in LENET_BROWSER_SITE brings its publish output.
        site.PublishLog.Should().NotBeNull("a site given in LENET_BROWSER_SITE carries its publish output beside wwwroot in publish.log (dotnet publish … | tee publish.log), which this check reads");
        Directory.EnumerateFiles(Path.Combine(site.WebRoot, "_framework"), "LeNet*.wasm").Should().NotBeEmpty();
        site.PublishLog.Should().Contain("Optimizing assemblies for size", "Release publish trims");
        site.PublishLog.Should().NotMatchRegex(@"warning IL\d{4}", "the library and the app are trim-safe");
        Directory.EnumerateFiles(Path.Combine(site.WebRoot, "_framework"), "*.br").Should().NotBeEmpty("the site ships Brotli copies to serve");
    }

    [Fact]
    public async Task Page_OfflineAfterLoad_DrawsZeroOneSevenSwitchesAndClears()
    {
        File.Exists(ChromiumPath).Should().BeTrue(
            $"the browser test drives Chromium at {ChromiumPath}; install it with `apt-get update && apt-get install -y chromium` (as root) or set LENET_CHROMIUM to a Chromium binary");
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // As root Chromium needs --no-sandbox; the rest keeps it from reaching for the network it does not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        await using IBrowserContext context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1000, Height = 820 } });
        IPage page = await context.NewPageAsync();
        var requests = new ConcurrentQueue<string>();
        var errors = new ConcurrentQueue<string>();
        bool loaded = false;
        var afterLoad = new ConcurrentQueue<string>();
        context.Request += (_, request) =>
        {
            requests.Enqueue(request.Url);
            if (Volatile.Read(ref loaded))
            {
                afterLoad.Enqueue(request.Url);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Enqueue(error);

        // Load: the page, Blazor's runtime, the assemblies (LeNet with its embedded weights); then both models are ready.
        await page.GotoAsync(site.Address.ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 90_000 });
        Volatile.Write(ref loaded, true);
        await context.SetOfflineAsync(true);
        int readyAt = int.Parse((await page.Locator("body").GetAttributeAsync("data-ready-at"))!, CultureInfo.InvariantCulture);
        (await page.EvaluateAsync<bool>("() => window.lenetClassifier.vector128")).Should().BeTrue("WebAssembly SIMD accelerates Vector128 in Chromium");
        (await page.EvaluateAsync<bool[]>("() => [window.lenetClassifier.wasm.modern, window.lenetClassifier.wasm.classic]")).Should().Equal([true, true], "both models run as emitted WebAssembly");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Draw a digit in the box.");

        ILocator prediction = page.Locator("#prediction");
        ILocator top = page.Locator("#probabilities li.top");

        // A 0 with the mouse, the network off.
        await DrawAsync(page, Zero);
        await Expect(prediction).ToHaveTextAsync("0", new() { Timeout = 15_000 });
        await Expect(top).ToHaveAttributeAsync("data-digit", "0");
        await Expect(page.Locator("#status")).ToContainTextAsync("ms in this page");
        double firstMs = await page.EvaluateAsync<double>("() => window.lenetLastMs");
        firstMs.Should().BePositive("window.lenetLastMs is the last prediction's time");
        await page.ScreenshotAsync(new() { Path = Artifact("browser-app-0.png"), Animations = ScreenshotAnimations.Disabled });

        // Clear with the button, then a 1.
        await page.Locator("#clear").ClickAsync();
        await Expect(prediction).ToHaveTextAsync("");
        (await InkPixelsAsync(page)).Should().Be(0, "Clear wipes the canvas");
        await DrawAsync(page, One);
        await Expect(prediction).ToHaveTextAsync("1", new() { Timeout = 15_000 });
        await Expect(page.Locator("#status")).ToContainTextAsync("ms in this page (emitted WebAssembly; .NET's managed path");
        await page.ScreenshotAsync(new() { Path = Artifact("browser-app-1.png"), Animations = ScreenshotAnimations.Disabled });

        // Escape clears, then a 7; the same drawing read by the classic model.
        await page.Keyboard.PressAsync("Escape");
        await Expect(prediction).ToHaveTextAsync("");
        await DrawAsync(page, Seven);
        await Expect(prediction).ToHaveTextAsync("7", new() { Timeout = 15_000 });
        await Expect(prediction).ToHaveAttributeAsync("data-model", "modern");
        await page.GetByLabel("Classic").CheckAsync();
        await Expect(prediction).ToHaveAttributeAsync("data-model", "classic", new() { Timeout = 15_000 });
        await Expect(prediction).ToHaveTextAsync("7");
        await Expect(top).ToHaveAttributeAsync("data-digit", "7");
        await page.ScreenshotAsync(new() { Path = Artifact("browser-app-7-classic.png"), Animations = ScreenshotAnimations.Disabled });

        // The figures for the README: ms per prediction for each model on this 7 (median of 50, as .NET
        // measures it, preprocessing included, and as the page sees it, interop and getImageData included),
        // and window.lenetBench's network-only medians for both engines. Each gives the same answer.
        var figures = new Dictionary<string, object>
        {
            ["readyMsFromNavigation"] = readyAt,
            ["firstPredictionMs"] = firstMs,
        };
        foreach (string model in new[] { "modern", "classic" })
        {
            JsonElement timing = await page.EvaluateAsync<JsonElement>(
                """
                async (model) => {
                  const canvas = document.getElementById("digit-canvas");
                  const dotnet = [], page = [], digits = new Set();
                  for (let i = 0; i < 50; i++) {
                    const start = performance.now();
                    const answer = await window.lenetClassifier.classify(canvas, model);
                    page.push(performance.now() - start);
                    dotnet.push(answer.elapsedMicroseconds / 1000);
                    digits.add(answer.digit);
                  }
                  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
                  return {
                    dotnetMedianMs: median(dotnet), pageMedianMs: median(page),
                    benchWasmMs: await window.lenetBench(model, 200), benchManagedMs: await window.lenetBench(model, 50, "managed"),
                    digits: [...digits],
                  };
                }
                """,
                model);
            timing.GetProperty("digits").EnumerateArray().Select(d => d.GetInt32()).Should().Equal([7], $"the {model} model reads the 7 the same way every time");
            figures[model] = new
            {
                DotnetMedianMs = timing.GetProperty("dotnetMedianMs").GetDouble(),
                PageMedianMs = timing.GetProperty("pageMedianMs").GetDouble(),
                BenchWasmMs = timing.GetProperty("benchWasmMs").GetDouble(),
                BenchManagedMs = timing.GetProperty("benchManagedMs").GetDouble(),
            };
        }

        // Delete clears too.
        await page.Keyboard.PressAsync("Delete");
        await Expect(prediction).ToHaveTextAsync("");
        (await InkPixelsAsync(page)).Should().Be(0, "Delete wipes the canvas");

        afterLoad.Should().BeEmpty("after load the page classifies offline, with no request at all");
        requests.Should().OnlyContain(url => url.StartsWith(site.Address.ToString(), StringComparison.Ordinal), "the page loads nothing from elsewhere");
        errors.Should().BeEmpty();

        // What the page downloaded, compressed as served and uncompressed.
        (string Path, string Encoding, long Bytes, int Status)[] served = [.. site.Server.Served];
        served.Should().OnlyContain(s => s.Status == 200, "the page asks only for files the site has");
        figures["files"] = served.Length;
        figures["servedBytes"] = served.Sum(s => s.Bytes);
        figures["brotliFiles"] = served.Count(s => s.Encoding == "br");
        figures["uncompressedBytes"] = served.Sum(s => new FileInfo(Path.Combine(site.WebRoot, s.Path.TrimStart('/') is { Length: > 0 } p ? p : "index.html")).Length);
        await File.WriteAllTextAsync(Artifact("figures.json"), JsonSerializer.Serialize(figures, Indented));
    }

    /// <summary>Mouse strokes: move to the first point, press, move through the others, release.</summary>
    private static async Task DrawAsync(IPage page, (double X, double Y)[][] strokes)
    {
        LocatorBoundingBoxResult box = (await page.Locator("#digit-canvas").BoundingBoxAsync())!;
        foreach ((double X, double Y)[] stroke in strokes)
        {
            await page.Mouse.MoveAsync((float)(box.X + (stroke[0].X * box.Width)), (float)(box.Y + (stroke[0].Y * box.Height)));
            await page.Mouse.DownAsync();
            foreach ((double x, double y) in stroke.Skip(1))
            {
                await page.Mouse.MoveAsync((float)(box.X + (x * box.Width)), (float)(box.Y + (y * box.Height)), new() { Steps = 4 });
            }

            await page.Mouse.UpAsync();
        }
    }

    /// <summary>How many canvas pixels are not the pad's background colour.</summary>
    private static Task<int> InkPixelsAsync(IPage page) => page.EvaluateAsync<int>(
        """
        () => {
          const canvas = document.getElementById("digit-canvas");
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let ink = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i] > 40) ink++;
          return ink;
        }
        """);

    /// <summary>A path under artifacts/browser at the repository root (beside the test results CI keeps).</summary>
    private static string Artifact(string name)
    {
        string directory = Path.Combine(PublishedSite.RepositoryRoot, "artifacts", "browser");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }
}
