using System.Buffers.Binary;
using LeNet.IO;
using LeNet.Layers;
using LeNet.OnnxTests.Onnx;
using LeNet.Tests;
using Xunit.Abstractions;

namespace LeNet.OnnxTests;

/// <summary>
/// The part-B layers (Conv2d and ConvTranspose2d in their general forms, MaxPool2d and AvgPool2d with padding,
/// dilation, ceil mode and count_include_pad, AdaptiveAvgPool2d, BatchNorm1d and BatchNorm2d, Dropout) exported to
/// ONNX and run in ONNX Runtime, against their own evaluation-mode Forward. The configurations are those of
/// tests/LeNet.Tests/Golden/torchnn/make_layers_b.py (where Forward is checked against PyTorch 1.13.1), plus ceil-mode
/// pools whose last window PyTorch drops for starting in the right padding (ONNX Runtime drops it too), and transposed
/// convolutions whose output padding reaches the stride (which ONNX Runtime refuses as an output_padding).
/// </summary>
public class LayerExportTestsB(ITestOutputHelper output)
{
    /// <summary>Each case: the layer and the shape of one sample (the batch is added in front).</summary>
    private static (Layer Layer, int[] Sample) Case(string name) => name switch
    {
        // Conv2d (make_layers_b.py's conv_*).
        "conv_rect" => (new Conv2d(2, 3, (3, 5), stride: (1, 2), padding: (1, 2), random: new Random(1)), [2, 7, 9]),
        "conv_dilated" => (new Conv2d(2, 4, 3, padding: 2, dilation: 2, random: new Random(2)), [2, 8, 8]),
        "conv_grouped" => (new Conv2d(4, 6, 3, groups: 2, bias: false, random: new Random(3)), [4, 6, 7]),
        "conv_depthwise" => (new Conv2d(3, 3, 3, padding: 1, groups: 3, random: new Random(4)), [3, 5, 6]),
        "conv_depthwise_x2" => (new Conv2d(3, 6, (2, 3), stride: (2, 2), groups: 3, random: new Random(5)), [3, 7, 8]),
        "conv_all" => (new Conv2d(4, 8, 3, stride: 2, padding: 2, bias: false, dilation: 2, groups: 2, random: new Random(6)), [4, 9, 11]),
        "conv_dilation_rect" => (new Conv2d(2, 2, (3, 2), stride: (2, 1), padding: (0, 1), dilation: (1, 3), random: new Random(7)), [2, 8, 9]),
        "conv_wide" => (new Conv2d(6, 10, (3, 3), padding: (1, 1), groups: 2, dilation: (2, 1), random: new Random(8)), [6, 10, 13]),
        "conv_plain_rect_input" => (new Conv2d(3, 5, 3, stride: 2, padding: 1, random: new Random(9)), [3, 6, 9]),

        // ConvTranspose2d (convt_*).
        "convt_basic" => (new ConvTranspose2d(2, 3, 3, random: new Random(10)), [2, 4, 5]),
        "convt_stride" => (new ConvTranspose2d(3, 2, 3, stride: 2, padding: 1, outputPadding: 1, random: new Random(11)), [3, 4, 4]),
        "convt_rect" => (new ConvTranspose2d(2, 4, (2, 3), stride: (2, 1), padding: (0, 1), random: new Random(12)), [2, 3, 5]),
        "convt_dilation" => (new ConvTranspose2d(2, 2, 3, stride: 2, outputPadding: 1, dilation: 2, random: new Random(13)), [2, 3, 4]),
        "convt_groups" => (new ConvTranspose2d(4, 6, 3, stride: 2, padding: 1, bias: false, groups: 2, random: new Random(14)), [4, 3, 3]),
        "convt_depthwise" => (new ConvTranspose2d(3, 3, 4, stride: 2, padding: 1, groups: 3, random: new Random(15)), [3, 4, 5]),
        "convt_outpad_dilation" => (new ConvTranspose2d(2, 3, (2, 3), stride: (1, 2), padding: (1, 0), outputPadding: (1, 1), dilation: (2, 1), random: new Random(16)), [2, 4, 3]),

        // ConvTranspose2d whose output padding reaches the stride (PyTorch allows it below the dilation).
        "convt_outpad_into_pad" => (new ConvTranspose2d(2, 3, 3, stride: 1, padding: 2, outputPadding: 2, dilation: 3, random: new Random(17)), [2, 4, 4]),
        "convt_outpad_rest" => (new ConvTranspose2d(2, 2, 3, stride: 2, padding: 1, outputPadding: 2, dilation: 3, random: new Random(18)), [2, 3, 3]),
        "convt_outpad_beyond" => (new ConvTranspose2d(2, 3, 3, stride: 1, outputPadding: 1, dilation: 2, random: new Random(19)), [2, 4, 5]),
        "convt_outpad_beyond_nobias" => (new ConvTranspose2d(2, 2, (3, 2), stride: (1, 2), padding: (0, 1), outputPadding: (1, 1), bias: false, dilation: (2, 2), random: new Random(20)), [2, 3, 4]),

        // MaxPool2d (max_*), and ceil-mode windows that PyTorch drops.
        "max_pad" => (new MaxPool2d(3, stride: 2, padding: 1), [3, 7, 8]),
        "max_ceil" => (new MaxPool2d(2, ceilMode: true), [2, 5, 7]),
        "max_dilation" => (new MaxPool2d(3, stride: 1, dilation: 2), [2, 7, 8]),
        "max_all" => (new MaxPool2d(3, stride: 2, padding: 1, dilation: 2, ceilMode: true), [2, 8, 9]),
        "max_ceil_drop" => (new MaxPool2d(2, stride: 2, padding: 1, ceilMode: true), [1, 4, 5]),
        "max_ceil_drop_5x5" => (new MaxPool2d(2, stride: 2, padding: 1, ceilMode: true), [2, 5, 5]),
        "max_ceil_stride3" => (new MaxPool2d(2, stride: 3, ceilMode: true), [2, 7, 8]),
        "max_ceil_pad_stride3" => (new MaxPool2d(3, stride: 3, padding: 1, ceilMode: true), [2, 7, 9]),
        "max_ceil_dilated_wide_pad" => (new MaxPool2d(2, stride: 3, padding: 1, dilation: 3, ceilMode: true), [2, 9, 8]),

        // AvgPool2d (avg_*), and the same ceil-mode cases with and without counting the padding.
        "avg_pad" => (new AvgPool2d(3, stride: 2, padding: 1), [3, 7, 8]),
        "avg_pad_exclude" => (new AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false), [3, 7, 8]),
        "avg_ceil" => (new AvgPool2d(2, ceilMode: true), [2, 5, 7]),
        "avg_ceil_pad" => (new AvgPool2d(3, stride: 2, padding: 1, ceilMode: true), [2, 6, 8]),
        "avg_ceil_pad_exclude" => (new AvgPool2d(3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false), [2, 6, 8]),
        "avg_stride1_pad" => (new AvgPool2d(2, stride: 1, padding: 1), [2, 4, 5]),
        "avg_ceil_stride3" => (new AvgPool2d(2, stride: 3, ceilMode: true), [2, 7, 8]),
        "avg_ceil_drop_5x5" => (new AvgPool2d(2, stride: 2, padding: 1, ceilMode: true), [2, 5, 5]),
        "avg_ceil_drop_5x5_exclude" => (new AvgPool2d(2, stride: 2, padding: 1, ceilMode: true, countIncludePad: false), [2, 5, 5]),
        "avg_ceil_pad_stride3" => (new AvgPool2d(3, stride: 3, padding: 1, ceilMode: true), [2, 7, 9]),

