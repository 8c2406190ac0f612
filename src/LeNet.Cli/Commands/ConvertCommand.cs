using System.CommandLine;
using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet convert IN OUT [--model lenet|modern]</c>: loads weights from a PyTorch torch.save file
/// (<c>.pt</c>/<c>.pth</c>, recognised by content) or a safetensors file into the network, and writes them as
/// <c>.pt</c>/<c>.pth</c>, <c>.safetensors</c>, or the whole network as <c>.onnx</c> (input [1, 1, 28, 28]).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("in") { Description = "The weights to read: a PyTorch .pt/.pth file (a state dict or a checkpoint holding one) or a .safetensors file." };
        var output = new Argument<string>("out") { Description = "The file to write (replaced atomically): .pt or .pth (torch.save zip format), .safetensors, or .onnx (the network with these weights)." };
        Option<string?> model = CommonOptions.ModelOfWeights();
        var command = new Command("convert", "Convert weights between PyTorch .pt/.pth and .safetensors, or export them with the network as .onnx.")
        {
            input,
            output,
            model,
        };
        command.SetAction(parse => CommandRunner.Run(context, "convert", () =>
        {
            string inPath = parse.GetValue(input)!, outPath = parse.GetValue(output)!;
            string outFormat = Path.GetExtension(outPath).ToLowerInvariant();
            if (outFormat is not (".pt" or ".pth" or ".safetensors" or ".onnx"))
            {
                throw new CliException(ExitCodes.Usage, $"cannot tell the output format of '{outPath}': name it .pt, .pth, .safetensors or .onnx");
            }

            if (Path.GetExtension(inPath).Equals(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException(ExitCodes.Usage, $"converting from ONNX ('{inPath}') is not supported yet; the input must be a .pt/.pth or .safetensors file");
            }

            Sequential net = CommonOptions.Load(context, parse.GetValue(model), inPath, out string modelName);
            try
            {
                switch (outFormat)
                {
                    case ".onnx":
                        OnnxExporter.Export(net, outPath, 1, 1, 28, 28);
                        break;
                    case ".safetensors":
                        net.Save(outPath);
                        break;
                    default:
                        TorchFile.Write(outPath, net.StateDict());
                        break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.IOFailure, $"cannot write '{outPath}': {e.Message}", e);
            }

            string what = outFormat switch
            {
                ".onnx" => $"ONNX IR {OnnxExporter.IrVersion}, opset {OnnxExporter.OpsetVersion}, input [1, 1, 28, 28]",
                ".safetensors" => "safetensors, F32",
                _ => "torch.save zip format, float32",
            };
            context.Output.WriteLine($"Converted the {modelName} weights of '{inPath}' to '{outPath}' ({what}).");
            return ExitCodes.Success;
        }));
        return command;
    }
}
