using System.Text.Json;

namespace LeNet.Web.Tests;

/// <summary>The answer of POST /api/predict, as a client reads it.</summary>
public sealed record Prediction(int Digit, float[] Probabilities, string Model, long ElapsedMicroseconds)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<Prediction> ReadAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(body);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        return JsonSerializer.Deserialize<Prediction>(body, Web)!;
    }
}
