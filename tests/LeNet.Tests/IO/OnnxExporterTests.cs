using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Tests.IO;

/// <summary>The exporter's errors and its file handling; the graph itself is checked in tests/LeNet.OnnxTests with Google.Protobuf and ONNX Runtime.</summary>
public class OnnxExporterTests
{
    [Fact]
    public void Export_UnsupportedLayer_ThrowsNamingItAndItsPosition()
    {
        using var dir = new TempDirectory();
        var net = new Sequential(new Linear(4, 3), new Sequential(new Sigmoid(), new Doubler()));

        Action act = () => OnnxExporter.Export(net, dir.File("x.onnx"), 2, 4);

        act.Should().Throw<NotSupportedException>().WithMessage("*layer 1.1 (Doubler, LeNet.Tests.IO.OnnxExporterTests+Doubler) has no ONNX mapping*");
        Directory.GetFiles(dir.Path).Should().BeEmpty();
    }

    [Fact]
    public void Export_ShapeThatDoesNotFit_ThrowsArgumentNamingTheLayer()
    {
        using var dir = new TempDirectory();

        Action act = () => OnnxExporter.Export(LeNetFactory.Create(), dir.File("x.onnx"), 1, 3, 28, 28);

        act.Should().Throw<ArgumentException>().WithMessage("*Conv2d(1→6, k=5, padding=2): expected 1 input channel, got 3*");
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0, 1, 28, 28 })]
    [InlineData(new[] { 1, 1, -28, 28 })]
    public void Export_InvalidInputShape_ThrowsArgument(int[] shape)
    {
        using var dir = new TempDirectory();

        Action act = () => OnnxExporter.Export(LeNetFactory.Create(), dir.File("x.onnx"), shape);

        act.Should().Throw<ArgumentException>().WithMessage("*input shape must have a batch dimension and positive sizes*");
    }

    [Fact]
    public void Export_EmptyModel_ThrowsArgument()
    {
        using var dir = new TempDirectory();

        Action act = () => OnnxExporter.Export(new Sequential(), dir.File("x.onnx"), 1, 4);

        act.Should().Throw<ArgumentException>().WithMessage("*no layers*");
    }

    [Fact]
    public void Export_StreamFailsMidWrite_LeavesTheOldFileIntact()
    {
        using var dir = new TempDirectory();
        string path = dir.File("lenet.onnx");
        OnnxExporter.Export(LeNetFactory.Create(1), path, 1, 1, 28, 28);
        byte[] before = File.ReadAllBytes(path);

        Action act = () => OnnxExporter.Export(LeNetFactory.Create(2), path, [1, 1, 28, 28], wrap: file => new FailingStream(file, failAfter: 4096));

        act.Should().Throw<IOException>().WithMessage("Simulated failure*");
        File.ReadAllBytes(path).Should().Equal(before);
        Directory.GetFiles(dir.Path).Should().Equal(path);
    }

    [Fact]
    public void Export_SameModelTwice_IsDeterministic()
    {
        byte[] first = OnnxExporter.Serialize(LeNetFactory.Create(3), [1, 1, 28, 28]);
        byte[] second = OnnxExporter.Serialize(LeNetFactory.Create(3), [64, 1, 28, 28]);
        byte[] other = OnnxExporter.Serialize(LeNetFactory.Create(4), [1, 1, 28, 28]);

        second.Should().Equal(first, "the batch size is symbolic, so it does not change the file");
        other.Should().NotEqual(first);
    }

    private sealed class Doubler : Layer
    {
        public override string Name => nameof(Doubler);

        protected override Tensor ForwardCore(Tensor input) => input;

        public override Tensor Backward(Tensor outputGradient) => outputGradient;

        public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();
    }
}
