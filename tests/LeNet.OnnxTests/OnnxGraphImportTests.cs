using Google.Protobuf;
using LeNet.IO;
using LeNet.Layers;
using LeNet.OnnxTests.Onnx;
using LeNet.Tests;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static LeNet.OnnxTests.OnnxImportTests;

namespace LeNet.OnnxTests;

/// <summary>
/// OnnxImporter on graphs (not chains) against independent truth: torchvision families exported by real PyTorch
/// 1.13.1 / torchvision 0.14.1 (Fixtures/graphs/make_graph_fixtures.py) with PyTorch's own output for a stored
/// input, ONNX Runtime on the same files, the ONNX project's backend cases, and hand-made graphs worked by hand.
/// </summary>
public class OnnxGraphImportTests(ITestOutputHelper output)
{
    private static readonly string Graphs = Path.Combine(AppContext.BaseDirectory, "Fixtures", "graphs");

    /// <summary>The 26 operators of the 13 torchvision exports the issue lists.</summary>
    private static readonly string[] IssueOperators =
    [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div", "Flatten", "Gather",
        "Gemm", "GlobalAveragePool", "HardSigmoid", "Identity", "MaxPool", "Mul", "Pad", "ReduceMean", "Relu", "Reshape", "Shape",
        "Sigmoid", "Slice", "Transpose", "Unsqueeze",
    ];

    public static TheoryData<string, int> Exports()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in Directory.GetFiles(Graphs, "*_opset*.onnx").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            int cut = name.LastIndexOf("_opset", StringComparison.Ordinal);
            data.Add(name[..cut], int.Parse(name[(cut + 6)..], System.Globalization.CultureInfo.InvariantCulture));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public void Import_TorchvisionExport_MatchesPyTorchAndOnnxRuntime(string model, int opset)
    {
        string path = Path.Combine(Graphs, $"{model}_opset{opset}.onnx");
        Tensor x = ReadTensor(Path.Combine(Graphs, $"{model}.input.pb"));
        float[] pytorch = ReadTensor(Path.Combine(Graphs, $"{model}.output.pb")).ToArray();
        using var session = new InferenceSession(path);

        Module net = OnnxImporter.Import(path);
        float[] ours = net.Forward(x).ToArray();
        float[] ort = OrtRun.Run(session, x, out _);

        output.WriteLine($"{model} opset {opset}: max relative difference to PyTorch {MaxRelative(ours, pytorch):E2}, to ONNX Runtime {MaxRelative(ours, ort):E2}");
        (net is Sequential).Should().Be(model.StartsWith("lenet", StringComparison.Ordinal), "torchvision's architectures are no chains; the LeNet is one");
        ours.Should().BeCloseTo(pytorch, atol: 1e-5, rtol: 1e-4);
        ours.Should().BeCloseTo(ort, atol: 1e-5, rtol: 1e-4);
    }

    [Theory]
    [InlineData("shufflenet_v2", 13, 3, 32)]
    [InlineData("resnet_cifar", 11, 3, 32)]
    [InlineData("googlenet", 17, 3, 32)]
    [InlineData("lenet_view_input", 13, 1, 28)]
    public void Import_DynamicBatch_ShapeArithmeticFollowsTheBatch(string model, int opset, int channels, int size)
    {
        // Shape → Gather → Unsqueeze → Concat → Reshape is computed from each input's shape, as ONNX Runtime does.
        string path = Path.Combine(Graphs, $"{model}_opset{opset}.onnx");
        using var session = new InferenceSession(path);
        Module net = OnnxImporter.Import(path);

        foreach (int batch in new[] { 1, 3, 5 })
        {
            Tensor x = OrtRun.Values(new Random(batch), [batch, channels, size, size]);
            float[] ort = OrtRun.Run(session, x, out long[] shape);
            Tensor ours = net.Forward(x);

            ours.Shape.ToArray().Select(d => (long)d).Should().Equal(shape);
            ours.ToArray().Should().BeCloseTo(ort, atol: 1e-5, rtol: 1e-4);
        }
    }

