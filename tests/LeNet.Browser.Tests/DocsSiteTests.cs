using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace LeNet.Browser.Tests;

/// <summary>
/// The documentation site in Debian's Chromium: a page per public type of LeNet and LeNet.Datasets (the list
/// read from the assemblies by reflection, not from the site), each with the type's name in its title and
/// heading and no console error; then the landing page and every guide. Fails (never skips) when Chromium
/// is missing.
/// </summary>
public class DocsSiteTests(DocsSite site) : IClassFixture<DocsSite>
{
    private static readonly string[] Guides =
    [
        "layers-and-modules", "tensors-and-functional", "training", "from-pytorch", "onnx", "torchvision", "datasets",
        "cli", "web-app", "browser-app", "performance", "design", "testing",
    ];

    private static string ChromiumPath => Environment.GetEnvironmentVariable("LENET_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Every public type, as docfx names its page: api/Namespace.Outer.Inner.html, a generic's arity after '-'.</summary>
    private static List<(string Page, string Name)> PublicTypes() =>
        [.. new[] { typeof(LeNet.Tensor).Assembly, typeof(LeNet.Data.Mnist).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Select(t => ($"api/{t.FullName!.Replace('+', '.').Replace('`', '-')}.html", t.Name.Split('`')[0]))
            .OrderBy(t => t.Item1, StringComparer.Ordinal)];

    [Fact]
    public async Task Site_EveryPublicTypeAndGuide_OpensWithItsHeadingAndNoConsoleError()
    {
        List<(string Page, string Name)> types = PublicTypes();
        types.Should().Contain(("api/LeNet.Layers.Conv2d.html", "Conv2d"));
        types.Count.Should().BeGreaterThan(100, "LeNet's public surface is more than a hundred types");
        foreach ((string page, _) in types)
        {
            File.Exists(Path.Combine(site.Root, page)).Should().BeTrue($"docfx wrote {page}");
        }

        File.Exists(Path.Combine(site.Root, "api", "LeNet.Kernels.Conv2dKernel.html")).Should().BeFalse("internal types have no page");

        File.Exists(ChromiumPath).Should().BeTrue(
            $"the docs test drives Chromium at {ChromiumPath}; install it with `apt-get update && apt-get install -y chromium` (as root) or set LENET_CHROMIUM to a Chromium binary");
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        await using IBrowserContext context = await browser.NewContextAsync();
        var offSite = new ConcurrentQueue<string>();
        context.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(site.Address.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                offSite.Enqueue(request.Url);
            }
        };
        IPage tab = await context.NewPageAsync();
        var errors = new ConcurrentQueue<string>();
        tab.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Enqueue(message.Text);
            }
        };
        tab.PageError += (_, error) => errors.Enqueue(error);

        var problems = new List<string>();
        async Task<string> OpenAsync(string page)
        {
            errors.Clear();
            IResponse? response = await tab.GotoAsync(new Uri(site.Address, page).ToString(), new() { WaitUntil = WaitUntilState.Load });
            if (response is null || response.Status != 200)
            {
                problems.Add($"{page}: status {response?.Status}");
            }

            string heading = (await tab.Locator("article h1").First.InnerTextAsync(new() { Timeout = 10_000 })).Trim();
            foreach (string error in errors)
            {
                problems.Add($"{page}: console error {error}");
            }

            return heading;
        }

        foreach ((string page, string name) in types)
        {
            string heading = await OpenAsync(page);
            string title = await tab.TitleAsync();
            if (!heading.Contains(name, StringComparison.Ordinal) || !title.Contains(name, StringComparison.Ordinal))
            {
                problems.Add($"{page}: heading \"{heading}\", title \"{title}\", expected {name} in both");
            }
        }

        (await OpenAsync("index.html")).Should().Be("LeNet");
        (await tab.Locator("a[href$='docs/training.html']").CountAsync()).Should().BePositive("the landing page links the guides");
        foreach (string guide in Guides)
        {
            string heading = await OpenAsync($"docs/{guide}.html");
            if (heading.Length == 0)
            {
                problems.Add($"docs/{guide}.html: no heading");
            }
        }

        (await OpenAsync("docs/datasets.html")).Should().Be("Data sets (LeNet.Datasets)");
        problems.Should().BeEmpty();
        offSite.Should().BeEmpty("the site is self-contained");
        site.Server.Served.Where(s => s.Status == 404).Select(s => s.Path).Should().BeEmpty("every resource a page asks for exists");
    }
}
