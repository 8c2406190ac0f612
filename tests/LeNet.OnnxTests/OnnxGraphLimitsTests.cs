using Google.Protobuf;
using LeNet.IO;
using LeNet.Layers;
using LeNet.OnnxTests.Onnx;
using static LeNet.OnnxTests.OnnxImportTests;

namespace LeNet.OnnxTests;

/// <summary>
/// What the graph importer refuses, and how: graphs of several inputs or outputs (a Module's Forward takes and returns
/// one tensor), and hostile files whose shape pass would need more memory than their size allows.
/// </summary>
public class OnnxGraphLimitsTests
{
    [Fact]
    public void Import_GraphOfTwoInputs_RefusedNamingBoth()
    {
        var graph = new GraphProto { Name = "two in" };
        graph.Node.Add(new NodeProto { OpType = "Add", Name = "add", Input = { "left image", "right/image" }, Output = { "sum" } });
        graph.Node.Add(new NodeProto { OpType = "Relu", Name = "relu", Input = { "sum" }, Output = { "out" } });
        graph.Input.Add(FloatValue("left image", 1, 2, 3));
        graph.Input.Add(FloatValue("right/image", 1, 2, 3));
        graph.Output.Add(FloatValue("out", 1, 2, 3));

        Action act = () => Import(graph);

        act.Should().Throw<NotSupportedException>()
            .WithMessage("*has 2 inputs ('left image', 'right/image')*Forward takes exactly one tensor*");
    }

    [Fact]
    public void Import_GraphOfTwoOutputs_RefusedNamingBoth()
    {
        var graph = new GraphProto { Name = "two out" };
        graph.Node.Add(new NodeProto { OpType = "Relu", Name = "relu", Input = { "x" }, Output = { "features" } });
        graph.Node.Add(new NodeProto { OpType = "Sigmoid", Name = "sigmoid", Input = { "features" }, Output = { "scores" } });
        graph.Input.Add(FloatValue("x", 1, 4));
        graph.Output.Add(FloatValue("features", 1, 4));
        graph.Output.Add(FloatValue("scores", 1, 4));

        Action act = () => Import(graph);

        act.Should().Throw<NotSupportedException>()
            .WithMessage("*has 2 outputs ('features', 'scores')*Forward returns exactly one tensor*");
    }

    [Fact]
    public void Import_TinyFileDeclaringAHugeInput_RefusedByItsSize()
    {
        // 4096 × 4096 = 2^24 elements (64 MiB) declared by a file of a few hundred bytes: over 64 per byte and 2^22.
        var graph = new GraphProto { Name = "huge input" };
        graph.Node.Add(new NodeProto { OpType = "Concat", Name = "cat", Input = { "x", "x" }, Output = { "y" }, Attribute = { Axis(1) } });
        graph.Input.Add(FloatValue("x", 1, 1, 4096, 4096));
        graph.Output.Add(FloatValue("y", 1, 2, 4096, 4096));

        Action act = () => Import(graph);

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*the graph input 'x' has shape [1, 1, 4096, 4096]*16777216 elements, more than the 4194304*");
    }

    [Fact]
    public void Import_TinyFileTilingItsInputPastItsBudget_RefusedAtTheNode()
    {
        // x [1, 1, 1024, 1024] (2^20, within the 2^22 floor) concatenated 8 times: 2^23 elements from one node.
        var graph = new GraphProto { Name = "tiling" };
        var cat = new NodeProto { OpType = "Concat", Name = "tile8", Output = { "y" }, Attribute = { Axis(1) } };
        cat.Input.AddRange(Enumerable.Repeat("x", 8));
        graph.Node.Add(cat);
        graph.Input.Add(FloatValue("x", 1, 1, 1024, 1024));
        graph.Output.Add(FloatValue("y", 1, 8, 1024, 1024));

        Action act = () => Import(graph);

        act.Should().Throw<InvalidDataException>().WithMessage("*Concat node 'tile8'*8388608 elements*");
    }

    [Fact]
    public void Import_TinyFileOfManyLargeNodes_RefusedByTheTotalBudget()
    {
        // 70 Relu nodes on a 2^20-element input, branching off a Concat: each within the one-tensor budget, together
        // 70 × 2^20 + … elements, over 16 × 2^22.
        var graph = new GraphProto { Name = "many" };
        graph.Node.Add(new NodeProto { OpType = "Concat", Name = "cat", Input = { "x", "x" }, Output = { "v0" }, Attribute = { Axis(1) } });
        for (int i = 1; i <= 70; i++)
        {
            graph.Node.Add(new NodeProto { OpType = "Relu", Name = $"relu{i}", Input = { $"v{i - 1}" }, Output = { $"v{i}" } });
        }

        graph.Input.Add(FloatValue("x", 1, 1, 512, 1024));
        graph.Output.Add(FloatValue("v70", 1, 2, 512, 1024));

        Action act = () => Import(graph);

        act.Should().Throw<InvalidDataException>().WithMessage("*brings the import's shape pass to * elements, more than the 67108864*");
    }

    [Fact]
    public void Import_TinyFileWithinItsBudget_Imports()
    {
        // The same tiling, 4 times (2^22 elements, the floor): imported, and it computes the concatenation.
        var graph = new GraphProto { Name = "tiling" };
        var cat = new NodeProto { OpType = "Concat", Name = "tile4", Output = { "y" }, Attribute = { Axis(1) } };
        cat.Input.AddRange(Enumerable.Repeat("x", 4));
        graph.Node.Add(cat);
        graph.Input.Add(FloatValue("x", 1, 1, 1024, 1024));
        graph.Output.Add(FloatValue("y", 1, 4, 1024, 1024));
        Tensor x = OrtRun.Values(new Random(1), [1, 1, 1024, 1024]);

        Tensor y = Import(graph).Forward(x);

        y.Shape.ToArray().Should().Equal(1, 4, 1024, 1024);
        y.AsSpan()[(3 << 20)..].ToArray().Should().Equal(x.ToArray());
    }

    private static AttributeProto Axis(long axis) => new() { Name = "axis", I = axis, Type = AttributeProto.Types.AttributeType.Int };

    private static Module Import(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        return OnnxImporter.Import(new MemoryStream(model.ToByteArray(), writable: false));
    }
}