        // Rectangular pooling (make_layers_b.py's *_rect*): a (height, width) pair for each size.
        "max_rect" => (new MaxPool2d((2, 3), stride: (1, 2)), [2, 6, 9]),
        "max_rect_all" => (new MaxPool2d((3, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2)), [3, 7, 8]),
        "max_rect_ceil" => (new MaxPool2d((3, 4), stride: (2, 3), padding: (1, 2), dilation: (2, 1), ceilMode: true), [2, 8, 11]),
        "avg_rect" => (new AvgPool2d((2, 3), stride: (1, 2)), [2, 6, 9]),
        "avg_rect_pad" => (new AvgPool2d((3, 5), stride: (2, 3), padding: (1, 2)), [3, 7, 10]),
        "avg_rect_pad_exclude" => (new AvgPool2d((3, 5), stride: (2, 3), padding: (1, 2), countIncludePad: false), [3, 7, 10]),
        "avg_rect_ceil" => (new AvgPool2d((2, 4), stride: (3, 2), padding: (1, 1), ceilMode: true), [2, 8, 9]),

        // AdaptiveAvgPool2d: GlobalAveragePool, or AveragePool when the output size divides the input's.
        "adaptive_1" => (new AdaptiveAvgPool2d(1), [3, 5, 7]),
        "adaptive_divisible" => (new AdaptiveAvgPool2d((2, 3)), [2, 6, 9]),
        "adaptive_same" => (new AdaptiveAvgPool2d(4), [2, 4, 4]),

