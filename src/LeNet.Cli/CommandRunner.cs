using LeNet.Data;
using LeNet.Imaging;
using LeNet.Training;

namespace LeNet.Cli;

/// <summary>
/// Runs a command's body and turns every failure into one line on standard error and an exit code, so
/// no command prints a stack trace unless <c>--verbose</c> asks for it.
/// </summary>
internal static class CommandRunner
{
    public static int Run(CliContext context, string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            (int code, string message) = Classify(e);
            context.Error.WriteLine($"lenet {command}: {message.ReplaceLineEndings(" ")}");
            if (context.Verbose || code == ExitCodes.InternalError)
            {
                context.Error.WriteLine(context.Verbose ? e.ToString() : "(run with --verbose for the stack trace)");
            }

            return code;
        }
    }

    private static (int Code, string Message) Classify(Exception e) => e switch
    {
        CliException cli => (cli.ExitCode, cli.Message),
        FileNotFoundException f => (ExitCodes.InputNotFound, f.FileName is null ? f.Message : $"file '{f.FileName}' not found"),
        DirectoryNotFoundException d => (ExitCodes.InputNotFound, d.Message),
        ImageTooLargeException big => (ExitCodes.InvalidInput, big.Message),
        InvalidDataException invalid => (ExitCodes.InvalidInput, invalid.Message),
        MnistDownloadException download => (ExitCodes.DataUnavailable, download.Message),
        TrainingDivergedException diverged => (ExitCodes.Diverged, diverged.Message),
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled"),
        IOException or UnauthorizedAccessException => (ExitCodes.IOFailure, e.Message),
        _ => (ExitCodes.InternalError, $"unexpected error: {e.GetType().Name}: {e.Message}"),
    };
}
