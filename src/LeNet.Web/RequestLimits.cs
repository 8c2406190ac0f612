namespace LeNet.Web;

/// <summary>How much one request may ask of the server (configuration section <c>Limits</c>).</summary>
internal sealed class RequestLimits
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Limits";

    /// <summary>The largest request body accepted, in bytes (1 MB); a larger one gets 413.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The largest image accepted, in pixels (width·height, 1024×1024), checked from the header before decoding:
    /// decoding and preprocessing allocate about 21 bytes per pixel, so this bounds a request at about 22 MB.
    /// </summary>
    public long MaxImagePixels { get; set; } = 1024 * 1024;
}
