using LeNet.Cli;

return LeNetCommand.Run(args, Console.Out, Console.Error);
