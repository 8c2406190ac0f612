namespace LeNet.Cli;

/// <summary>The tool's exit codes, documented in the README.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The arguments could not be parsed (System.CommandLine's own code).</summary>
    public const int Usage = 1;
}
