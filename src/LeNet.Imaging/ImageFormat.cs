namespace LeNet.Imaging;

/// <summary>The picture formats <see cref="DigitImageDecoder"/> reads.</summary>
public enum ImageFormat
{
    /// <summary>Not a format this decoder reads.</summary>
    Unknown,

    /// <summary>PNG (any colour type, with alpha).</summary>
    Png,

    /// <summary>JPEG (baseline or progressive).</summary>
    Jpeg,

    /// <summary>Netpbm greymap: binary P5 or plain-text P2, 8 or 16 bits.</summary>
    Pgm,
}
