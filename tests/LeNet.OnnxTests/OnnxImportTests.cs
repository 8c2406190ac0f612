using Google.Protobuf;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.OnnxTests.Onnx;
using LeNet.Tests;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace LeNet.OnnxTests;

/// <summary>
/// OnnxImporter against independent truth: files exported by real PyTorch 1.13.1 (Fixtures/make_onnx_fixtures.py)
/// run by ONNX Runtime, the ONNX project's backend test cases (Debian's libonnx-testdata), and our own exporter.
/// </summary>
public class OnnxImportTests(ITestOutputHelper output)
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    [Theory]
    [InlineData("lenet_opset13.onnx", 1, 28, 28)]
    [InlineData("modern_opset17.onnx", 1, 28, 28)]
    [InlineData("lenet_small_opset9.onnx", 1, 28, 28)]
    [InlineData("lenet_small_opset11.onnx", 1, 28, 28)]
    [InlineData("lenet_small_opset13.onnx", 1, 28, 28)]
    [InlineData("lenet_small_opset17.onnx", 1, 28, 28)]
    [InlineData("modern_small_opset9.onnx", 1, 28, 28)]
    [InlineData("modern_small_opset11.onnx", 1, 28, 28)]
    [InlineData("modern_small_opset13.onnx", 1, 28, 28)]
    [InlineData("modern_small_opset17.onnx", 1, 28, 28)]
    [InlineData("external/lenet_external.onnx", 1, 28, 28)]
    [InlineData("mnist_net_opset9.onnx", 1, 12, 12)]
    [InlineData("mnist_net_opset11.onnx", 1, 12, 12)]
    [InlineData("mnist_net_opset13.onnx", 1, 12, 12)]
    [InlineData("mnist_net_opset17.onnx", 1, 12, 12)]
    [InlineData("activations_opset11.onnx", 2, 6, 5)]
    [InlineData("activations_opset17.onnx", 2, 6, 5)]
    [InlineData("batchnorm_opset9.onnx", 1, 12, 12)]
    [InlineData("batchnorm_opset11.onnx", 1, 12, 12)]
    [InlineData("batchnorm_opset13.onnx", 1, 12, 12)]
    [InlineData("batchnorm_opset17.onnx", 1, 12, 12)]
    [InlineData("pools_opset9.onnx", 2, 13, 11)]
    [InlineData("pools_opset11.onnx", 2, 13, 11)]
    [InlineData("pools_opset13.onnx", 2, 13, 11)]
    [InlineData("pools_opset17.onnx", 2, 13, 11)]
    public void Import_PyTorchExport_MatchesOnnxRuntime(string file, int channels, int height, int width)
    {
        string path = Path.Combine(Fixtures, file);
        var net = (Sequential)OnnxImporter.Import(path);
        using var session = new InferenceSession(path);
        Tensor x = Pixels(new Random(file.Length), 5, channels, height, width);

        float[] expected = OrtRun.Run(session, x, out long[] shape);
        Tensor actual = net.Forward(x);

        actual.Shape.ToArray().Select(d => (long)d).Should().Equal(shape);
        output.WriteLine($"{file}: {string.Join(", ", net.Names)}; max |LeNet − ORT| = {MaxAbsDifference(actual.ToArray(), expected):E2}");
        actual.ToArray().Should().BeCloseTo(expected, atol: 1e-5);
    }

    [Fact]
    public void Import_StaticBatchExport_ReshapeWithConstantShapeBecomesFlatten()
    {
        string path = Path.Combine(Fixtures, "modern_small_static_opset11.onnx");
        var net = (Sequential)OnnxImporter.Import(path);
        using var session = new InferenceSession(path);
        Tensor x = Pixels(new Random(3), 1, 1, 28, 28);

        float[] expected = OrtRun.Run(session, x, out _);

        net.Select(l => l.GetType()).Should().Contain(typeof(Flatten));
        net.Forward(x).ToArray().Should().BeCloseTo(expected, atol: 1e-5);
        net.Forward(Pixels(new Random(4), 7, 1, 28, 28)).Shape.ToArray().Should().Equal(7, 10);
    }

    [Fact]
    public void Import_SequentialWithOrderedDictNames_ChildrenNamedAfterTheModules()
    {
        var net = (Sequential)OnnxImporter.Import(Path.Combine(Fixtures, "lenet_opset13.onnx"));

        net.Names.Should().Equal("conv1", "act1", "pool1", "conv2", "act2", "pool2", "flatten", "fc1", "act3", "fc2", "act4", "fc3");
        net.StateDict().Keys.Should().Contain(["conv1.weight", "conv1.bias", "fc3.weight"]);
        net.IsTraining.Should().BeFalse();
    }

    [Fact]
    public void Import_ModuleWithFunctionalCalls_NamesFromNodesAndWeights()
    {
        var net = (Sequential)OnnxImporter.Import(Path.Combine(Fixtures, "modern_opset17.onnx"));

        // F.relu / F.max_pool2d have no module: their nodes are /Relu, /MaxPool, /Relu_1, …; the view's nodes /Reshape.
        net.Names.Should().Equal("conv1", "Relu", "MaxPool", "conv2", "Relu_1", "MaxPool_1", "Reshape", "fc1", "Relu_2", "fc2", "Relu_3", "fc3");
    }

    [Theory]
    [InlineData("lenet")]
    [InlineData("modern")]
    public void Import_OwnExport_RoundTripsNamesAndOutputs(string variant)
    {
        using var dir = new TempDirectory();
        Sequential net = variant == "lenet" ? LeNetFactory.Create(7) : LeNetFactory.CreateModern(7);
        OnnxExporter.Export(net, dir.File("net.onnx"), 1, 1, 28, 28);
        Tensor x = Pixels(new Random(8), 9, 1, 28, 28);

        var imported = (Sequential)OnnxImporter.Import(dir.File("net.onnx"));

        imported.Names.Should().Equal(net.Names);
        imported.Forward(x).ToArray().Should().BeCloseTo(net.Forward(x).ToArray(), atol: 1e-6);
    }

    [Fact]
    public void Import_OwnExportOfPyTorchExamplesMnistNet_MatchesOnnxRuntimeAndKeepsNames()
    {
        // pytorch/examples' mnist/main.py Net at full size (Linear(9216, 128): 4.8 MB of weights, so built here, not committed).
        using var dir = new TempDirectory();
        var random = new Random(9);
        var net = new Sequential(
            ("conv1", new Conv2d(1, 32, 3, random: random)), ("relu1", new ReLU()),
            ("conv2", new Conv2d(32, 64, 3, random: random)), ("relu2", new ReLU()),
            ("pool", new MaxPool2d(2)), ("dropout1", new Dropout(0.25f)), ("flatten", new Flatten()),
            ("fc1", new Linear(9216, 128, random: random)), ("relu3", new ReLU()), ("dropout2", new Dropout(0.5f)),
            ("fc2", new Linear(128, 10, random: random)), ("log_softmax", new LogSoftmax(1)));
        net.Eval();
        OnnxExporter.Export(net, dir.File("mnist.onnx"), 1, 1, 28, 28);
        using var session = new InferenceSession(dir.File("mnist.onnx"));
        Tensor x = Pixels(new Random(10), 3, 1, 28, 28);

        var imported = (Sequential)OnnxImporter.Import(dir.File("mnist.onnx"));

        // Our Dropout exports as ONNX Identity (inference), which imports as nothing.
        imported.Names.Should().Equal("conv1", "relu1", "conv2", "relu2", "pool", "flatten", "fc1", "relu3", "fc2", "log_softmax");
        imported.Forward(x).ToArray().Should().BeCloseTo(OrtRun.Run(session, x, out _), atol: 1e-5);
    }

    [Fact]
    public void Import_OwnExportOfNamedNestedModel_FlattensNamesWithUnderscores()
    {
        using var dir = new TempDirectory();
        var random = new Random(2);
        var net = new Sequential(
            ("features", new Sequential(("c1", new Conv2d(3, 4, 3, stride: 2, padding: 1, random: random)), ("r1", new ReLU()))),
            ("pool", new MaxPool2d(2)),
            ("flat", new Flatten()),
            ("head", new Linear(4 * 4 * 2, 3, random: random)));
        OnnxExporter.Export(net, dir.File("net.onnx"), 1, 3, 17, 10);
        Tensor x = Pixels(new Random(3), 2, 3, 17, 10);

        var imported = (Sequential)OnnxImporter.Import(dir.File("net.onnx"));

        imported.Names.Should().Equal("features_c1", "features_r1", "pool", "flat", "head");
        imported.Forward(x).ToArray().Should().BeCloseTo(net.Forward(x).ToArray(), atol: 1e-6);
    }

    [Fact]
    public void Import_StreamOverload_SameAsPath()
    {
        string path = Path.Combine(Fixtures, "modern_small_opset13.onnx");
        Tensor x = Pixels(new Random(1), 2, 1, 28, 28);
        using FileStream stream = File.OpenRead(path);

        var fromStream = (Sequential)OnnxImporter.Import(stream);

        fromStream.Forward(x).ToArray().Should().Equal(OnnxImporter.Import(path).Forward(x).ToArray());
    }

    [Fact]
    public void Import_ExternalDataFileMissing_ThrowsNamingIt()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(Fixtures, "external", "lenet_external.onnx"), dir.File("lenet_external.onnx"));

        Action act = () => OnnxImporter.Import(dir.File("lenet_external.onnx"));

        act.Should().Throw<FileNotFoundException>().WithMessage("*lenet_external.onnx.data*");
    }

    [Theory]
    [InlineData("../secret.data")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../escape.data")]
    public void Import_ExternalDataOutsideTheFolder_Refused(string location)
    {
        using var dir = new TempDirectory();
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Fixtures, "external", "lenet_external.onnx")));
        model.Graph.Initializer[0].ExternalData.Single(e => e.Key == "location").Value = location;
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());

        Action act = () => OnnxImporter.Import(dir.File("m.onnx"));

        act.Should().Throw<InvalidDataException>().WithMessage($"*{location}*");
    }

    [Theory]
    [InlineData("length", "1000000")]
    [InlineData("offset", "7000")]
    [InlineData("length", "12")]
    public void Import_ExternalDataRangeWrong_ThrowsInvalidData(string key, string value)
    {
        using var dir = new TempDirectory();
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Fixtures, "external", "lenet_external.onnx")));
        TensorProto weight = model.Graph.Initializer.First(t => t.Dims.Count == 4);
        StringStringEntryProto? entry = weight.ExternalData.SingleOrDefault(e => e.Key == key);
        if (entry is null)
        {
            weight.ExternalData.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        else
        {
            entry.Value = value;
        }

        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());
        File.Copy(Path.Combine(Fixtures, "external", "lenet_external.onnx.data"), dir.File("lenet_external.onnx.data"));

        Action act = () => OnnxImporter.Import(dir.File("m.onnx"));

        act.Should().Throw<InvalidDataException>().WithMessage($"*{weight.Name}*");
    }

    [Fact]
    public void Import_UnknownOperator_ThrowsNotSupportedNamingOpAndNode()
    {
        using var dir = new TempDirectory();
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Fixtures, "lenet_small_opset13.onnx")));
        NodeProto sigmoid = model.Graph.Node.First(n => n.OpType == "Sigmoid");
        sigmoid.OpType = "Cos";
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());

        Action act = () => OnnxImporter.Import(dir.File("m.onnx"));

        act.Should().Throw<NotSupportedException>().WithMessage($"*Cos*{sigmoid.Name}*");
    }

    [Fact]
    public void Import_ResidualBranch_ImportsAsGraphModule()
    {
        // input → Relu → Add(input, relu): the input is read twice, so no chain; the graph importer takes it.
        var graph = new GraphProto { Name = "residual" };
        graph.Node.Add(new NodeProto { OpType = "Relu", Name = "/relu/Relu", Input = { "input" }, Output = { "r" } });
        graph.Node.Add(new NodeProto { OpType = "Add", Name = "/Add", Input = { "input", "r" }, Output = { "output" } });
        graph.Input.Add(FloatValue("input", 1, 4));
        graph.Output.Add(FloatValue("output", 1, 4));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var stream = new MemoryStream(model.ToByteArray());

        Module net = OnnxImporter.Import(stream);

        net.Should().NotBeOfType<Sequential>();
        Tensor x = Tensor.FromArray([-2f, -0.5f, 0.5f, 3f], 1, 4);
        net.Forward(x).ToArray().Should().Equal(-2f, -0.5f, 1f, 6f); // x + relu(x), worked by hand
    }

    [Theory]
    [InlineData(5)]
    [InlineData(22)]
    public void Import_OpsetOutOfRange_ThrowsNotSupported(long opset)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Fixtures, "lenet_small_opset13.onnx")));
        model.OpsetImport[0].Version = opset;
        using var stream = new MemoryStream(model.ToByteArray());

        Action act = () => OnnxImporter.Import(stream);

        act.Should().Throw<NotSupportedException>().WithMessage($"*opset {opset}*");
    }

    [Fact]
    public void Import_MatMulAndAdd_BecomeOneLinear()
    {
        // What PyTorch emits for nn.Linear on a rank-3 input: MatMul by Wᵀ, then Add of the bias.
        var random = new Random(4);
        float[] w = [.. Enumerable.Range(0, 12).Select(_ => random.NextSingle() - 0.5f)]; // [in 4, out 3]
        float[] b = [0.1f, -0.2f, 0.3f];
        var graph = new GraphProto { Name = "mm" };
        graph.Node.Add(new NodeProto { OpType = "MatMul", Name = "/fc/MatMul", Input = { "input", "onnx::MatMul_7" }, Output = { "mm" } });
        graph.Node.Add(new NodeProto { OpType = "Add", Name = "/fc/Add", Input = { "fc.bias", "mm" }, Output = { "output" } });
        graph.Initializer.Add(FloatTensor("onnx::MatMul_7", w, 4, 3));
        graph.Initializer.Add(FloatTensor("fc.bias", b, 3));
        graph.Input.Add(FloatValue("input", 2, 5, 4));
        graph.Output.Add(FloatValue("output", 2, 5, 3));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("mm.onnx"), model.ToByteArray());
        using var session = new InferenceSession(dir.File("mm.onnx"));
        Tensor x = Pixels(new Random(5), 2, 5, 4);

        var net = (Sequential)OnnxImporter.Import(dir.File("mm.onnx"));

        net.Names.Should().Equal("fc");
        net[0].Should().BeOfType<Linear>().Which.Bias.Should().NotBeNull();
        net.Forward(x).ToArray().Should().BeCloseTo(OrtRun.Run(session, x, out _), atol: 1e-6);
    }

    [Fact]
    public void Import_UnsqueezeBatchNormSqueeze_BecomesBatchNorm1d()
    {
        // What exporters emit around a BatchNorm1d on [N, C]: Unsqueeze(axes=[2]) → BatchNormalization → Squeeze(axes=[2]).
        var graph = new GraphProto { Name = "bn1d" };
        graph.Node.Add(new NodeProto { OpType = "Unsqueeze", Name = "/bn/Unsqueeze", Input = { "input", "axes" }, Output = { "u" } });
        var bn = new NodeProto { OpType = "BatchNormalization", Name = "/bn/BatchNormalization", Input = { "u", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var" }, Output = { "b" } };
        bn.Attribute.Add(new AttributeProto { Name = "epsilon", F = 1e-3f, Type = AttributeProto.Types.AttributeType.Float });
        graph.Node.Add(bn);
        graph.Node.Add(new NodeProto { OpType = "Squeeze", Name = "/bn/Squeeze", Input = { "b", "axes" }, Output = { "output" } });
        graph.Initializer.Add(new TensorProto { Name = "axes", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, RawData = ByteString.CopyFrom(BitConverter.GetBytes(2L)) });
        graph.Initializer.Add(FloatTensor("bn.weight", [1.5f, 0.5f, 2f], 3));
        graph.Initializer.Add(FloatTensor("bn.bias", [0.1f, -0.2f, 0.3f], 3));
        graph.Initializer.Add(FloatTensor("bn.running_mean", [0.2f, 0.4f, -0.1f], 3));
        graph.Initializer.Add(FloatTensor("bn.running_var", [0.9f, 1.3f, 0.6f], 3));
        graph.Input.Add(FloatValue("input", 4, 3));
        graph.Output.Add(FloatValue("output", 4, 3));
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 15 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bn.onnx"), model.ToByteArray());
        using var session = new InferenceSession(dir.File("bn.onnx"));
        Tensor x = Pixels(new Random(6), 4, 3);

        var net = (Sequential)OnnxImporter.Import(dir.File("bn.onnx"));

        net.Names.Should().Equal("bn");
        net[0].Should().BeOfType<BatchNorm1d>().Which.Eps.Should().Be(1e-3f);
        net.Forward(x).ToArray().Should().BeCloseTo(OrtRun.Run(session, x, out _), atol: 1e-6);
    }

    /// <summary>Backend test cases of the ONNX project (Debian's libonnx-testdata; CI installs it) that are chains of supported layers.</summary>
    [Theory]
    [InlineData("pytorch-converted/test_ReLU")]
    [InlineData("pytorch-converted/test_Sigmoid")]
    [InlineData("pytorch-converted/test_Conv2d_padding")]
    [InlineData("pytorch-converted/test_Conv2d_strided")]
    [InlineData("pytorch-converted/test_Linear")]
    [InlineData("pytorch-converted/test_Linear_no_bias")]
    [InlineData("pytorch-converted/test_AvgPool2d")]
    [InlineData("pytorch-converted/test_AvgPool2d_stride")]
    [InlineData("node/test_relu")]
    [InlineData("node/test_sigmoid")]
    [InlineData("node/test_maxpool_2d_default")]
    [InlineData("node/test_maxpool_2d_strides")]
    [InlineData("node/test_averagepool_2d_default")]
    [InlineData("node/test_averagepool_2d_strides")]
    [InlineData("node/test_flatten_axis1")]
    [InlineData("node/test_identity")]
    [InlineData("pytorch-converted/test_Conv2d")]
    [InlineData("pytorch-converted/test_Conv2d_no_bias")]
    [InlineData("pytorch-converted/test_Conv2d_dilated")]
    [InlineData("pytorch-converted/test_Conv2d_groups")]
    [InlineData("pytorch-converted/test_Conv2d_depthwise")]
    [InlineData("pytorch-converted/test_Conv2d_depthwise_padded")]
    [InlineData("pytorch-converted/test_Conv2d_depthwise_strided")]
    [InlineData("pytorch-converted/test_Conv2d_depthwise_with_multiplier")]
    [InlineData("pytorch-converted/test_ConvTranspose2d")]
    [InlineData("pytorch-converted/test_ConvTranspose2d_no_bias")]
    [InlineData("pytorch-converted/test_MaxPool2d")]
    [InlineData("pytorch-converted/test_BatchNorm2d_eval")]
    [InlineData("pytorch-converted/test_BatchNorm2d_momentum_eval")]
    [InlineData("pytorch-converted/test_BatchNorm1d_3d_input_eval")]
    [InlineData("node/test_maxpool_2d_ceil")]
    [InlineData("node/test_maxpool_2d_dilations")]
    [InlineData("node/test_averagepool_2d_ceil")]
    [InlineData("pytorch-converted/test_Tanh")]
    [InlineData("pytorch-converted/test_ELU")]
    [InlineData("pytorch-converted/test_SELU")]
    [InlineData("pytorch-converted/test_LeakyReLU")]
    [InlineData("pytorch-converted/test_LeakyReLU_with_negval")]
    [InlineData("pytorch-converted/test_PReLU_2d")]
    [InlineData("pytorch-converted/test_PReLU_2d_multiparam")]
    [InlineData("pytorch-converted/test_Softplus")]
    [InlineData("pytorch-converted/test_Softmax")]
    [InlineData("pytorch-converted/test_LogSoftmax")]
    [InlineData("pytorch-converted/test_Softmin")]
    [InlineData("pytorch-converted/test_ZeroPad2d")]
    [InlineData("pytorch-converted/test_ConstantPad2d")]
    [InlineData("pytorch-converted/test_ReflectionPad2d")]
    [InlineData("pytorch-converted/test_ReplicationPad2d")]
    [InlineData("node/test_softmax_axis_1")]
    [InlineData("node/test_logsoftmax_axis_1")]
    [InlineData("node/test_tanh")]
    [InlineData("node/test_elu")]
    [InlineData("node/test_selu_default")]
    [InlineData("node/test_leakyrelu")]
    [InlineData("node/test_depthtospace_crd_mode")]
    public void Import_OnnxBackendTestCase_MatchesItsOutput(string testCase)
    {
        string folder = Path.Combine("/usr/share/libonnx-testdata/data", testCase);
        Tensor input = ReadTensor(Path.Combine(folder, "test_data_set_0", "input_0.pb"));
        Tensor expected = ReadTensor(Path.Combine(folder, "test_data_set_0", "output_0.pb"));

        var net = (Sequential)OnnxImporter.Import(Path.Combine(folder, "model.onnx"));
        Tensor actual = net.Forward(input);

        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray());
        output.WriteLine($"{testCase}: {string.Join(", ", net.Select(l => l.ToString()))}; max diff {MaxAbsDifference(actual.ToArray(), expected.ToArray()):E2}");
        actual.ToArray().Should().BeCloseTo(expected.ToArray(), atol: 1e-5, rtol: 1e-5);
    }

    internal static Tensor ReadTensor(string path)
    {
        TensorProto proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));
        proto.DataType.Should().Be((int)TensorProto.Types.DataType.Float);
        float[] data = proto.RawData.Length > 0
            ? [.. Enumerable.Range(0, proto.RawData.Length / 4).Select(i => BitConverter.ToSingle(proto.RawData.Span[(i * 4)..]))]
            : [.. proto.FloatData];
        return Tensor.FromArray(data, [.. proto.Dims.Select(d => (int)d)]);
    }

    internal static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    internal static ValueInfoProto FloatValue(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long dim in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    internal static Tensor Pixels(Random random, params int[] shape)
    {
        var t = new Tensor(shape);
        Span<float> span = t.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = random.NextSingle();
        }

        return t;
    }

    internal static float MaxAbsDifference(float[] actual, float[] expected) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).DefaultIfEmpty().Max();
}
