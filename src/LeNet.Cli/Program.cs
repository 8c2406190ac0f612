using LeNet.Cli;

// Ctrl+C asks the running command to stop at a safe point (training saves what it has); a second Ctrl+C kills.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};

return LeNetCommand.Run(args, Console.Out, Console.Error, isTerminal: !Console.IsOutputRedirected, cancellation: cancel.Token);
