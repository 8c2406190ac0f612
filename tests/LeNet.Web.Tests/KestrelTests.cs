using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LeNet.Web.Tests;

/// <summary>Limits as a real server enforces them on a real connection (the TestServer buffers bodies, Kestrel streams them).</summary>
public class KestrelTests(KestrelAppFactory factory) : IClassFixture<KestrelAppFactory>
{
    [Fact]
    public async Task Predict_ChunkedBodyOver1MB_413()
    {
        using var client = new HttpClient { BaseAddress = factory.Address };
        var content = new StreamContent(new ZeroStream(3 * 1024 * 1024));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        using HttpResponseMessage response = await client.PostAsync("/api/predict", content);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body-too-large", "larger than the limit of 1,048,576 bytes");
        await ShouldStillServeAsync();
    }

    [Fact]
    public async Task Predict_DeclaredBodyOver1MB_413BeforeReadingIt()
    {
        using var client = new HttpClient { BaseAddress = factory.Address };
        var content = new ByteArrayContent(new byte[5 * 1024 * 1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");

        using HttpResponseMessage response = await client.PostAsync("/api/predict", content);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body-too-large", "The body is 5,242,880 bytes; the limit is 1,048,576 bytes.");
        await ShouldStillServeAsync();
    }

    private async Task ShouldStillServeAsync()
    {
        using var client = new HttpClient { BaseAddress = factory.Address };
        using HttpResponseMessage response = await client.PostAsync("/api/predict", new StringContent(TestData.PixelsJson(TestData.MnistPixels(0)), Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
