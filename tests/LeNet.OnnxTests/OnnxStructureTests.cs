using System.Buffers.Binary;
using Google.Protobuf;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.OnnxTests.Onnx;
using LeNet.Tests;
using static LeNet.OnnxTests.Onnx.AttributeProto.Types;

namespace LeNet.OnnxTests;

/// <summary>Google.Protobuf decodes the exported file against the ONNX schema: every field is where the spec puts it.</summary>
public class OnnxStructureTests
{
    [Fact]
    public void Export_LeNet_DecodesAsAnIr7Opset13ModelWithTheD2lGraph()
    {
        using var dir = new TempDirectory();
        Sequential net = LeNetFactory.Create(5);
        OnnxExporter.Export(net, dir.File("lenet.onnx"), 1, 1, 28, 28);
        byte[] bytes = File.ReadAllBytes(dir.File("lenet.onnx"));

        ModelProto model = ModelProto.Parser.ParseFrom(bytes);

        model.IrVersion.Should().Be(7);
        model.OpsetImport.Should().ContainSingle();
        model.OpsetImport[0].HasDomain.Should().BeFalse("an absent domain is the default ONNX operator set");
        model.OpsetImport[0].Version.Should().Be(13);
        model.ProducerName.Should().Be("LeNet");
        GraphProto graph = model.Graph;
        graph.Node.Select(n => n.OpType).Should().Equal(
            "Conv", "Sigmoid", "AveragePool", "Conv", "Sigmoid", "AveragePool", "Flatten", "Gemm", "Sigmoid", "Gemm", "Sigmoid", "Gemm");
        graph.Node[0].Input.Should().Equal("input", "0.weight", "0.bias");
        graph.Node[7].Input.Skip(1).Should().Equal("7.weight", "7.bias");
        for (int i = 1; i < graph.Node.Count; i++)
        {
            graph.Node[i].Input[0].Should().Be(graph.Node[i - 1].Output.Single(), "node {0} reads its predecessor's output", i);
        }

        graph.Node[^1].Output.Should().Equal("output");
        graph.Node.Select(n => n.Name).Should().OnlyHaveUniqueItems();
        model.ToByteArray().Should().Equal(bytes, "re-encoding the decoded model gives the same bytes: no stray or misplaced field");
    }

    [Fact]
    public void Export_LeNet_HasTorchsAttributesPerOperator()
    {
        GraphProto graph = Decode(LeNetFactory.Create(), 1, 1, 28, 28).Graph;

        Attributes(graph.Node[0]).Should().Equal(
            "dilations INTS [1, 1]", "group INT 1", "kernel_shape INTS [5, 5]", "pads INTS [2, 2, 2, 2]", "strides INTS [1, 1]");
        Attributes(graph.Node[3]).Should().Contain("pads INTS [0, 0, 0, 0]");
        Attributes(graph.Node[2]).Should().Equal("kernel_shape INTS [2, 2]", "pads INTS [0, 0, 0, 0]", "strides INTS [2, 2]");
        Attributes(graph.Node[6]).Should().Equal("axis INT 1");
        Attributes(graph.Node[7]).Should().Equal("alpha FLOAT 1", "beta FLOAT 1", "transB INT 1");
        Attributes(graph.Node[1]).Should().BeEmpty();
    }

    [Fact]
    public void Export_LeNet_InitializersAreTheStateDictBitForBit()
    {
        Sequential net = LeNetFactory.Create(9);

        GraphProto graph = Decode(net, 1, 1, 28, 28).Graph;

        IReadOnlyDictionary<string, Tensor> state = net.StateDict();
        graph.Initializer.Select(t => t.Name).Should().Equal(state.Keys);
        foreach (TensorProto initializer in graph.Initializer)
        {
            Tensor expected = state[initializer.Name];
            initializer.Dims.Should().Equal(expected.Shape.ToArray().Select(d => (long)d), initializer.Name);
            initializer.DataType.Should().Be((int)TensorProto.Types.DataType.Float);
            byte[] raw = initializer.RawData.ToByteArray();
            raw.Should().HaveCount(expected.Length * 4);
            Enumerable.Range(0, expected.Length).Select(i => BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(i * 4)))
                .Should().Equal(expected.ToArray().Select(BitConverter.SingleToInt32Bits), initializer.Name);
        }
    }

    [Fact]
    public void Export_LeNet_InputAndOutputHaveASymbolicBatch()
    {
        GraphProto graph = Decode(LeNetFactory.Create(), 7, 1, 28, 28).Graph;

        graph.Input.Should().ContainSingle();
        graph.Input[0].Name.Should().Be("input");
        graph.Input[0].Type.TensorType.ElemType.Should().Be((int)TensorProto.Types.DataType.Float);
        Dims(graph.Input[0]).Should().Equal("N", "1", "28", "28");
        graph.Output.Should().ContainSingle();
        graph.Output[0].Name.Should().Be("output");
        Dims(graph.Output[0]).Should().Equal("N", "10");
    }

    [Fact]
    public void Export_NestedSequentialWithoutBias_UsesDottedInitializerNamesAndOmitsBias()
    {
        var net = new Sequential(
            new Conv2d(3, 4, 3, stride: 2, padding: 1, bias: false),
            new Sequential(new ReLU(), new Conv2d(4, 2, 1)),
            new Flatten(),
            new Linear(2 * 5 * 5, 3, bias: false));

        GraphProto graph = Decode(net, 2, 3, 10, 10).Graph;

        graph.Initializer.Select(t => t.Name).Should().Equal("0.weight", "1.1.weight", "1.1.bias", "3.weight");
        graph.Node[0].Input.Should().HaveCount(2);
        Attributes(graph.Node[0]).Should().Contain("pads INTS [1, 1, 1, 1]").And.Contain("strides INTS [2, 2]");
        graph.Node[1].Name.Should().Be("/1.0/Relu");
        graph.Node[4].Input.Should().Equal(["/2/Flatten_output_0", "3.weight"], "Gemm's C is optional and the layer has no bias");
        Dims(graph.Output[0]).Should().Equal("N", "3");
    }

    private static ModelProto Decode(Sequential net, params int[] inputShape)
    {
        using var dir = new TempDirectory();
        OnnxExporter.Export(net, dir.File("model.onnx"), inputShape);
        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("model.onnx")));
    }

    private static IEnumerable<string> Attributes(NodeProto node) => node.Attribute.Select(a => a.Type switch
    {
        AttributeType.Ints => $"{a.Name} INTS [{string.Join(", ", a.Ints)}]",
        AttributeType.Int => $"{a.Name} INT {a.I}",
        AttributeType.Float => $"{a.Name} FLOAT {a.F}",
        _ => $"{a.Name} {a.Type}",
    });

    private static IEnumerable<string> Dims(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : d.DimValue.ToString());
}
