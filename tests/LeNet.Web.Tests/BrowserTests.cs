using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LeNet.Web.Tests;

/// <summary>
/// The page in a real browser: Debian's Chromium driven by Playwright draws digits on the canvas of the app
/// served by Kestrel on 127.0.0.1, and reads LeNet's answer. Fails (never skips) when Chromium is missing.
/// </summary>
public class BrowserTests(KestrelAppFactory factory) : IClassFixture<KestrelAppFactory>
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

    private static string ChromiumPath => Environment.GetEnvironmentVariable("LENET_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    [Fact]
    public async Task Page_DrawDigitsWithMousePenAndClear_PredictsEachDigit()
    {
        File.Exists(ChromiumPath).Should().BeTrue(
            $"the browser test drives Chromium at {ChromiumPath}; install it with `apt-get update && apt-get install -y chromium` (as root) or set LENET_CHROMIUM to a Chromium binary");
        Uri address = factory.Address;
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // As root Chromium needs --no-sandbox; the rest keeps it from reaching for the network it does not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        IPage page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1000, Height = 780 } });
        var requested = new ConcurrentQueue<string>();
        var errors = new ConcurrentQueue<string>();
        page.Request += (_, request) => requested.Enqueue(request.Url);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Enqueue(error);

        await page.GotoAsync(address.ToString());
        ILocator prediction = page.Locator("#prediction");
        ILocator top = page.Locator("#probabilities li.top");
        await Expect(prediction).ToHaveTextAsync("");

        // A 0 with the mouse at a person's pace (192 moves over a few seconds): answers come while drawing,
        // at most one per 120 ms, not one per move.
        var drawing = System.Diagnostics.Stopwatch.StartNew();
        await DrawAsync(page, Zero, pauseMilliseconds: 10);
        drawing.Stop();
        await Expect(prediction).ToHaveTextAsync("0", new() { Timeout = 15_000 });
        int predictions = requested.Count(url => url.Contains("/api/predict", StringComparison.Ordinal));
        predictions.Should().BeInRange(4, 2 + (int)(drawing.ElapsedMilliseconds / 120), $"the page asks while the user draws ({drawing.ElapsedMilliseconds} ms), throttled");
        await Expect(top).ToHaveAttributeAsync("data-digit", "0");
        await page.ScreenshotAsync(new() { Path = Artifact("web-app-0.png"), Animations = ScreenshotAnimations.Disabled });

        // Clear from the keyboard: the button has the focus, Enter presses it.
        await page.Locator("#clear").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(prediction).ToHaveTextAsync("");
        await Expect(top).ToHaveCountAsync(0);
        (await InkPixelsAsync(page)).Should().Be(0, "Clear wipes the canvas");
        await page.Locator("#clear").BlurAsync();

        // A 7, then the same drawing read by the classic model.
        await DrawAsync(page, Seven);
        await Expect(prediction).ToHaveTextAsync("7", new() { Timeout = 15_000 });
        await Expect(prediction).ToHaveAttributeAsync("data-model", "modern");
        await page.ScreenshotAsync(new() { Path = Artifact("web-app-7.png"), Animations = ScreenshotAnimations.Disabled });
        await page.GetByLabel("Classic").CheckAsync();
        await Expect(prediction).ToHaveAttributeAsync("data-model", "classic", new() { Timeout = 15_000 });
        await Expect(prediction).ToHaveTextAsync("7");
        await Expect(top).ToHaveAttributeAsync("data-digit", "7");

        // Clear with a click, then a 1 drawn with a pen's pointer events.
        await page.GetByLabel("Modern").CheckAsync();
        await page.Locator("#clear").ClickAsync();
        await Expect(prediction).ToHaveTextAsync("");
        await DrawWithPointerTypeAsync(page, One, "pen");
        await Expect(prediction).ToHaveTextAsync("1", new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new() { Path = Artifact("web-app-1-pen.png"), Animations = ScreenshotAnimations.Disabled });

        // Escape clears too.
        await page.Keyboard.PressAsync("Escape");
        await Expect(prediction).ToHaveTextAsync("");
        (await InkPixelsAsync(page)).Should().Be(0, "Escape on the canvas wipes it");

        requested.Should().OnlyContain(url => url.StartsWith(address.ToString(), StringComparison.Ordinal), "the page loads nothing from elsewhere");
        requested.Should().Contain(url => url.Contains("/api/predict?model=classic", StringComparison.Ordinal));
        errors.Should().BeEmpty();
    }

    /// <summary>Mouse strokes: move to the first point, press, move through the others (pausing at each), release.</summary>
    private static async Task DrawAsync(IPage page, (double X, double Y)[][] strokes, int pauseMilliseconds = 0)
    {
        LocatorBoundingBoxResult box = (await page.Locator("#digit-canvas").BoundingBoxAsync())!;
        foreach ((double X, double Y)[] stroke in strokes)
        {
            await page.Mouse.MoveAsync((float)(box.X + (stroke[0].X * box.Width)), (float)(box.Y + (stroke[0].Y * box.Height)));
            await page.Mouse.DownAsync();
            foreach ((double x, double y) in stroke.Skip(1))
            {
                await page.Mouse.MoveAsync((float)(box.X + (x * box.Width)), (float)(box.Y + (y * box.Height)), new() { Steps = 4 });
                if (pauseMilliseconds > 0)
                {
                    await Task.Delay(pauseMilliseconds);
                }
            }

            await page.Mouse.UpAsync();
        }
    }

    /// <summary>Strokes as pointer events of a given type (pen, touch), dispatched on the canvas.</summary>
    private static async Task DrawWithPointerTypeAsync(IPage page, (double X, double Y)[][] strokes, string pointerType)
    {
        double[][][] points = [.. strokes.Select(stroke => stroke.Select(p => new[] { p.X, p.Y }).ToArray())];
        await page.EvaluateAsync(
            """
            ([strokes, pointerType]) => {
              const canvas = document.getElementById("digit-canvas");
              const box = canvas.getBoundingClientRect();
              const fire = (type, [x, y]) => canvas.dispatchEvent(new PointerEvent(type, {
                pointerId: 7, pointerType, isPrimary: true, button: type === "pointermove" ? -1 : 0,
                buttons: type === "pointerup" ? 0 : 1, bubbles: true, cancelable: true,
                clientX: box.left + x * box.width, clientY: box.top + y * box.height }));
              for (const stroke of strokes) {
                fire("pointerdown", stroke[0]);
                for (let i = 1; i < stroke.length; i++) {
                  const [x0, y0] = stroke[i - 1], [x1, y1] = stroke[i];
                  for (let t = 1; t <= 4; t++) fire("pointermove", [x0 + (x1 - x0) * t / 4, y0 + (y1 - y0) * t / 4]);
                }
                fire("pointerup", stroke[stroke.length - 1]);
              }
            }
            """,
            new object[] { points, pointerType });
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

    /// <summary>A path under artifacts/web at the repository root (beside the test results CI keeps).</summary>
    private static string Artifact(string name)
    {
        DirectoryInfo? folder = new(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "LeNet.sln")))
        {
            folder = folder.Parent;
        }

        string directory = Path.Combine(folder?.FullName ?? AppContext.BaseDirectory, "artifacts", "web");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }
}
