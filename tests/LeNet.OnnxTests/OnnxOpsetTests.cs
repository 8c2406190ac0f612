using LeNet.IO;
using LeNet.Layers;
using LeNet.Tests;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static LeNet.OnnxTests.OnnxImportTests;

namespace LeNet.OnnxTests;

/// <summary>
/// The importer across the opsets where operator signatures changed (Fixtures/opsets/make_opset_fixtures.py):
/// one network exported by real PyTorch 1.13.1 at opsets 7 to 16 (Clip, Pad, Split, Squeeze/Unsqueeze, BatchNormalization
/// and the pools in their old and new forms), graphs built node by node at opsets 18 to 21 (axes, pads and split sizes as
/// inputs, AveragePool 19's dilations), and a BatchNormalization exported in training mode; each compared with PyTorch's
/// stored output and with ONNX Runtime on the same file (1e-4 relative).
/// </summary>
public class OnnxOpsetTests(ITestOutputHelper output)
{
    private static readonly string Opsets = Path.Combine(AppContext.BaseDirectory, "Fixtures", "opsets");

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    public void Import_PyTorchExportAtOpset_MatchesPyTorchAndOnnxRuntime(int opset)
    {
        string path = Path.Combine(Opsets, $"opsetnet_opset{opset}.onnx");
        Tensor x = ReadTensor(Path.Combine(Opsets, "opsetnet.input.pb"));
        float[] torch = ReadTensor(Path.Combine(Opsets, "opsetnet.output.pb")).ToArray();
        using var session = new InferenceSession(path);
        float[] ort = OrtRun.Run(session, x, out _);

        Module net = OnnxImporter.Import(path);
        float[] actual = net.Forward(x).ToArray();

        output.WriteLine($"opset {opset}: max |ours − PyTorch| {MaxAbsDifference(actual, torch):E2}, max |ours − ORT| {MaxAbsDifference(actual, ort):E2}");
        actual.Should().BeCloseTo(torch, atol: 1e-5, rtol: 1e-4);
        actual.Should().BeCloseTo(ort, atol: 1e-5, rtol: 1e-4);
    }

    [Theory]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(20)]
    [InlineData(21)]
    public void Import_HandMadeGraphAtOpset_MatchesOnnxRuntime(int opset)
    {
        string path = Path.Combine(Opsets, $"handmade_opset{opset}.onnx");
        Tensor x = ReadTensor(Path.Combine(Opsets, "handmade.input.pb"));
        using var session = new InferenceSession(path);
        float[] ort = OrtRun.Run(session, x, out long[] shape);

        Module net = OnnxImporter.Import(path);
        Tensor actual = net.Forward(x);

        output.WriteLine($"opset {opset}: output {Tensor.FormatShape(actual.Shape)}, max |ours − ORT| {MaxAbsDifference(actual.ToArray(), ort):E2}");
        actual.Shape.ToArray().Should().Equal(shape.Select(d => (int)d));
        actual.ToArray().Should().BeCloseTo(ort, atol: 1e-5, rtol: 1e-4);
    }

    [Fact]
    public void Import_BatchNormalizationInTrainingMode_UsesBatchStatisticsLikePyTorchAndOnnxRuntime()
    {
        string path = Path.Combine(Opsets, "bn_training_opset15.onnx");
        Tensor x = ReadTensor(Path.Combine(Opsets, "bn_training.input.pb"));
        float[] torch = ReadTensor(Path.Combine(Opsets, "bn_training.output.pb")).ToArray();
        using var session = new InferenceSession(path);
        float[] ort = OrtRun.Run(session, x, out _);

        Module net = OnnxImporter.Import(path);
        float[] evaluation = net.Forward(x).ToArray();
        net.Train();
        float[] training = net.Forward(x).ToArray();

        output.WriteLine($"max |ours − PyTorch train()| {MaxAbsDifference(evaluation, torch):E2}, max |ours − ORT| {MaxAbsDifference(evaluation, ort):E2}");
        net.NamedModules().Select(m => m.Layer).OfType<BatchNorm2d>().Should().ContainSingle().Which.TrackRunningStats.Should().BeFalse();
        evaluation.Should().BeCloseTo(torch, atol: 1e-5, rtol: 1e-4);
        evaluation.Should().BeCloseTo(ort, atol: 1e-5, rtol: 1e-4);
        training.Should().BeCloseTo(torch, atol: 1e-5, rtol: 1e-4);
    }
}
