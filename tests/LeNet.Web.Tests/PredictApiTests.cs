using System.Net.Http.Headers;
using System.Text;
using LeNet.Imaging;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Web.Tests;

/// <summary>POST /api/predict with each content type and model, answered as the library answers in-process.</summary>
public class PredictApiTests(WebAppFactory factory) : IClassFixture<WebAppFactory>
{
    private static readonly Lazy<Sequential> Classic = new(() => LeNetFactory.CreatePretrained(LeNetVariant.Classic));
    private static readonly Lazy<Sequential> Modern = new(() => LeNetFactory.CreatePretrained(LeNetVariant.Modern));

    private static Sequential Model(string name) => name == "classic" ? Classic.Value : Modern.Value;

    private static ByteArrayContent Body(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    [Theory]
    [InlineData("drawn-0.png", "image/png", 0)]
    [InlineData("drawn-1.png", "image/png", 1)]
    [InlineData("drawn-7.png", "image/png", 7)]
    [InlineData("mnist-test-0-label-7.png", "image/png", 7)]
    [InlineData("mnist-test-1-label-2.jpg", "image/jpeg", 2)]
    [InlineData("mnist-test-2-label-1.pgm", "image/x-portable-graymap", 1)]
    public async Task Predict_PictureOfDigit_AnswersTheDigitAsTheLibraryDoes(string file, string contentType, int digit)
    {
        byte[] picture = TestData.Digit(file);
        foreach (string model in new[] { "classic", "modern" })
        {
            using HttpClient client = factory.CreateClient();

            using HttpResponseMessage response = await client.PostAsync($"/api/predict?model={model}", Body(picture, contentType));
            Prediction answer = await Prediction.ReadAsync(response);

            // The same decoding, preprocessing and network in-process give the same numbers, bit for bit.
            DigitPrediction expected = Model(model).PredictDigit(DigitImageDecoder.DecodeToMnist(picture));
            answer.Model.Should().Be(model);
            answer.Digit.Should().Be(digit, $"the {model} model reads {file} as a {digit}");
            answer.Probabilities.Should().Equal(expected.Probabilities);
            answer.Probabilities.Sum().Should().BeApproximately(1f, 1e-5f);
            answer.ElapsedMicroseconds.Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public async Task Predict_JsonPixelsOfMnistImages_UsedAsTheyAreWithoutPreprocessing()
    {
        using HttpClient client = factory.CreateClient();
        int correct = 0;
        const int Images = 40;
        for (int i = 0; i < Images; i++)
        {
            float[] pixels = TestData.MnistPixels(i);

            using HttpResponseMessage response = await client.PostAsync("/api/predict", new StringContent(TestData.PixelsJson(pixels), Encoding.UTF8, "application/json"));
            Prediction answer = await Prediction.ReadAsync(response);

            answer.Model.Should().Be("modern", "modern is the default");
            answer.Probabilities.Should().Equal(Modern.Value.PredictDigit(pixels).Probabilities);
            correct += answer.Digit == TestData.MnistTest.Labels[i] ? 1 : 0;
        }

        correct.Should().BeGreaterThanOrEqualTo(Images - 1, "the pretrained model reads MNIST test digits");
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON; charset=UTF-8")]
    public async Task Predict_JsonContentTypeVariants_Accepted(string contentType)
    {
        using HttpClient client = factory.CreateClient();
        byte[] body = Encoding.UTF8.GetBytes(TestData.PixelsJson(TestData.MnistPixels(3)));

        using HttpResponseMessage response = await client.PostAsync("/api/predict", Body(body, contentType));

        (await Prediction.ReadAsync(response)).Digit.Should().Be(TestData.MnistTest.Labels[3]);
    }

    [Theory]
    [InlineData("Classic", "classic")]
    [InlineData("MODERN", "modern")]
    public async Task Predict_ModelNameInAnyCase_SelectsThatModel(string query, string model)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/api/predict?model={query}", Body(TestData.MnistPgm(5), "image/x-portable-graymap"));

        (await Prediction.ReadAsync(response)).Model.Should().Be(model);
    }

    [Fact]
    public async Task Predict_400RequestsFrom16ConcurrentClients_AllAnsweredCorrectly()
    {
        // Each client sends 25 requests: JSON pixels and PGM pictures of different MNIST images, both models.
        const int Clients = 16, PerClient = 25;
        var requests = Enumerable.Range(0, Clients * PerClient).Select(i => (Image: i % 100, Model: i % 3 == 0 ? "classic" : "modern", Pgm: i % 2 == 0)).ToArray();
        float[][] expected = requests.Select(r => Model(r.Model).PredictDigit(
            r.Pgm ? DigitImageDecoder.DecodeToMnist(TestData.MnistPgm(r.Image)) : TestData.MnistPixels(r.Image)).Probabilities).ToArray();

        var answers = new Prediction[requests.Length];
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            using HttpClient client = factory.CreateClient();
            for (int k = 0; k < PerClient; k++)
            {
                int i = (c * PerClient) + k;
                (int image, string model, bool pgm) = requests[i];
                using HttpContent content = pgm
                    ? Body(TestData.MnistPgm(image), "image/x-portable-graymap")
                    : new StringContent(TestData.PixelsJson(TestData.MnistPixels(image)), Encoding.UTF8, "application/json");
                using HttpResponseMessage response = await client.PostAsync($"/api/predict?model={model}", content);
                answers[i] = await Prediction.ReadAsync(response);
            }
        }));

        for (int i = 0; i < requests.Length; i++)
        {
            answers[i].Model.Should().Be(requests[i].Model);
            answers[i].Probabilities.Should().Equal(expected[i], $"request {i} gets the same answer as a serial in-process call");
            answers[i].Digit.Should().Be(Array.IndexOf(expected[i], expected[i].Max()));
        }
    }

    [Fact]
    public async Task Predict_Request_LoggedWithStatusAndTime()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage ok = await client.PostAsync("/api/predict?model=classic", Body(TestData.MnistPgm(0), "image/x-portable-graymap"));
        using HttpResponseMessage bad = await client.PostAsync("/api/predict", Body([], "image/png"));

        factory.LogLines.Should().Contain(line => line.StartsWith("LeNet.Web.RequestTimingMiddleware: POST /api/predict?model=classic 200 in ") && line.EndsWith(" ms"));
        factory.LogLines.Should().Contain(line => line.StartsWith("LeNet.Web.RequestTimingMiddleware: POST /api/predict 400 empty-body in "));
    }
}
