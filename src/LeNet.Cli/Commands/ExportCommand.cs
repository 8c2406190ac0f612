using System.CommandLine;
using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet export --weights model.safetensors --onnx model.onnx [--model lenet|modern|bn|wide] [--strip-prefix PREFIX]</c>: loads
/// PyTorch-named weights into LeNet and writes the network as ONNX for a [N, 1, 28, 28] input.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> weights = CommonOptions.Weights();
        var onnx = new Option<string>("--onnx")
        {
            Description = "The ONNX file to write (replaced atomically if it exists).",
            Required = true,
        };
        Option<string?> model = CommonOptions.ModelOfWeights();
        Option<string?> stripPrefix = CommonOptions.StripPrefix();

        var command = new Command("export", "Load LeNet weights from a safetensors or PyTorch .pt/.pth file and export the network as ONNX (input [N, 1, 28, 28]).")
        {
            weights,
            onnx,
            model,
            stripPrefix,
        };
        command.SetAction(parse => CommandRunner.Run(context, "export", () =>
        {
            string weightsPath = parse.GetValue(weights)!, onnxPath = parse.GetValue(onnx)!;
            Module net = CommonOptions.Load(context, parse.GetValue(model), weightsPath, out string modelName, parse.GetValue(stripPrefix));
            try
            {
                OnnxExporter.Export(net, onnxPath, 1, 1, 28, 28);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.IOFailure, $"cannot write '{onnxPath}': {e.Message}", e);
            }

            context.Output.WriteLine($"Exported {modelName} from '{weightsPath}' to '{onnxPath}' (ONNX IR {OnnxExporter.IrVersion}, opset {OnnxExporter.OpsetVersion}, input [N, 1, 28, 28], output [N, 10]).");
            return ExitCodes.Success;
        }));
        return command;
    }
}
