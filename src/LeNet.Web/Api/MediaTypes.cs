using LeNet.Imaging;
using Microsoft.Net.Http.Headers;

namespace LeNet.Web.Api;

/// <summary>The request bodies <c>POST /api/predict</c> accepts, by Content-Type.</summary>
internal static class MediaTypes
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Pgm = "image/x-portable-graymap";
    public const string Json = "application/json";

    /// <summary>Reads the Content-Type: JSON pixels, or the image format it announces.</summary>
    /// <param name="contentType">The header, e.g. <c>application/json; charset=utf-8</c>.</param>
    /// <param name="isJson">True for JSON.</param>
    /// <param name="format">The announced image format, when not JSON.</param>
    /// <exception cref="ApiProblem">415: no Content-Type, one not accepted, or JSON in a charset other than UTF-8.</exception>
    public static void Classify(string? contentType, out bool isJson, out ImageFormat format)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? header))
        {
            throw Problems.UnsupportedMediaType(contentType);
        }

        string mediaType = header.MediaType.Value ?? "";
        isJson = mediaType.Equals(Json, StringComparison.OrdinalIgnoreCase);
        format = mediaType.ToLowerInvariant() switch
        {
            Png => ImageFormat.Png,
            Jpeg => ImageFormat.Jpeg,
            Pgm => ImageFormat.Pgm,
            _ => ImageFormat.Unknown,
        };
        bool utf8 = !header.Charset.HasValue || header.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
        if ((isJson && !utf8) || (!isJson && format == ImageFormat.Unknown))
        {
            throw Problems.UnsupportedMediaType(contentType);
        }
    }

    /// <summary>The media type to send a format as.</summary>
    /// <param name="format">PNG, JPEG or PGM.</param>
    /// <returns>Its media type.</returns>
    public static string Of(ImageFormat format) => format switch
    {
        ImageFormat.Png => Png,
        ImageFormat.Jpeg => Jpeg,
        _ => Pgm,
    };
}
