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
/// The graph importer's Slice with negative steps, Expand, Range, Equal and Where together in a hand-made graph of the
/// shape arithmetic torch.onnx writes, against ONNX Runtime, forward and backward (the ONNX project's node cases of
/// Slice and Expand are in <see cref="OnnxNodeCaseTests"/>).
/// </summary>
public class OnnxGraphOperatorTests(ITestOutputHelper output)
{
    [Fact]
    public void Import_RangeEqualWhereSliceExpand_MatchesOnnxRuntimeAndBackpropagates()
    {
        // x [2, 3, 4]; w = Where(Equal(Range(0, 4, 1), 2), 10, Cast(Range(0, 4, 1)) + 1) = [1, 2, 10, 4];
        // y = Slice(x · w, start 3, end −100, axis 2, step −2) = x·w [:, :, 3::-2] → [2, 3, 2];
        // out = Expand(y, [2, 1, 3, 1]) → [2, 2, 3, 2].
        var graph = new GraphProto { Name = "shape arithmetic" };
        graph.Node.Add(Node("Range", "range", ["zero", "four", "one"], "r"));
        graph.Node.Add(Node("Equal", "equal", ["r", "two"], "is2"));
        var cast = Node("Cast", "cast", ["r"], "rf");
        cast.Attribute.Add(new AttributeProto { Name = "to", I = 1, Type = AttributeProto.Types.AttributeType.Int });
        graph.Node.Add(cast);
        graph.Node.Add(Node("Add", "plus1", ["rf", "onef"], "r1"));
        graph.Node.Add(Node("Where", "where", ["is2", "ten", "r1"], "w"));
        graph.Node.Add(Node("Mul", "scale", ["x", "w"], "xw"));
        graph.Node.Add(Node("Slice", "flip", ["xw", "starts", "ends", "axes", "steps"], "y"));
        graph.Node.Add(Node("Expand", "expand", ["y", "shape"], "out"));
        graph.Initializer.Add(Int64s("zero", [], 0));
        graph.Initializer.Add(Int64s("four", [], 4));
        graph.Initializer.Add(Int64s("one", [], 1));
        graph.Initializer.Add(Int64s("two", [], 2));
        graph.Initializer.Add(FloatTensor("onef", [1f]));
        graph.Initializer.Add(FloatTensor("ten", [10f]));
        graph.Initializer.Add(Int64s("starts", [1], 3));
        graph.Initializer.Add(Int64s("ends", [1], -100));
        graph.Initializer.Add(Int64s("axes", [1], 2));
        graph.Initializer.Add(Int64s("steps", [1], -2));
        graph.Initializer.Add(Int64s("shape", [4], 2, 1, 3, 1));
        graph.Input.Add(FloatValue("x", 2, 3, 4));
        graph.Output.Add(FloatValue("out", 2, 2, 3, 2));
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());
        using var session = new InferenceSession(dir.File("m.onnx"));
        Tensor x = OrtRun.Values(new Random(5), [2, 3, 4]);
        float[] ort = OrtRun.Run(session, x, out _);

        Module net = OnnxImporter.Import(dir.File("m.onnx"));
        Tensor actual = net.Forward(x);

        output.WriteLine($"max |ours − ORT| {MaxAbsDifference(actual.ToArray(), ort):E2}");
        actual.Shape.ToArray().Should().Equal(2, 2, 3, 2);
        actual.ToArray().Should().BeCloseTo(ort, atol: 1e-6, rtol: 1e-6);

        // Backward in training mode: each x[n, c, k] (k = 3 or 1) reaches 2 outputs with weight w[k] (4 or 2); others 0.
        net.Train();
        Tensor y = net.Forward(x);
        Tensor dx = net.Backward(Tensor.FromArray([.. Enumerable.Repeat(1f, y.Length)], y.Shape.ToArray()));
        float[] expected = [.. Enumerable.Range(0, 24).Select(i => (i % 4) switch { 3 => 8f, 1 => 4f, _ => 0f })];
        dx.ToArray().Should().Equal(expected);
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name, Output = { output } };
        node.Input.AddRange(inputs);
        return node;
    }

    private static TensorProto Int64s(string name, long[] dims, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom([.. values.SelectMany(BitConverter.GetBytes)]);
        return tensor;
    }
}
