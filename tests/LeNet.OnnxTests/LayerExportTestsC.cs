using LeNet.IO;
using LeNet.Layers;
using LeNet.OnnxTests.Onnx;
using LeNet.Tests;
using Xunit.Abstractions;

namespace LeNet.OnnxTests;

/// <summary>
/// The part-C layers (ReLU6, Hardsigmoid, Hardswish, SiLU, GELU, LayerNorm, StochasticDepth, Flatten with any range)
/// exported to ONNX (opset 13) and run in ONNX Runtime, against their own evaluation-mode Forward; and the operators
/// each one writes, torch.onnx's decompositions where ONNX 13 has no operator of its own.
/// </summary>
public class LayerExportTestsC(ITestOutputHelper output)
{
    /// <summary>Each case: the layer and the shape of one sample (the batch is added in front).</summary>
    private static (Layer Layer, int[] Sample) Case(string name) => name switch
    {
        "ReLU6" => (new ReLU6(), [3, 4, 5]),
        "Hardsigmoid" => (new Hardsigmoid(), [3, 4, 5]),
        "Hardswish" => (new Hardswish(), [3, 4, 5]),
        "SiLU" => (new SiLU(), [3, 4, 5]),
        "GELU" => (new GELU(), [3, 4, 5]),
        "GELU(tanh)" => (new GELU("tanh"), [3, 4, 5]),
        "LayerNorm(5)" => (Affine(new LayerNorm(5), 1), [5]),
        "LayerNorm(4, 5)" => (Affine(new LayerNorm([4, 5]), 2), [3, 4, 5]),
        "LayerNorm(6, no affine)" => (new LayerNorm(6, eps: 1e-3f, elementwiseAffine: false), [2, 6]),
        "StochasticDepth" => (new StochasticDepth(0.5f, "row", new Random(1)), [3, 4]),
        "Flatten(0)" => (new Flatten(0), [3, 4, 5]),
        "Flatten(2, 3)" => (new Flatten(2, 3), [3, 4, 5, 2]),
        "Flatten(-3, -2)" => (new Flatten(-3, -2), [3, 4, 5]),
        "Flatten(0, 1)" => (new Flatten(0, 1), [3, 4]),
        "Flatten(1, 1)" => (new Flatten(1, 1), [3, 4]),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Names => new()
    {
        "ReLU6", "Hardsigmoid", "Hardswish", "SiLU", "GELU", "GELU(tanh)", "LayerNorm(5)", "LayerNorm(4, 5)", "LayerNorm(6, no affine)",
        "StochasticDepth", "Flatten(0)", "Flatten(2, 3)", "Flatten(-3, -2)", "Flatten(0, 1)", "Flatten(1, 1)",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxRuntime_ExportedLayer_MatchesEvaluationForwardForBatches1And3(string name)
    {
        (Layer layer, int[] sample) = Case(name);

        OrtRun.ExportAndCompare(new Sequential(layer), sample, output, $"{layer}", atol: 1e-5, rtol: 1e-6);
    }

    [Theory]
    [InlineData("ReLU6", "Clip")]
    [InlineData("Hardsigmoid", "HardSigmoid")]
    [InlineData("Hardswish", "HardSigmoid Mul")]
    [InlineData("SiLU", "Sigmoid Mul")]
    [InlineData("GELU", "Div Erf Add Mul Mul")]
    [InlineData("GELU(tanh)", "Mul Mul Mul Add Mul Tanh Add Mul Mul")]
    [InlineData("LayerNorm(4, 5)", "ReduceMean Sub Pow ReduceMean Add Sqrt Div Mul Add")]
    [InlineData("LayerNorm(6, no affine)", "ReduceMean Sub Pow ReduceMean Add Sqrt Div")]
    [InlineData("StochasticDepth", "Identity")]
    [InlineData("Flatten(2, 3)", "Reshape")]
    public void Export_Opset13_WritesTorchOnnxsOperators(string name, string operators)
    {
        (Layer layer, int[] sample) = Case(name);

        GraphProto graph = Decode(new Sequential(layer), [2, .. sample]);

        string.Join(" ", graph.Node.Select(n => n.OpType)).Should().Be(operators);
        graph.Node[^1].Output.Should().Equal("output");
    }

    [Fact]
    public void Export_Relu6_ClipsWithScalarBoundInputs()
    {
        GraphProto graph = Decode(new Sequential(new ReLU6()), [2, 3]);

        graph.Node[0].Input.Should().Equal("input", "0.clip_min", "0.clip_max");
        graph.Initializer.Where(t => t.Name.StartsWith("0.clip", StringComparison.Ordinal)).Should().OnlyContain(t => t.Dims.Count == 0, "Clip's bounds are scalars");
    }

    [Fact]
    public void Export_LayerNorm_ReducesOverTheLastAxesAndNamesItsParameters()
    {
        GraphProto graph = Decode(new Sequential(new Linear(4, 20), new Unflatten(1, [4, 5]), new LayerNorm([4, 5])), [2, 4]);

        NodeProto mean = graph.Node.First(n => n.OpType == "ReduceMean");
        mean.Attribute.Single(a => a.Name == "axes").Ints.Should().Equal(-2L, -1L);
        mean.Attribute.Single(a => a.Name == "keepdims").I.Should().Be(1);
        graph.Node.Single(n => n.OpType == "Mul").Input.Should().Contain("2.weight");
        graph.Node[^1].Input.Should().Contain("2.bias");
    }

    [Theory]
    [InlineData(2, 3, new[] { 3, 4, 5, 2 }, new long[] { 0, 3, 20, 2 })]
    [InlineData(0, -1, new[] { 3, 4 }, new long[] { -1 })]
    [InlineData(0, 1, new[] { 3, 4 }, new long[] { -1, 4 })]
    public void Export_FlattenOtherRanges_ReshapesToAConstantShape(int startDim, int endDim, int[] sample, long[] shape)
    {
        GraphProto graph = Decode(new Sequential(new Flatten(startDim, endDim)), [2, .. sample]);

        TensorProto target = graph.Initializer.Single(t => t.Name == graph.Node[0].Input[1]);
        target.DataType.Should().Be((int)TensorProto.Types.DataType.Int64);
        Enumerable.Range(0, shape.Length).Select(i => BitConverter.ToInt64(target.RawData.Span.Slice(i * 8, 8))).Should().Equal(shape);
    }

    [Fact]
    public void Export_DefaultFlatten_IsStillOnnxFlattenWithAxis1()
    {
        GraphProto graph = Decode(new Sequential(new Flatten()), [2, 3, 4]);

        graph.Node.Single().OpType.Should().Be("Flatten");
        graph.Node[0].Attribute.Single().I.Should().Be(1);
    }

    private static LayerNorm Affine(LayerNorm layer, int seed)
    {
        var random = new Random(seed);
        Span<float> weight = layer.Weight!.Value.AsSpan(), bias = layer.Bias!.Value.AsSpan();
        for (int i = 0; i < weight.Length; i++)
        {
            (weight[i], bias[i]) = (0.5f + random.NextSingle(), random.NextSingle() - 0.5f);
        }

        return layer;
    }

    private static GraphProto Decode(Sequential net, int[] inputShape)
    {
        using var dir = new TempDirectory();
        net.Eval();
        OnnxExporter.Export(net, dir.File("model.onnx"), inputShape);
        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("model.onnx"))).Graph;
    }
}
