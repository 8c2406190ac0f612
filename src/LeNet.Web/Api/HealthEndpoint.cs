using LeNet.Web.Models;

namespace LeNet.Web.Api;

/// <summary><c>GET /health</c>: 200 with the served models, once they are loaded (the app does not listen before).</summary>
internal static class HealthEndpoint
{
    /// <summary>Answers the health check.</summary>
    /// <param name="models">The shared models.</param>
    /// <returns>200 with <c>{"status": "healthy", "models": [{"name", "source", "testAccuracy"}]}</c>.</returns>
    public static IResult Handle(DigitModels models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return TypedResults.Ok(new HealthResponse(
            "healthy",
            [.. models.All.Select(m => new HealthModel(m.Name, m.Source, m.Metadata.GetValueOrDefault("test_accuracy")))]));
    }

    /// <summary>The health answer.</summary>
    /// <param name="Status">Always "healthy": an app that could not load its models does not start.</param>
    /// <param name="Models">The served models.</param>
    internal sealed record HealthResponse(string Status, HealthModel[] Models);

    /// <summary>One served model.</summary>
    /// <param name="Name">"classic" or "modern".</param>
    /// <param name="Source">"pretrained" or the weights file's full path.</param>
    /// <param name="TestAccuracy">The MNIST test accuracy recorded in the weights' metadata, if any.</param>
    internal sealed record HealthModel(string Name, string Source, string? TestAccuracy);
}
