using System.CommandLine;
using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet convert IN OUT [--model lenet|modern|bn|wide] [--strip-prefix PREFIX]</c>: loads weights from a PyTorch
/// torch.save file (<c>.pt</c>/<c>.pth</c>, recognised by content) or a safetensors file into the network, or
/// imports a whole <c>.onnx</c> model (which brings its own network: <c>--model</c> and <c>--strip-prefix</c> are
/// then usage errors), and writes its weights as <c>.pt</c>/<c>.pth</c> or <c>.safetensors</c>, or the whole
/// network as <c>.onnx</c> (weights files: input [1, 1, 28, 28]; an ONNX model: the input shape its graph declares).
/// </summary>
internal static class ConvertCommand
{
    /// <summary>The input of evaluate, predict and export, and of an ONNX model whose graph declares no shape.</summary>
    private static readonly int[] MnistInput = [1, 1, 28, 28];

    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("in") { Description = "The file to read: a PyTorch .pt/.pth file (a state dict or a checkpoint holding one), a .safetensors file, or an .onnx model (its network and weights; --model and --strip-prefix do not apply)." };
        var output = new Argument<string>("out") { Description = "The file to write (replaced atomically): .pt or .pth (torch.save zip format), .safetensors, or .onnx (the network with these weights, for an input [N, 1, 28, 28], or the input shape an .onnx IN declares)." };
        Option<string?> model = CommonOptions.ModelOfWeights();
        Option<string?> stripPrefix = CommonOptions.StripPrefix();
        var command = new Command("convert", "Convert weights between PyTorch .pt/.pth and .safetensors, export them with the network as .onnx, or take the weights out of an .onnx model.")
        {
            input,
            output,
            model,
            stripPrefix,
        };
        command.SetAction(parse => CommandRunner.Run(context, "convert", () =>
        {
            string inPath = parse.GetValue(input)!, outPath = parse.GetValue(output)!;
            string outFormat = Path.GetExtension(outPath).ToLowerInvariant();
            if (outFormat is not (".pt" or ".pth" or ".safetensors" or ".onnx"))
            {
                throw new CliException(ExitCodes.Usage, $"cannot tell the output format of '{outPath}': name it .pt, .pth, .safetensors or .onnx");
            }

            Module net;
            int[] inputShape;
            string from;
            if (Path.GetExtension(inPath).Equals(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                net = ImportOnnx(inPath, parse.GetValue(model), parse.GetValue(stripPrefix), out inputShape);
                from = $"the ONNX model '{inPath}'";
            }
            else
            {
                net = CommonOptions.Load(context, parse.GetValue(model), inPath, out string modelName, parse.GetValue(stripPrefix));
                inputShape = MnistInput;
                from = $"the {modelName} weights of '{inPath}'";
            }

            try
            {
                switch (outFormat)
                {
                    case ".onnx":
                        OnnxExporter.Export(net, outPath, inputShape);
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
            catch (NotSupportedException e)
            {
                // An imported layer the exporter has no ONNX mapping for.
                throw new CliException(ExitCodes.InvalidInput, $"cannot write '{outPath}': {e.Message}", e);
            }

            string what = outFormat switch
            {
                ".onnx" => $"ONNX IR {OnnxExporter.IrVersion}, opset {OnnxExporter.OpsetVersion}, input {Tensor.FormatShape(inputShape)}",
                ".safetensors" => "safetensors, F32",
                _ => "torch.save zip format, float32",
            };
            context.Output.WriteLine($"Converted {from} to '{outPath}' ({what}).");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// The network of an ONNX input, and the input shape to export it with: the one the graph declares (batch 1),
    /// else MNIST's [1, 1, 28, 28]; checked by running the shapes through the network.
    /// </summary>
    private static Module ImportOnnx(string path, string? model, string? stripPrefix, out int[] inputShape)
    {
        if (model is not null)
        {
            throw new CliException(ExitCodes.Usage, "--model applies to weights files; an ONNX model brings its own network");
        }

        if (stripPrefix is not null)
        {
            throw new CliException(ExitCodes.Usage, "--strip-prefix applies to weights files; an ONNX model's weights are named by its own graph");
        }

        Module net = CommonOptions.ImportOnnx(path, out int[]? declared);
        inputShape = declared ?? MnistInput;
        try
        {
            net.GetOutputShape(inputShape);
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"the ONNX model '{path}' does not take its input {Tensor.FormatShape(inputShape)}: {e.Message}", e);
        }

        return net;
    }
}
