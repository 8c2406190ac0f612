namespace LeNet.Imaging;

/// <summary>Thrown when a picture's header declares more pixels than allowed; nothing was decoded.</summary>
public sealed class ImageTooLargeException : IOException
{
    /// <summary>Creates the exception for the declared dimensions and the limit.</summary>
    /// <param name="width">The declared width.</param>
    /// <param name="height">The declared height.</param>
    /// <param name="maxPixels">The largest pixel count allowed.</param>
    public ImageTooLargeException(long width, long height, long maxPixels)
        : base($"The image declares {width}×{height} pixels, more than the limit of {maxPixels:N0}; it was not decoded.")
    {
        (Width, Height, MaxPixels) = (width, height, maxPixels);
    }

    /// <summary>Creates the exception.</summary>
    public ImageTooLargeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The declared width.</summary>
    public long Width { get; }

    /// <summary>The declared height.</summary>
    public long Height { get; }

    /// <summary>The largest pixel count allowed.</summary>
    public long MaxPixels { get; }
}