        // BatchNorm in evaluation mode, with running statistics, weight and bias far from their defaults.
        "bn2d" => (Statistics(new BatchNorm2d(3)), [3, 5, 6]),
        "bn2d_noaffine" => (Statistics(new BatchNorm2d(3, affine: false)), [3, 5, 6]),
        "bn2d_eps_momentum" => (Statistics(new BatchNorm2d(2, eps: 1e-3f, momentum: 0.3f)), [2, 4, 4]),
        "bn1d_nc" => (Statistics(new BatchNorm1d(5)), [5]),
        "bn1d_ncl" => (Statistics(new BatchNorm1d(4)), [4, 6]),
        "bn1d_nc_noaffine" => (Statistics(new BatchNorm1d(3, affine: false)), [3]),

        // Dropout in evaluation mode is the identity on any rank.
        "dropout_rank2" => (new Dropout(0.2f, new Random(1)), [6]),
        "dropout2d_rank4" => (new Dropout2d(0.7f, new Random(2)), [2, 3, 3]),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Names => new()
    {
        "conv_rect", "conv_dilated", "conv_grouped", "conv_depthwise", "conv_depthwise_x2", "conv_all", "conv_dilation_rect", "conv_wide",
        "conv_plain_rect_input", "convt_basic", "convt_stride", "convt_rect", "convt_dilation", "convt_groups", "convt_depthwise",
        "convt_outpad_dilation", "convt_outpad_into_pad", "convt_outpad_rest", "convt_outpad_beyond", "convt_outpad_beyond_nobias", "max_pad", "max_ceil", "max_dilation", "max_all", "max_ceil_drop", "max_ceil_drop_5x5", "max_ceil_stride3",
        "max_ceil_pad_stride3", "max_ceil_dilated_wide_pad", "avg_pad", "avg_pad_exclude", "avg_ceil", "avg_ceil_pad", "avg_ceil_pad_exclude",
        "avg_stride1_pad", "avg_ceil_stride3", "avg_ceil_drop_5x5", "avg_ceil_drop_5x5_exclude", "avg_ceil_pad_stride3", "max_rect", "max_rect_all",
        "max_rect_ceil", "avg_rect", "avg_rect_pad", "avg_rect_pad_exclude", "avg_rect_ceil", "adaptive_1",
        "adaptive_divisible", "adaptive_same", "bn2d", "bn2d_noaffine", "bn2d_eps_momentum", "bn1d_nc", "bn1d_ncl", "bn1d_nc_noaffine",
        "dropout_rank2", "dropout2d_rank4",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxRuntime_ExportedLayer_MatchesEvaluationForwardForBatches1And3(string name)
    {
        (Layer layer, int[] sample) = Case(name);

        RunAndCompare(new Sequential(layer), sample);
    }

    /// <summary>A rectangular pool exported and imported again is the same layer (every pair and option) with the same outputs.</summary>
    [Theory]
    [InlineData("max_rect_all")]
    [InlineData("max_rect_ceil")]
    [InlineData("avg_rect_pad_exclude")]
    [InlineData("avg_rect_ceil")]
    public void ExportImport_RectangularPool_RoundTripsEveryPair(string name)
    {
        (Layer layer, int[] sample) = Case(name);
        var pool = (Pool2d)layer;
        using var dir = new TempDirectory();
        OnnxExporter.Export(new Sequential(pool), dir.File("pool.onnx"), [1, .. sample]);

        var imported = (Pool2d)((Sequential)OnnxImporter.Import(dir.File("pool.onnx")))[0];

        imported.GetType().Should().Be(pool.GetType());
        (imported.KernelSize, imported.Stride, imported.Padding, imported.Dilation, imported.CeilMode).Should().Be((pool.KernelSize, pool.Stride, pool.Padding, pool.Dilation, pool.CeilMode));
        imported.ToString().Should().Be(pool.ToString());
        Tensor x = OrtRun.Values(new Random(7), [2, .. sample]);
        imported.Forward(x).ToArray().Should().Equal(pool.Forward(x).ToArray());
    }

    /// <summary>The layers together, nested, so that node and initializer names do not collide (BatchNorm1d's Unsqueeze, ConvTranspose2d's Pad and Add).</summary>
    [Fact]
    public void OnnxRuntime_ExportedNetworkOfPartBLayers_MatchesEvaluationForward()
    {
        var random = new Random(42);
        var net = new Sequential(
            new Conv2d(2, 4, (3, 5), stride: (1, 2), padding: (1, 2), random: random),
            Statistics(new BatchNorm2d(4)),
            new ReLU(),
            new MaxPool2d(2, stride: 3, padding: 1, dilation: 3, ceilMode: true),
            new Sequential(
                new ConvTranspose2d(4, 4, 3, outputPadding: 1, dilation: 2, groups: 2, random: random),
                new AvgPool2d(3, stride: 2, padding: 1, ceilMode: true),
                new Dropout2d(0.5f, random)),
            new AdaptiveAvgPool2d(1),
            new Flatten(),
            Statistics(new BatchNorm1d(4)),
            new Linear(4, 3, random: random));

        RunAndCompare(net, [2, 11, 17]);
    }

    /// <summary>ONNX Runtime refuses an output_padding of the stride or more, which PyTorch allows below the dilation; the export moves it into the trailing pad.</summary>
    [Fact]
    public void Export_ConvTransposeWithOutputPaddingOfTheStride_TakesItFromTheTrailingPad()
    {
        // convt_outpad_dilation: the height's stride 1, padding 1, output padding 1; the width's stride 2 keeps its output padding.
        var layer = new ConvTranspose2d(2, 3, (2, 3), stride: (1, 2), padding: (1, 0), outputPadding: (1, 1), dilation: (2, 1), random: new Random(1));

        NodeProto node = Decode(new Sequential(layer), 1, 2, 4, 3).Graph.Node.Single();

        node.Attribute.Single(a => a.Name == "pads").Ints.Should().Equal(1, 0, 0, 0);
        node.Attribute.Single(a => a.Name == "output_padding").Ints.Should().Equal(0, 1);
    }

    /// <summary>Output padding beyond padding + stride makes rows outside the full transposed convolution, bias alone: a Pad and an Add.</summary>
    [Fact]
    public void Export_ConvTransposeWithRowsBeyondTheFullResult_PadsThenAddsTheBias()
    {
        var layer = new ConvTranspose2d(2, 3, 3, stride: 1, outputPadding: 1, dilation: 2, random: new Random(1));

        GraphProto graph = Decode(new Sequential(layer), 1, 2, 4, 5).Graph;

        graph.Node.Select(n => n.OpType).Should().Equal("ConvTranspose", "Pad", "Add");
        graph.Node[0].Input.Should().Equal("input", "0.weight");
        graph.Node[0].Attribute.Single(a => a.Name == "output_padding").Ints.Should().Equal(0, 0);
        Int64s(graph.Initializer.Single(t => t.Name == "0.onnx_pads")).Should().Equal(0, 0, 0, 0, 0, 0, 1, 1);
        graph.Initializer.Single(t => t.Name == "0.onnx_bias").Dims.Should().Equal(3, 1, 1);
    }

    [Theory]
    [InlineData(3, 4, 7, 9)]
    [InlineData(5, 5, 3, 4)]
    public void Export_AdaptiveAvgPoolWhoseSizeDoesNotDivideTheInput_IsNotSupported(int outHeight, int outWidth, int height, int width)
    {
        using var dir = new TempDirectory();

        Action act = () => OnnxExporter.Export(new Sequential(new AdaptiveAvgPool2d((outHeight, outWidth))), dir.File("x.onnx"), 1, 2, height, width);

        act.Should().Throw<NotSupportedException>().WithMessage($"*AdaptiveAvgPool2d*{height}×{width} input*");
    }

    [Fact]
    public void Export_BatchNormWithoutRunningStatistics_IsNotSupported()
    {
        using var dir = new TempDirectory();

        Action act2d = () => OnnxExporter.Export(new Sequential(new BatchNorm2d(3, trackRunningStats: false)), dir.File("x.onnx"), 2, 3, 4, 5);
        Action act1d = () => OnnxExporter.Export(new Sequential(new BatchNorm1d(3, affine: false, trackRunningStats: false)), dir.File("y.onnx"), 6, 3);

        act2d.Should().Throw<NotSupportedException>().WithMessage("*BatchNorm2d(3, trackRunningStats=false)*running statistics*");
        act1d.Should().Throw<NotSupportedException>().WithMessage("*BatchNorm1d(3, affine=false, trackRunningStats=false)*running statistics*");
    }

    private void RunAndCompare(Sequential net, int[] sample) => OrtRun.ExportAndCompare(net, sample, output, net.ToString(), atol: 1e-5, rtol: 1e-5);

    /// <summary>Running statistics, weight and bias away from 0 and 1, per channel, as after training.</summary>
    private static BatchNorm Statistics(BatchNorm layer)
    {
        var random = new Random(layer.NumFeatures);
        Fill(layer.RunningMean!.AsSpan(), random, -1f, 1f);
        Fill(layer.RunningVar!.AsSpan(), random, 0.25f, 3f);
        if (layer.Weight is not null)
        {
            Fill(layer.Weight.Value.AsSpan(), random, 0.5f, 1.5f);
            Fill(layer.Bias!.Value.AsSpan(), random, -0.5f, 0.5f);
        }

        return layer;
    }

    private static void Fill(Span<float> span, Random random, float low, float high)
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = low + (random.NextSingle() * (high - low));
        }
    }

    private static long[] Int64s(TensorProto tensor)
    {
        byte[] raw = tensor.RawData.ToByteArray();
        return [.. Enumerable.Range(0, raw.Length / sizeof(long)).Select(i => BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i * sizeof(long))))];
    }

    private static ModelProto Decode(Sequential net, params int[] inputShape)
    {
        using var dir = new TempDirectory();
        OnnxExporter.Export(net, dir.File("x.onnx"), inputShape);
        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("x.onnx")));
    }
}
