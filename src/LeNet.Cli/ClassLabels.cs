namespace LeNet.Cli;

/// <summary>A labels file (<c>--labels</c>): the name of each class, one per line, in class order.</summary>
internal static class ClassLabels
{
    /// <summary>Reads the names; blank lines at the end (a final newline) are not classes.</summary>
    /// <param name="path">The text file (UTF-8).</param>
    /// <returns>The names, class 0 first.</returns>
    /// <exception cref="CliException">The file does not exist, cannot be read, or names no class.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.InputNotFound, $"labels file '{path}' not found");
        }

        List<string> lines;
        try
        {
            lines = [.. File.ReadAllLines(path).Select(line => line.Trim())];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.IOFailure, $"cannot read the labels file '{path}': {e.Message}", e);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines.Count > 0 ? lines : throw new CliException(ExitCodes.InvalidInput, $"the labels file '{path}' names no class (one name per line)");
    }
}
