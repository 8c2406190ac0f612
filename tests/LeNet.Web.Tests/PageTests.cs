using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LeNet.Web.Tests;

/// <summary>The page at / and GET /health.</summary>
public partial class PageTests(WebAppFactory factory) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Root_ServesThePageWithItsControls()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/");
        string html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.Should().Be("text/html");
        html.Should().Contain("<canvas id=\"digit-canvas\"")
            .And.Contain("<button id=\"clear\" type=\"button\">Clear</button>")
            .And.Contain("id=\"prediction\"")
            .And.Contain("id=\"probabilities\"");
        Regex.Matches(html, "<li data-digit=\"(\\d)\"").Select(m => m.Groups[1].Value).Should().Equal("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        html.Should().Contain("<input type=\"radio\" name=\"model\" value=\"classic\">")
            .And.Contain("<input type=\"radio\" name=\"model\" value=\"modern\" checked>")
            .And.Contain("<legend>Model</legend>");
    }

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/app.js", "text/javascript")]
    [InlineData("/app.css", "text/css")]
    public async Task PageFiles_LoadNothingFromElsewhere(string path, string mediaType)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.Should().Be(mediaType);
        // Works offline: no CDN, no web font, no absolute URL of any kind, no protocol-relative one.
        AbsoluteUrl().Matches(text).Should().BeEmpty();
    }

    [Fact]
    public async Task Health_HealthyWithBothModels()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/health");
        JsonElement health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        health.GetProperty("status").GetString().Should().Be("healthy");
        health.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Should().Equal("classic", "modern");
        health.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("source").GetString()).Should().AllBe("pretrained");
    }

    [Fact]
    public async Task UnknownPath_404ProblemDetails()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/no/such/page");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
    }

    [GeneratedRegex(@"(?:https?:|\s(?:src|href)=""//|url\(\s*[""']?(?:https?:)?//)", RegexOptions.IgnoreCase)]
    private static partial Regex AbsoluteUrl();
}
