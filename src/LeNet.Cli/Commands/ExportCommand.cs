using System.CommandLine;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet export --weights model.safetensors --onnx model.onnx [--model lenet|modern]</c>: loads
/// PyTorch-named weights into LeNet and writes the network as ONNX for a [N, 1, 28, 28] input.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var weights = new Option<string>("--weights")
        {
            Description = "The safetensors file with the state dict (PyTorch names: 0.weight, 0.bias, ...).",
            Required = true,
        };
        var onnx = new Option<string>("--onnx")
        {
            Description = "The ONNX file to write (replaced atomically if it exists).",
            Required = true,
        };
        var model = new Option<string>("--model")
        {
            Description = "The network the weights belong to: lenet (Sigmoid, AvgPool2d) or modern (ReLU, MaxPool2d).",
            DefaultValueFactory = _ => "lenet",
        };
        model.AcceptOnlyFromAmong("lenet", "modern");

        var command = new Command("export", "Load LeNet weights from a safetensors file and export the network as ONNX (input [N, 1, 28, 28]).")
        {
            weights,
            onnx,
            model,
        };
        command.SetAction(parse => Run(parse.GetValue(weights)!, parse.GetValue(onnx)!, parse.GetValue(model)!, output, error));
        return command;
    }

    /// <summary>Loads, exports, and turns every expected failure into one line on <paramref name="error"/> and an exit code.</summary>
    private static int Run(string weightsPath, string onnxPath, string modelName, TextWriter output, TextWriter error)
    {
        Sequential net = modelName == "modern" ? LeNetFactory.CreateModern() : LeNetFactory.Create();
        try
        {
            net.Load(weightsPath, strict: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Fail(error, ExitCodes.InputNotFound, $"weights file '{weightsPath}' not found");
        }
        catch (InvalidDataException e)
        {
            return Fail(error, ExitCodes.InvalidInput, e.Message);
        }
        catch (ArgumentException e)
        {
            return Fail(error, ExitCodes.WeightsMismatch, $"the weights in '{weightsPath}' do not fit the {modelName} model: {MessageOf(e)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(error, ExitCodes.IOFailure, $"cannot read '{weightsPath}': {e.Message}");
        }

        try
        {
            OnnxExporter.Export(net, onnxPath, 1, 1, 28, 28);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(error, ExitCodes.IOFailure, $"cannot write '{onnxPath}': {e.Message}");
        }

        output.WriteLine($"Exported {modelName} from '{weightsPath}' to '{onnxPath}' (ONNX IR {OnnxExporter.IrVersion}, opset {OnnxExporter.OpsetVersion}, input [N, 1, 28, 28], output [N, 10]).");
        return ExitCodes.Success;
    }

    private static int Fail(TextWriter error, int code, string message)
    {
        // One line, whatever the message: scripts read stderr line by line.
        error.WriteLine("lenet export: " + message.ReplaceLineEndings(" "));
        return code;
    }

    /// <summary>The message without the " (Parameter 'name')" suffix .NET appends.</summary>
    private static string MessageOf(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
