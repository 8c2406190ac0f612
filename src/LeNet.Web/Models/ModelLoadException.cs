namespace LeNet.Web.Models;

/// <summary>A model could not be loaded at start-up: a missing or invalid weights file, or missing pretrained weights.</summary>
internal sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException()
    {
    }

    /// <summary>Creates the exception with a message that says what to do.</summary>
    /// <param name="message">The message.</param>
    public ModelLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ModelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
