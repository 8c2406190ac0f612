using LeNet.IO;
using LeNet.Layers;
using LeNet.Tests;
using Xunit.Abstractions;

namespace LeNet.OnnxTests;

/// <summary>The part-A layers (activations, the Softmax family, Dropout, padding, PixelShuffle, Unflatten) exported to ONNX and run in ONNX Runtime, against their own evaluation-mode Forward.</summary>
public class LayerExportTestsA(ITestOutputHelper output)
{
    /// <summary>Each case: the layer and the shape of one sample (the batch is added in front).</summary>
    private static (Layer Layer, int[] Sample) Case(string name) => name switch
    {
        "Tanh" => (new Tanh(), [3, 4, 5]),
        "LeakyReLU" => (new LeakyReLU(), [3, 4, 5]),
        "LeakyReLU(0.3)" => (new LeakyReLU(0.3f), [7]),
        "ELU(0.5)" => (new ELU(0.5f), [3, 4, 5]),
        "SELU" => (new SELU(), [2, 9]),
        "PReLU" => (new PReLU(), [3, 4, 5]),
        "PReLU(3)" => (Slopes(new PReLU(3), 0.1f, -0.4f, 0.7f), [3, 4, 5]),
        "PReLU(3) rank 2" => (Slopes(new PReLU(3), 0.5f, 0.05f, -1.2f), [3]),
        "Softplus" => (new Softplus(), [3, 4, 5]),
        "Softplus(2, 5)" => (new Softplus(2f, 5f), [3, 4, 5]),
        "Softsign" => (new Softsign(), [3, 4, 5]),
        "GLU" => (new GLU(), [3, 6]),
        "GLU(1)" => (new GLU(1), [4, 3, 3]),
        "Identity" => (new Identity(), [2, 3]),
        "Softmax(1)" => (new Softmax(1), [5, 3, 4]),
        "Softmax(-1)" => (new Softmax(-1), [5, 3, 4]),
        "LogSoftmax(1)" => (new LogSoftmax(1), [10]),
        "LogSoftmax(2)" => (new LogSoftmax(2), [2, 6, 3]),
        "Softmin(-2)" => (new Softmin(-2), [2, 6, 3]),
        "Dropout" => (new Dropout(0.5f, new Random(1)), [3, 4, 5]),
        "Dropout2d" => (new Dropout2d(0.5f, new Random(1)), [3, 4, 5]),
        "ZeroPad2d(2)" => (new ZeroPad2d(2), [2, 4, 5]),
        "ZeroPad2d(1, 2, 0, 3)" => (new ZeroPad2d((1, 2, 0, 3)), [2, 4, 5]),
        "ConstantPad2d" => (new ConstantPad2d((2, 1, 3, 0), 1.5f), [2, 4, 5]),
        "ReflectionPad2d" => (new ReflectionPad2d((3, 1, 2, 0)), [2, 4, 5]),
        "ReplicationPad2d" => (new ReplicationPad2d((0, 2, 4, 1)), [2, 3, 3]),
        "PixelShuffle(2)" => (new PixelShuffle(2), [8, 3, 3]),
        "PixelShuffle(3)" => (new PixelShuffle(3), [9, 2, 4]),
        "Unflatten(1)" => (new Unflatten(1, [2, -1]), [12]),
        "Unflatten(-1)" => (new Unflatten(-1, [2, 2, 2]), [3, 8]),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Names => new()
    {
        "Tanh", "LeakyReLU", "LeakyReLU(0.3)", "ELU(0.5)", "SELU", "PReLU", "PReLU(3)", "PReLU(3) rank 2", "Softplus", "Softplus(2, 5)",
        "Softsign", "GLU", "GLU(1)", "Identity", "Softmax(1)", "Softmax(-1)", "LogSoftmax(1)", "LogSoftmax(2)", "Softmin(-2)", "Dropout",
        "Dropout2d", "ZeroPad2d(2)", "ZeroPad2d(1, 2, 0, 3)", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "PixelShuffle(2)",
        "PixelShuffle(3)", "Unflatten(1)", "Unflatten(-1)",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxRuntime_ExportedLayer_MatchesEvaluationForwardForBatches1And3(string name)
    {
        (Layer layer, int[] sample) = Case(name);

        OrtRun.ExportAndCompare(new Sequential(layer), sample, output, $"{layer}", atol: 1e-5);
    }

    [Fact]
    public void Export_PixelShuffleOnRankThree_IsNotSupported()
    {
        using var dir = new TempDirectory();

        Action act = () => OnnxExporter.Export(new Sequential(new PixelShuffle(2)), dir.File("x.onnx"), 4, 2, 3);

        act.Should().Throw<NotSupportedException>().WithMessage("*PixelShuffle(upscale_factor=2)*DepthToSpace*");
    }

    [Fact]
    public void Export_UnflattenOfTheBatch_IsNotSupported()
    {
        using var dir = new TempDirectory();

        Action act = () => OnnxExporter.Export(new Sequential(new Unflatten(0, [1, -1])), dir.File("x.onnx"), 4, 2);

        act.Should().Throw<NotSupportedException>().WithMessage("*Unflatten*batch*");
    }

    private static PReLU Slopes(PReLU layer, params float[] slopes)
    {
        slopes.CopyTo(layer.Weight.Value.AsSpan());
        return layer;
    }
}
