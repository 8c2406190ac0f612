using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LeNet.Web.Tests;

/// <summary>Every bad input gets 400, 413 or 415 with problem details naming the problem, and the server keeps serving.</summary>
public class BadInputTests(WebAppFactory factory) : IClassFixture<WebAppFactory>
{
    public static TheoryData<string, string?, byte[], HttpStatusCode, string, string> Cases()
    {
        byte[] png = TestData.Digit("drawn-7.png");
        byte[] jpeg = TestData.Digit("mnist-test-1-label-2.jpg");
        string Pixels(string values) => $"{{\"pixels\": [{values}]}}";
        string Zeros(int count) => string.Join(",", Enumerable.Repeat("0", count));
        string ZerosThen(string last) => $"{Zeros(783)},{last}";
        byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

        return new()
        {
            // name, Content-Type, body, status, code, a fragment of the detail
            { "empty JSON body", "application/json", [], HttpStatusCode.BadRequest, "empty-body", "body is empty" },
            { "empty PNG body", "image/png", [], HttpStatusCode.BadRequest, "empty-body", "body is empty" },
            { "text sent as PNG", "image/png", Utf8("hello, this is not a picture"), HttpStatusCode.BadRequest, "not-an-image", "not a PNG, JPEG or PGM" },
            { "JPEG sent as PNG", "image/png", jpeg, HttpStatusCode.BadRequest, "content-type-mismatch", "is a JPEG image; send it as image/jpeg" },
            { "PNG sent as PGM", "image/x-portable-graymap", png, HttpStatusCode.BadRequest, "content-type-mismatch", "is a PNG image" },
            { "truncated PNG", "image/png", png[..60], HttpStatusCode.BadRequest, "invalid-image", "cannot be decoded" },
            { "PNG header only", "image/png", TestData.PngHeader(28, 28), HttpStatusCode.BadRequest, "invalid-image", "cannot be decoded" },
            { "PGM with truncated pixels", "image/x-portable-graymap", Utf8("P5\n28 28\n255\nabc"), HttpStatusCode.BadRequest, "invalid-image", "truncated" },
            { "PNG declaring 100000×100000", "image/png", TestData.PngHeader(100_000, 100_000), HttpStatusCode.RequestEntityTooLarge, "image-too-large", "100,000×100,000" },
            { "PNG declaring 4 billion wide", "image/png", TestData.PngHeader(uint.MaxValue, 1), HttpStatusCode.BadRequest, "invalid-image", "invalid dimensions 4294967295×1" },
            { "JPEG declaring 65535×65535", "image/jpeg", TestData.JpegHeader(65535, 65535), HttpStatusCode.RequestEntityTooLarge, "image-too-large", "65,535×65,535" },
            { "PGM declaring 50000×50000", "image/x-portable-graymap", Utf8("P5\n50000 50000\n255\n\0"), HttpStatusCode.RequestEntityTooLarge, "image-too-large", "50,000×50,000" },
            { "PNG just over 1024×1024", "image/png", TestData.PngHeader(1025, 1024), HttpStatusCode.RequestEntityTooLarge, "image-too-large", "1,048,576 pixels" },
            { "body over 1 MB", "image/png", new byte[(1024 * 1024) + 1], HttpStatusCode.RequestEntityTooLarge, "body-too-large", "1,048,577 bytes; the limit is 1,048,576" },
            { "invalid JSON", "application/json", Utf8("{\"pixels\": [0, 0"), HttpStatusCode.BadRequest, "invalid-json", "not valid JSON" },
            { "JSON with trailing garbage", "application/json", Utf8(Pixels(Zeros(784)) + " x"), HttpStatusCode.BadRequest, "invalid-json", "not valid JSON" },
            { "NaN literal (not JSON)", "application/json", Utf8(Pixels(ZerosThen("NaN"))), HttpStatusCode.BadRequest, "invalid-json", "not valid JSON" },
            { "JSON array, not object", "application/json", Utf8("[0, 1]"), HttpStatusCode.BadRequest, "missing-pixels", "JSON array, not an object" },
            { "object without pixels", "application/json", Utf8("{\"image\": [0]}"), HttpStatusCode.BadRequest, "missing-pixels", "no \"pixels\" member" },
            { "pixels not an array", "application/json", Utf8("{\"pixels\": \"0,0,0\"}"), HttpStatusCode.BadRequest, "missing-pixels", "\"pixels\" is a JSON string, not an array" },
            { "pixels twice", "application/json", Utf8($"{{\"pixels\": [{Zeros(784)}], \"pixels\": [{Zeros(784)}]}}"), HttpStatusCode.BadRequest, "missing-pixels", "twice" },
            { "783 pixels", "application/json", Utf8(Pixels(Zeros(783))), HttpStatusCode.BadRequest, "wrong-pixel-count", "has 783 values; expected 784" },
            { "785 pixels", "application/json", Utf8(Pixels(Zeros(785))), HttpStatusCode.BadRequest, "wrong-pixel-count", "has 785 values; expected 784" },
            { "no pixels", "application/json", Utf8(Pixels("")), HttpStatusCode.BadRequest, "wrong-pixel-count", "has 0 values" },
            { "infinite pixel (1e999)", "application/json", Utf8(Pixels(ZerosThen("1e999"))), HttpStatusCode.BadRequest, "pixel-not-finite", "pixels[783] is 1e999" },
            { "pixel as string \"NaN\"", "application/json", Utf8(Pixels(ZerosThen("\"NaN\""))), HttpStatusCode.BadRequest, "pixel-not-a-number", "pixels[783] is the string \"NaN\"" },
            { "null pixel", "application/json", Utf8(Pixels("0, null")), HttpStatusCode.BadRequest, "pixel-not-a-number", "pixels[1] is null" },
            { "nested array pixel", "application/json", Utf8(Pixels("[0]")), HttpStatusCode.BadRequest, "pixel-not-a-number", "pixels[0] is array" },
            { "pixel above 1", "application/json", Utf8(Pixels("0, 1.5")), HttpStatusCode.BadRequest, "pixel-out-of-range", "pixels[1] is 1.5, outside 0..1" },
            { "negative pixel", "application/json", Utf8(Pixels("-0.001")), HttpStatusCode.BadRequest, "pixel-out-of-range", "pixels[0] is -0.001" },
            { "pixels 0..255 instead of 0..1", "application/json", Utf8(Pixels(ZerosThen("255"))), HttpStatusCode.BadRequest, "pixel-out-of-range", "pixels[783] is 255" },
            { "no Content-Type", null, Utf8(Pixels(Zeros(784))), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", "no Content-Type" },
            { "text/plain", "text/plain", Utf8(Pixels(Zeros(784))), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", "'text/plain' is not accepted" },
            { "form upload", "multipart/form-data; boundary=x", Utf8("--x--"), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", "multipart/form-data" },
            { "image/gif", "image/gif", Utf8("GIF89a"), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", "'image/gif' is not accepted" },
            { "UTF-16 JSON", "application/json; charset=utf-16", Encoding.Unicode.GetBytes(Pixels(Zeros(784))), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", "charset=utf-16" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Predict_BadInput_ProblemDetailsAndServerKeepsServing(string name, string? contentType, byte[] body, HttpStatusCode status, string code, string detail)
    {
        using HttpClient client = factory.CreateClient();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        using HttpResponseMessage response = await client.PostAsync("/api/predict", content);

        await response.ShouldBeProblemAsync(status, code, detail);
        await ShouldStillServeAsync(client, name);
    }

    [Theory]
    [InlineData("model=lenet", "'lenet' does not exist")]
    [InlineData("model=", "'' does not exist")]
    [InlineData("model=classic&model=modern", "'classic,modern' does not exist")]
    public async Task Predict_UnknownModel_400NamingIt(string query, string detail)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/api/predict?{query}", new StringContent(TestData.PixelsJson(new float[784]), Encoding.UTF8, "application/json"));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "unknown-model", detail);
    }

    [Fact]
    public async Task Predict_GetInsteadOfPost_405ProblemDetails()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/api/predict");

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
    }

    [Theory]
    [InlineData("drawn-7.png", "image/png")]
    [InlineData("mnist-test-1-label-2.jpg", "image/jpeg")]
    [InlineData("mnist-test-2-label-1.pgm", "image/x-portable-graymap")]
    public async Task Predict_CorruptedPictures_NeverA500(string file, string contentType)
    {
        // 150 copies of a good picture with 1 to 8 random bytes overwritten, or cut short (seeded).
        byte[] original = TestData.Digit(file);
        var random = new Random(9);
        using HttpClient client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 150; i++)
        {
            byte[] corrupt = random.Next(4) == 0 ? original[..random.Next(1, original.Length)] : (byte[])original.Clone();
            for (int k = random.Next(1, 9); k > 0 && corrupt.Length > 0; k--)
            {
                corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            }

            var content = new ByteArrayContent(corrupt);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            using HttpResponseMessage response = await client.PostAsync("/api/predict", content);
            statuses.Add(response.StatusCode);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
            }
        }

        statuses.Should().OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.BadRequest || s == HttpStatusCode.RequestEntityTooLarge);
        statuses.Should().Contain(HttpStatusCode.BadRequest, "some corruptions are detected");
        await ShouldStillServeAsync(client, $"corrupted {file}");
    }

    private static async Task ShouldStillServeAsync(HttpClient client, string after)
    {
        using HttpResponseMessage response = await client.PostAsync("/api/predict", new StringContent(TestData.PixelsJson(TestData.MnistPixels(0)), Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"the server keeps serving after '{after}'");
    }
}
