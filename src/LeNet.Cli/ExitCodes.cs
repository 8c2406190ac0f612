namespace LeNet.Cli;

/// <summary>The tool's exit codes, documented in the README.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The arguments could not be parsed (System.CommandLine's own code).</summary>
    public const int Usage = 1;

    /// <summary>An input file (e.g. <c>--weights</c>) does not exist.</summary>
    public const int InputNotFound = 2;

    /// <summary>An input file exists but is not valid (e.g. a corrupt safetensors file).</summary>
    public const int InvalidInput = 3;

    /// <summary>The weights do not fit the model: a missing or unexpected key, or a wrong shape.</summary>
    public const int WeightsMismatch = 4;

    /// <summary>An input could not be read or the output could not be written (I/O error, permissions, missing folder).</summary>
    public const int IOFailure = 5;
}
