using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace LeNet.OnnxTests;

/// <summary>ONNX Runtime runs the exported file and agrees with LeNet's own Forward (and with libtorch).</summary>
public class OnnxRuntimeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("lenet")]
    [InlineData("modern")]
    public void OnnxRuntime_ExportedLeNet_MatchesForwardForBatches1And64(string variant)
    {
        using var dir = new TempDirectory();
        Sequential net = variant == "lenet" ? LeNetFactory.Create(11) : LeNetFactory.CreateModern(11);
        OnnxExporter.Export(net, dir.File("lenet.onnx"), 1, 1, 28, 28);
        using var session = new InferenceSession(dir.File("lenet.onnx"));

        foreach (int batch in new[] { 1, 64 })
        {
            Tensor x = Pixels(new Random(batch), batch, 1, 28, 28);

            float[] actual = OrtRun.Run(session, x, out long[] shape);

            float[] expected = net.Forward(x).ToArray();
            shape.Should().Equal(batch, 10);
            output.WriteLine($"{variant}, batch {batch}: max |ORT − LeNet| = {MaxAbsDifference(actual, expected):E2}");
            actual.Should().BeCloseTo(expected, atol: 1e-5);
        }
    }

    [Fact]
    public void OnnxRuntime_InputMetadata_HasTheSymbolicBatch()
    {
        using var dir = new TempDirectory();
        OnnxExporter.Export(LeNetFactory.Create(), dir.File("lenet.onnx"), 1, 1, 28, 28);

        using var session = new InferenceSession(dir.File("lenet.onnx"));

        NodeMetadata input = session.InputMetadata["input"];
        input.Dimensions.Should().Equal(-1, 1, 28, 28);
        input.SymbolicDimensions[0].Should().Be("N");
        session.OutputMetadata["output"].Dimensions.Should().Equal(-1, 10);
    }

    [Fact]
    public void OnnxRuntime_NestedStridedPaddedBiasFreeModel_MatchesForward()
    {
        using var dir = new TempDirectory();
        var random = new Random(5);
        var net = new Sequential(
            new Conv2d(3, 4, 3, stride: 2, padding: 1, bias: false, random: random),
            new ReLU(),
            new Sequential(new MaxPool2d(2), new Conv2d(4, 2, 1, random: random), new Sigmoid()),
            new AvgPool2d(3, stride: 1),
            new Flatten(),
            new Linear(2 * 2 * 3, 5, bias: false, random: random));
        Tensor x = Pixels(new Random(6), 3, 3, 17, 19);
        OnnxExporter.Export(net, dir.File("net.onnx"), 1, 3, 17, 19);
        using var session = new InferenceSession(dir.File("net.onnx"));

        float[] actual = OrtRun.Run(session, x, out long[] shape);

        shape.Should().Equal(3, 5);
        actual.Should().BeCloseTo(net.Forward(x).ToArray(), atol: 1e-5);
    }

    [Theory]
    [InlineData("lenet")]
    [InlineData("modern")]
    public void OnnxRuntime_LibTorchWeightsExported_MatchesLibTorchLogits(string variant)
    {
        using var dir = new TempDirectory();
        Sequential net = variant == "lenet" ? LeNetFactory.Create() : LeNetFactory.CreateModern();
        net.Load(Path.Combine(AppContext.BaseDirectory, "Golden", variant + ".safetensors"));
        SafeTensorsFile io = SafeTensors.Read(Path.Combine(AppContext.BaseDirectory, "Golden", variant + "-io.safetensors"));
        OnnxExporter.Export(net, dir.File("lenet.onnx"), 1, 1, 28, 28);
        using var session = new InferenceSession(dir.File("lenet.onnx"));

        float[] actual = OrtRun.Run(session, io["input"], out _);

        output.WriteLine($"{variant}: max |ORT − libtorch| = {MaxAbsDifference(actual, io["logits"].ToArray()):E2}");
        actual.Should().BeCloseTo(io["logits"].ToArray(), atol: 1e-5);
    }

    /// <summary>Values in [0, 1), like MNIST pixels.</summary>
    private static Tensor Pixels(Random random, params int[] shape)
    {
        var t = new Tensor(shape);
        Span<float> span = t.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = random.NextSingle();
        }

        return t;
    }

    private static float MaxAbsDifference(float[] actual, float[] expected) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
}
