namespace LeNet.Cli;

/// <summary>An expected failure: printed as one line (<c>lenet COMMAND: message</c>) with its exit code.</summary>
internal sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
