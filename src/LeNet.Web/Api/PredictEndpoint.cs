using System.Diagnostics;
using LeNet.Imaging;
using LeNet.Models;
using LeNet.Web.Models;
using Microsoft.Extensions.Options;

namespace LeNet.Web.Api;

/// <summary>
/// <c>POST /api/predict[?model=classic|modern]</c>: a PNG, JPEG or PGM picture of a digit (decoded, its
/// dimensions checked first, and preprocessed like MNIST) or JSON <c>{"pixels": [784 numbers in 0..1]}</c>
/// (used as it is) → <see cref="PredictionResponse"/>. Every bad input is a 400, 413 or 415 problem.
/// </summary>
internal static class PredictEndpoint
{
    /// <summary>Handles one request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="models">The shared models.</param>
    /// <param name="limits">The body and image size limits.</param>
    /// <returns>200 with the prediction, or a problem.</returns>
    public static async Task<IResult> HandleAsync(HttpContext context, DigitModels models, IOptions<RequestLimits> limits)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(limits);
        try
        {
            // Cheap checks first: the model and the Content-Type are known before a byte of the body is read.
            ServedModel model = Resolve(models, context.Request.Query["model"]);
            string? contentType = context.Request.ContentType;
            MediaTypes.Classify(contentType, out bool isJson, out ImageFormat announced);
            byte[] body = await RequestBody.ReadAsync(context.Request, limits.Value.MaxBodyBytes, context.RequestAborted);

            long start = Stopwatch.GetTimestamp();
            float[] image = isJson ? PixelsJson.Parse(body) : Decode(body, announced, contentType!, limits.Value.MaxImagePixels);
            DigitPrediction prediction = model.Network.PredictDigit(image);
            long elapsed = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            return TypedResults.Ok(new PredictionResponse(prediction.Digit, prediction.Probabilities, model.Name, elapsed));
        }
        catch (ApiProblem problem)
        {
            return problem.ToResult(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away while sending: nobody is left to answer.
            return TypedResults.Empty;
        }
    }

    private static ServedModel Resolve(DigitModels models, Microsoft.Extensions.Primitives.StringValues query)
    {
        if (query.Count == 0)
        {
            return models.Default;
        }

        string name = query.Count == 1 ? query[0] ?? "" : string.Join(",", query.ToArray());
        return ServedModel.TryParseName(name, out LeNetVariant variant) ? models[variant] : throw Problems.UnknownModel(name);
    }

    /// <summary>Checks the bytes are the announced format, checks the declared dimensions, then decodes and preprocesses.</summary>
    private static float[] Decode(byte[] body, ImageFormat announced, string contentType, long maxPixels)
    {
        ImageFormat actual = DigitImageDecoder.DetectFormat(body);
        if (actual == ImageFormat.Unknown)
        {
            throw Problems.NotAnImage(contentType);
        }

        if (actual != announced)
        {
            throw Problems.ContentTypeMismatch(contentType, actual);
        }

        try
        {
            return DigitImageDecoder.DecodeToMnist(body, maxPixels);
        }
        catch (ImageTooLargeException e)
        {
            throw Problems.ImageTooLarge(e.Width, e.Height, e.MaxPixels);
        }
        catch (InvalidDataException e)
        {
            throw Problems.InvalidImage(e.Message);
        }
    }
}
