using System.Text;
using System.Text.Json;

namespace LeNet.Web.Api;

/// <summary>
/// Parses <c>{"pixels": [784 numbers in 0..1]}</c>, a 28×28 image already preprocessed like MNIST, checking
/// every value and naming the first bad one. Other members of the object are ignored.
/// </summary>
internal static class PixelsJson
{
    /// <summary>The pixels of one image.</summary>
    public const int PixelCount = 28 * 28;

    /// <summary>Parses the body.</summary>
    /// <param name="json">The UTF-8 body.</param>
    /// <returns>784 values in [0, 1].</returns>
    /// <exception cref="ApiProblem">400: invalid JSON, no <c>pixels</c> array, a wrong count, a value that is not a finite number in 0..1.</exception>
    public static float[] Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Problems.MissingPixels($"The body is a JSON {Describe(reader.TokenType)}, not an object");
            }

            float[]? pixels = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isPixels = reader.ValueTextEquals("pixels"u8);
                reader.Read();
                if (!isPixels)
                {
                    reader.Skip();
                }
                else if (pixels is not null)
                {
                    throw Problems.MissingPixels("The object has \"pixels\" twice");
                }
                else
                {
                    pixels = ReadPixels(ref reader);
                }
            }

            // Anything after the object (a second value, stray characters) is a JsonException here.
            while (reader.Read())
            {
            }

            return pixels ?? throw Problems.MissingPixels("The object has no \"pixels\" member");
        }
        catch (JsonException e)
        {
            throw Problems.InvalidJson(e.Message);
        }
    }

    private static float[] ReadPixels(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Problems.MissingPixels($"\"pixels\" is a JSON {Describe(reader.TokenType)}, not an array");
        }

        var pixels = new float[PixelCount];
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw Problems.PixelNotANumber(count, reader.TokenType == JsonTokenType.String ? $"the string \"{reader.GetString()}\"" : Describe(reader.TokenType));
            }

            // Past 784 only count, to say how many there were; the 1 MB body limit bounds the loop.
            if (count < PixelCount)
            {
                // 1e999 parses to infinity (or fails to parse): JSON itself has no NaN or Infinity.
                if (!reader.TryGetDouble(out double value) || !double.IsFinite(value))
                {
                    throw Problems.PixelNotFinite(count, Encoding.UTF8.GetString(reader.ValueSpan));
                }

                if (value is < 0 or > 1)
                {
                    throw Problems.PixelOutOfRange(count, Encoding.UTF8.GetString(reader.ValueSpan));
                }

                pixels[count] = (float)value;
            }

            count++;
        }

        return count == PixelCount ? pixels : throw Problems.WrongPixelCount(count);
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => "nothing",
    };
}
