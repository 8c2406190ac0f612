using System.Globalization;
using LeNet.Imaging;

namespace LeNet.Web.Api;

/// <summary>Every problem <c>POST /api/predict</c> can answer (the README's table lists them).</summary>
internal static class Problems
{
    private const string Accepted = "image/png, image/jpeg, image/x-portable-graymap, or application/json with {\"pixels\": [784 numbers in 0..1]}";

    public static ApiProblem UnknownModel(string model) => new(
        StatusCodes.Status400BadRequest, "unknown-model", "Unknown model",
        $"The model '{Truncate(model)}' does not exist; use ?model=classic or ?model=modern (the default).");

    public static ApiProblem UnsupportedMediaType(string? contentType) => new(
        StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
        contentType is null
            ? $"The request has no Content-Type; send {Accepted}."
            : $"The Content-Type '{Truncate(contentType)}' is not accepted; send {Accepted}.");

    public static ApiProblem BodyTooLarge(long? declared, int limit) => new(
        StatusCodes.Status413PayloadTooLarge, "body-too-large", "Body too large",
        declared is long bytes
            ? string.Create(CultureInfo.InvariantCulture, $"The body is {bytes:N0} bytes; the limit is {limit:N0} bytes.")
            : string.Create(CultureInfo.InvariantCulture, $"The body is larger than the limit of {limit:N0} bytes."));

    public static ApiProblem EmptyBody() => new(
        StatusCodes.Status400BadRequest, "empty-body", "Empty body",
        $"The request body is empty; send {Accepted}.");

    public static ApiProblem UnreadableBody(string reason) => new(
        StatusCodes.Status400BadRequest, "unreadable-body", "Unreadable body",
        $"The request body could not be read: {reason}");

    public static ApiProblem NotAnImage(string contentType) => new(
        StatusCodes.Status400BadRequest, "not-an-image", "Not an image",
        $"The body is sent as {contentType} but is not a PNG, JPEG or PGM image (its first bytes are not any of their signatures).");

    public static ApiProblem ContentTypeMismatch(string contentType, ImageFormat actual) => new(
        StatusCodes.Status400BadRequest, "content-type-mismatch", "Content-Type does not match the image",
        $"The body is sent as {contentType} but is a {actual.ToString().ToUpperInvariant()} image; send it as {MediaTypes.Of(actual)}.");

    public static ApiProblem InvalidImage(string reason) => new(
        StatusCodes.Status400BadRequest, "invalid-image", "Invalid image",
        $"The image cannot be decoded: {reason}");

    public static ApiProblem ImageTooLarge(long width, long height, long maxPixels) => new(
        StatusCodes.Status413PayloadTooLarge, "image-too-large", "Image too large",
        string.Create(CultureInfo.InvariantCulture, $"The image header declares {width:N0}×{height:N0} pixels, more than the limit of {maxPixels:N0} pixels; it was not decoded."));

    public static ApiProblem InvalidJson(string reason) => new(
        StatusCodes.Status400BadRequest, "invalid-json", "Invalid JSON",
        $"The body is not valid JSON: {reason}");

    public static ApiProblem MissingPixels(string reason) => new(
        StatusCodes.Status400BadRequest, "missing-pixels", "Missing pixels",
        $"{reason}; send {{\"pixels\": [784 numbers in 0..1]}}, a 28×28 image row by row, white ink on black.");

    public static ApiProblem WrongPixelCount(int count) => new(
        StatusCodes.Status400BadRequest, "wrong-pixel-count", "Wrong pixel count",
        string.Create(CultureInfo.InvariantCulture, $"\"pixels\" has {count:N0} values; expected 784 (a 28×28 image, row by row)."));

    public static ApiProblem PixelNotANumber(int index, string token) => new(
        StatusCodes.Status400BadRequest, "pixel-not-a-number", "Pixel is not a number",
        string.Create(CultureInfo.InvariantCulture, $"pixels[{index}] is {token}; every pixel must be a number in 0..1."));

    public static ApiProblem PixelNotFinite(int index, string text) => new(
        StatusCodes.Status400BadRequest, "pixel-not-finite", "Pixel is not finite",
        string.Create(CultureInfo.InvariantCulture, $"pixels[{index}] is {Truncate(text)}, which is not a finite number; every pixel must be a number in 0..1."));

    public static ApiProblem PixelOutOfRange(int index, string text) => new(
        StatusCodes.Status400BadRequest, "pixel-out-of-range", "Pixel out of range",
        string.Create(CultureInfo.InvariantCulture, $"pixels[{index}] is {Truncate(text)}, outside 0..1 (0 is the black background, 1 the white ink)."));

    /// <summary>Client text quoted in a problem is cut to 40 characters.</summary>
    private static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