    [Fact]
    public void Fixtures_CoverEveryOperatorOfTheIssue()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(Graphs, "*.onnx"))
        {
            used.UnionWith(ModelProto.Parser.ParseFrom(File.ReadAllBytes(file)).Graph.Node.Select(n => n.OpType));
        }

        // Identity (an initializer forwarded to a Conv's bias, as PyTorch wrote squeezenet1_1) is in Import_IdentityForwardsAnInitializer_… below.
        IssueOperators.Except(used).Should().Equal("Identity");
    }

    [Fact]
    public void Import_ResNetStateDict_KeysAreInitializerNames()
    {
        string path = Path.Combine(Graphs, "resnet_cifar_opset13.onnx");
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

        Module net = OnnxImporter.Import(path);
        IReadOnlyDictionary<string, Tensor> state = net.StateDict();

        foreach (TensorProto initializer in proto.Graph.Initializer.Where(i => i.DataType == (int)TensorProto.Types.DataType.Float && i.Name.EndsWith(".weight", StringComparison.Ordinal)))
        {
            state.Should().ContainKey(initializer.Name);
            state[initializer.Name].ToArray().Should().Equal(FloatsOf(initializer));
        }

        state.Keys.Should().Contain(["fc.weight", "fc.bias"]);
    }

    [Fact]
    public void Import_TrainingMode_BackwardGivesFiniteDifferenceGradients()
    {
        // Fine-tuning an imported graph: the forward is recorded, the backward reaches every parameter.
        Module net = OnnxImporter.Import(Path.Combine(Graphs, "shufflenet_v2_opset13.onnx"));
        Tensor x = OrtRun.Values(new Random(5), [2, 3, 32, 32]);
        net.Eval(); // BatchNorms are folded into the convolutions here; evaluation mode keeps the check deterministic
        Parameter fc = net.NamedParameters().Single(p => p.Name.EndsWith("fc.weight", StringComparison.Ordinal)).Parameter;
        Parameter first = net.NamedParameters().First().Parameter;

        net.ZeroGrad();
        Tensor y = net.Forward(x);
        net.Backward(Tensor.FromArray([.. Enumerable.Repeat(1f, y.Length)], y.Shape.ToArray()));

        foreach (Parameter p in new[] { fc, first })
        {
            for (int i = 0; i < 3; i++)
            {
                int index = (i * 7919) % p.Length;
                double numeric = CentralDifference(net, x, p, index);
                double analytic = p.Gradient.ToArray()[index];
                output.WriteLine($"∂sum/∂p[{index}]: backward {analytic:G6}, central difference {numeric:G6}");
                analytic.Should().BeApproximately(numeric, 2e-2 + (2e-2 * Math.Abs(numeric)));
            }
        }
    }

    [Fact]
    public void Import_BatchNormInTrainingMode_UsesBatchStatistics()
    {
        // densenet keeps BatchNormalization nodes (after each concatenation): in training mode they normalise with
        // the batch's own mean and variance, so each channel of their output has mean ≈ beta over the batch.
        Module net = OnnxImporter.Import(Path.Combine(Graphs, "densenet_opset13.onnx"));
        BatchNorm2d bn = net.NamedModules().Select(m => m.Layer).OfType<BatchNorm2d>().First();
        Tensor x = OrtRun.Values(new Random(9), [4, 3, 32, 32]);
        float[] before = bn.RunningMean!.ToArray();

        net.Train();
        net.Forward(x);

        bn.RunningMean!.ToArray().Should().NotEqual(before); // running statistics moved: batch statistics were used
    }

    [Theory]
    [InlineData("mobilenet_v3_small", 17)]
    [InlineData("shufflenet_v2", 13)]
    [InlineData("densenet", 11)]
    [InlineData("resnet_cifar", 13)]
    [InlineData("googlenet", 11)]
    public void Import_ThenExport_OnnxRuntimeRunsTheExportAndReimportMatches(string model, int opset)
    {
        using var dir = new TempDirectory();
        Module net = OnnxImporter.Import(Path.Combine(Graphs, $"{model}_opset{opset}.onnx"));
        Tensor x = OrtRun.Values(new Random(2), [2, 3, 32, 32]);
        float[] ours = net.Forward(x).ToArray();

        OnnxExporter.Export(net, dir.File("out.onnx"), 2, 3, 32, 32);
        using var session = new InferenceSession(dir.File("out.onnx"));
        Module again = OnnxImporter.Import(dir.File("out.onnx"));

        OrtRun.Run(session, x, out _).Should().BeCloseTo(ours, atol: 1e-5, rtol: 1e-4);
        again.Forward(x).ToArray().Should().BeCloseTo(ours, atol: 1e-5, rtol: 1e-4);
        net.Summary(1, 3, 32, 32).ToString().Should().Contain("Conv2d");
    }

    [Theory]
    [InlineData("shufflenet_v2_x0_5")]
    [InlineData("mobilenet_v3_small")]
    [InlineData("squeezenet1_1")]
    [InlineData("mnasnet0_5")]
    [InlineData("resnet18")]
    public void ExportThenImport_ZooModel_SameOutputsAndStateDictValues(string name)
    {
        // The library's own torchvision architectures, exported (BatchNorms kept, keys as state-dict names) and read back as graphs.
        using var dir = new TempDirectory();
        Module zoo = LeNet.Models.Vision.TorchVision.GetModel(name, numClasses: 10);
        zoo.Eval();
        Tensor x = OrtRun.Values(new Random(11), [2, 3, 64, 64]);
        float[] expected = zoo.Forward(x).ToArray();
        OnnxExporter.Export(zoo, dir.File("zoo.onnx"), 1, 3, 64, 64);

        Module imported = OnnxImporter.Import(dir.File("zoo.onnx"));

        imported.Forward(x).ToArray().Should().BeCloseTo(expected, atol: 1e-5, rtol: 1e-4);
        IReadOnlyDictionary<string, Tensor> state = imported.StateDict();
        foreach ((string key, Tensor tensor) in zoo.StateDict().Where(e => e.Key.EndsWith(".weight", StringComparison.Ordinal)))
        {
            state.Should().ContainKey(key);
            state[key].ToArray().Should().Equal(tensor.ToArray(), key);
        }
    }

    [Fact]
    public void Import_Opset18AxesAsInputs_MatchesOnnxRuntime()
    {
        // ReduceMean takes its axes as an input from opset 18 (ReduceSum from 13); Split its sizes from 13.
        var graph = new GraphProto { Name = "opset18" };
        graph.Node.Add(new NodeProto { OpType = "Split", Name = "split", Input = { "x", "sizes" }, Output = { "a", "b" }, Attribute = { new AttributeProto { Name = "axis", I = 1, Type = AttributeProto.Types.AttributeType.Int } } });
        graph.Node.Add(new NodeProto { OpType = "ReduceMean", Name = "mean", Input = { "a", "axes" }, Output = { "m" }, Attribute = { new AttributeProto { Name = "keepdims", I = 1, Type = AttributeProto.Types.AttributeType.Int } } });
        graph.Node.Add(new NodeProto { OpType = "ReduceSum", Name = "sum", Input = { "b", "axes" }, Output = { "s" }, Attribute = { new AttributeProto { Name = "keepdims", I = 1, Type = AttributeProto.Types.AttributeType.Int } } });
        graph.Node.Add(new NodeProto { OpType = "Concat", Name = "cat", Input = { "m", "s" }, Output = { "y" }, Attribute = { new AttributeProto { Name = "axis", I = 1, Type = AttributeProto.Types.AttributeType.Int } } });
        graph.Initializer.Add(Int64Tensor("sizes", 1, 2));
        graph.Initializer.Add(Int64Tensor("axes", 2, 3));
        graph.Input.Add(FloatValue("x", 2, 3, 4, 5));
        graph.Output.Add(FloatValue("y", 2, 3, 1, 1));
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 18 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());
        using var session = new InferenceSession(dir.File("m.onnx"));
        Tensor x = OrtRun.Values(new Random(6), [2, 3, 4, 5]);

        Tensor actual = OnnxImporter.Import(dir.File("m.onnx")).Forward(x);

        actual.Shape.ToArray().Should().Equal(2, 3, 1, 1);
        actual.ToArray().Should().BeCloseTo(OrtRun.Run(session, x, out _), atol: 1e-5, rtol: 1e-5);
    }

    private static TensorProto Int64Tensor(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length } };
        tensor.RawData = ByteString.CopyFrom([.. values.SelectMany(BitConverter.GetBytes)]);
        return tensor;
    }

    [Fact]
    public void Import_EvaluationForward_TracedPlanMatchesRecordedForward()
    {
        // Evaluation mode runs the traced, compiled plan; training mode records the forward node by node. With no
        // BatchNorm or Dropout node (shufflenet's are folded) both compute the same function.
        Module net = OnnxImporter.Import(Path.Combine(Graphs, "shufflenet_v2_opset13.onnx"));
        Tensor x = OrtRun.Values(new Random(3), [2, 3, 32, 32]);

        float[] compiled = net.Forward(x).ToArray();
        float[] again = net.Forward(x).ToArray();
        net.Train();
        float[] recorded = net.Forward(x).ToArray();

        again.Should().BeCloseTo(compiled, atol: 1e-5, rtol: 1e-5); // the first call is the trace itself, run eagerly
        recorded.Should().BeCloseTo(compiled, atol: 1e-5, rtol: 1e-5);
    }

    /// <summary>The ONNX project's pytorch-converted cases that are not chains (libonnx-testdata; CI installs it).</summary>
    [Theory]
    [InlineData("pytorch-converted/test_GLU")]
    [InlineData("pytorch-converted/test_GLU_dim")]
    [InlineData("pytorch-converted/test_PixelShuffle")]
    [InlineData("node/test_clip_default_inbounds")]
    [InlineData("node/test_hardsigmoid")]
    [InlineData("node/test_hardsigmoid_default")]
    [InlineData("node/test_hardsigmoid_example")]
    [InlineData("node/test_hardswish")]
    [InlineData("node/test_neg")]
    [InlineData("node/test_neg_example")]
    [InlineData("node/test_reduce_mean_default_axes_keepdims_example")]
    [InlineData("node/test_reduce_mean_default_axes_keepdims_random")]
    [InlineData("node/test_reduce_mean_do_not_keepdims_example")]
    [InlineData("node/test_reduce_mean_do_not_keepdims_random")]
    [InlineData("node/test_reduce_mean_keepdims_example")]
    [InlineData("node/test_reduce_mean_keepdims_random")]
    [InlineData("node/test_reduce_mean_negative_axes_keepdims_example")]
    [InlineData("node/test_reduce_mean_negative_axes_keepdims_random")]
    [InlineData("node/test_transpose_all_permutations_0")]
    [InlineData("node/test_transpose_all_permutations_1")]
    [InlineData("node/test_transpose_all_permutations_2")]
    [InlineData("node/test_transpose_all_permutations_3")]
    [InlineData("node/test_transpose_all_permutations_4")]
    [InlineData("node/test_transpose_all_permutations_5")]
    [InlineData("node/test_transpose_default")]
    [InlineData("node/test_unsqueeze_axis_3")]
    [InlineData("node/test_flatten_axis0")]
    [InlineData("node/test_flatten_axis2")]
    [InlineData("node/test_flatten_axis3")]
    [InlineData("node/test_flatten_default_axis")]
    [InlineData("node/test_flatten_negative_axis1")]
    [InlineData("node/test_flatten_negative_axis2")]
    [InlineData("node/test_flatten_negative_axis3")]
    [InlineData("node/test_flatten_negative_axis4")]
    [InlineData("node/test_sigmoid_example")]
    [InlineData("node/test_tanh_example")]
    public void Import_OnnxBackendGraphCase_MatchesItsOutput(string testCase)
    {
        string folder = Path.Combine("/usr/share/libonnx-testdata/data", testCase);
        Tensor input = ReadTensor(Path.Combine(folder, "test_data_set_0", "input_0.pb"));
        Tensor expected = ReadTensor(Path.Combine(folder, "test_data_set_0", "output_0.pb"));

        Module net = OnnxImporter.Import(Path.Combine(folder, "model.onnx"));
        Tensor actual = net.Forward(input);

        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray());
        actual.ToArray().Should().BeCloseTo(expected.ToArray(), atol: 1e-5, rtol: 1e-5);
    }

    [Fact]
    public void Import_HandMadeFanOutBroadcastAndOddNames_MatchesOnnxRuntime()
    {
        // x [N, 2, 3] → a = Relu(x); b = Mul(x, s[2, 1]) (broadcast); c = Add(a, b) read by Sub(c, x) and Concat(c, …);
        // nodes listed out of order, names with spaces, slashes and colons.
        var graph = new GraphProto { Name = "fan out" };
        graph.Node.Add(new NodeProto { OpType = "Concat", Name = "cat:1", Input = { "c/add", "d sub" }, Output = { "out" }, Attribute = { new AttributeProto { Name = "axis", I = 1, Type = AttributeProto.Types.AttributeType.Int } } });
        graph.Node.Add(new NodeProto { OpType = "Sub", Name = "sub", Input = { "c/add", "x" }, Output = { "d sub" } });
        graph.Node.Add(new NodeProto { OpType = "Relu", Name = "relu", Input = { "x" }, Output = { "a" } });
        graph.Node.Add(new NodeProto { OpType = "Mul", Name = "mul", Input = { "x", "scale::s" }, Output = { "b" } });
        graph.Node.Add(new NodeProto { OpType = "Add", Name = "add", Input = { "a", "b" }, Output = { "c/add" } });
        graph.Initializer.Add(FloatTensor("scale::s", [2f, -1f], 2, 1));
        graph.Initializer.Add(FloatTensor("unused.weight", [1f, 2f, 3f], 3));
        graph.Input.Add(FloatValue("x", 1, 2, 3));
        graph.Input.Add(FloatValue("scale::s", 2, 1)); // an initializer listed as an input too (IR < 4 style)
        graph.Output.Add(FloatValue("out", 1, 4, 3));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());
        Tensor x = Tensor.FromArray([-1f, 0.5f, 2f, 3f, -4f, 0f], 1, 2, 3);

        Module net = OnnxImporter.Import(dir.File("m.onnx"));
        float[] actual = net.Forward(x).ToArray();

        // By hand for the first sample, channel 0 (scale 2): c = relu(x) + 2x = [-2, 1.5, 6]; d = c - x = [-1, 1, 4].
        actual.Take(3).Should().Equal(-2f, 1.5f, 6f);
        actual.Skip(6).Take(3).Should().Equal(-1f, 1f, 4f);
        using var session = new InferenceSession(dir.File("m.onnx"));
        actual.Should().BeCloseTo(OrtRun.Run(session, x, out _), atol: 1e-6);
        net.StateDict().Keys.Should().Equal("scale::s");
    }

    [Fact]
    public void Import_IdentityForwardsAnInitializer_UsedAsConvBias()
    {
        // What PyTorch wrote for squeezenet1_1: an Identity node forwarding an initializer, read as a Conv's bias.
        var graph = new GraphProto { Name = "identity" };
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = "id", Input = { "conv.bias" }, Output = { "onnx::Conv_9" } });
        graph.Node.Add(new NodeProto { OpType = "Conv", Name = "/conv/Conv", Input = { "x", "conv.weight", "onnx::Conv_9" }, Output = { "y" } });
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = "out", Input = { "y" }, Output = { "z" } });
        graph.Initializer.Add(FloatTensor("conv.weight", [1f, -1f, 0.5f, 2f], 2, 2, 1, 1));
        graph.Initializer.Add(FloatTensor("conv.bias", [0.25f, -3f], 2));
        graph.Input.Add(FloatValue("x", 1, 2, 1, 1));
        graph.Output.Add(FloatValue("z", 1, 2, 1, 1));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var stream = new MemoryStream(model.ToByteArray());

        Module net = OnnxImporter.Import(stream);

        // [1·3 − 1·2 + 0.25, 0.5·3 + 2·2 − 3] for x = [3, 2]
        net.Forward(Tensor.FromArray([3f, 2f], 1, 2, 1, 1)).ToArray().Should().Equal(1.25f, 2.5f);
        net.StateDict().Keys.Should().Contain(["conv.weight", "conv.bias"]);
    }

    [Fact]
    public void Import_UnsupportedOperatorInGraph_NamesNodeAndListsSupported()
    {
        var graph = new GraphProto { Name = "g" };
        graph.Node.Add(new NodeProto { OpType = "Relu", Name = "r", Input = { "x" }, Output = { "a" } });
        graph.Node.Add(new NodeProto { OpType = "Cos", Name = "/block/Cos", Input = { "x" }, Output = { "b" } });
        graph.Node.Add(new NodeProto { OpType = "Add", Name = "add", Input = { "a", "b" }, Output = { "y" } });
        graph.Input.Add(FloatValue("x", 1, 4));
        graph.Output.Add(FloatValue("y", 1, 4));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var stream = new MemoryStream(model.ToByteArray());

        Action act = () => OnnxImporter.Import(stream);

        act.Should().Throw<NotSupportedException>().WithMessage("*Cos node '/block/Cos'*supported:*Conv*Concat*");
    }

    [Fact]
    public void Import_LeNetWhoseShapeReadsTheInputAfterAConv_ImportsAndMatchesPyTorch()
    {
        // x.view(x.size(0), -1) with the Shape node reading 'input' listed after the first Conv (still in topological
        // order): the chain importer refuses it ("not the chain's current value"); the graph importer takes it.
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Graphs, "lenet_view_input_opset13.onnx")));
        NodeProto shape = proto.Graph.Node.Single(n => n.OpType == "Shape");
        proto.Graph.Node.Remove(shape);
        proto.Graph.Node.Insert(proto.Graph.Node.IndexOf(proto.Graph.Node.First(n => n.OpType == "Conv")) + 1, shape);
        shape.Input.Single().Should().Be("input");
        using var stream = new MemoryStream(proto.ToByteArray());
        Tensor x = ReadTensor(Path.Combine(Graphs, "lenet_view_input.input.pb"));

        Module net = OnnxImporter.Import(stream);

        net.Should().NotBeOfType<Sequential>();
        net.Forward(x).ToArray().Should().BeCloseTo(ReadTensor(Path.Combine(Graphs, "lenet_view_input.output.pb")).ToArray(), atol: 1e-5, rtol: 1e-4);
        net.StateDict().Keys.Should().Equal("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias");
    }

    [Fact]
    public void Import_ClipWithOtherBounds_MatchesOnnxRuntimeAndExportsBack()
    {
        // Clip(x, −1, 2) (not ReLU6), then Mul by itself: the clamp operation, its export and ORT agree.
        var graph = new GraphProto { Name = "clip" };
        graph.Node.Add(new NodeProto { OpType = "Clip", Name = "clip", Input = { "x", "lo", "hi" }, Output = { "c" } });
        graph.Node.Add(new NodeProto { OpType = "Mul", Name = "square", Input = { "c", "c" }, Output = { "y" } });
        graph.Initializer.Add(FloatTensor("lo", [-1f]));
        graph.Initializer.Add(FloatTensor("hi", [2f]));
        graph.Input.Add(FloatValue("x", 1, 6));
        graph.Output.Add(FloatValue("y", 1, 6));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("clip.onnx"), model.ToByteArray());
        Tensor x = Tensor.FromArray([-3f, -1f, 0.5f, 1.5f, 2f, 4f], 1, 6);

        Module net = OnnxImporter.Import(dir.File("clip.onnx"));
        float[] actual = net.Forward(x).ToArray();
        OnnxExporter.Export(net, dir.File("back.onnx"), 1, 6);
        using var session = new InferenceSession(dir.File("back.onnx"));

        actual.Should().Equal(1f, 1f, 0.25f, 2.25f, 4f, 4f); // min(max(x, −1), 2)², by hand
        OrtRun.Run(session, x, out _).Should().Equal(actual);
        net.StateDict().Should().BeEmpty("Clip's bounds are attributes of the operation, not parameters");
    }

    [Fact]
    public void Import_ShapeFromData_RefusedAsDataDependent()
    {
        // Reshape whose shape is computed from the data (Cast of a float tensor to int64).
        var graph = new GraphProto { Name = "g" };
        graph.Node.Add(new NodeProto { OpType = "Cast", Name = "cast", Input = { "x" }, Output = { "s" }, Attribute = { new AttributeProto { Name = "to", I = 7, Type = AttributeProto.Types.AttributeType.Int } } });
        graph.Node.Add(new NodeProto { OpType = "Reshape", Name = "reshape", Input = { "x", "s" }, Output = { "y" } });
        graph.Input.Add(FloatValue("x", 2));
        graph.Output.Add(FloatValue("y", 2));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var stream = new MemoryStream(model.ToByteArray());

        Action act = () => OnnxImporter.Import(stream);

        act.Should().Throw<NotSupportedException>().WithMessage("*Cast node 'cast'*depend on data*");
    }

    private static double CentralDifference(Module net, Tensor x, Parameter p, int index)
    {
        float[] data = p.Value.AsSpan().ToArray();
        float h = Math.Max(1e-2f * Math.Abs(data[index]), 1e-2f);
        double Loss(float value)
        {
            p.Value.AsSpan()[index] = value;
            return net.Forward(x).ToArray().Sum(v => (double)v);
        }

        double plus = Loss(data[index] + h), minus = Loss(data[index] - h);
        p.Value.AsSpan()[index] = data[index];
        return (plus - minus) / (2 * h);
    }

    private static float[] FloatsOf(TensorProto tensor) => tensor.RawData.Length > 0
        ? [.. Enumerable.Range(0, tensor.RawData.Length / 4).Select(i => BitConverter.ToSingle(tensor.RawData.Span[(i * 4)..]))]
        : [.. tensor.FloatData];

    private static double MaxRelative(float[] actual, float[] expected) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - e) / Math.Max(Math.Abs(e), 1e-3)).DefaultIfEmpty().Max();
}
