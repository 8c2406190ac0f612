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
/// The graph importer's MatMul of two computed tensors, and Slice with negative steps, Expand, Range, Equal and Where together in a hand-made graph of the
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

    [Fact]
    public void Import_MatMulOfTwoComputedTensors_MatchesOnnxRuntimeAndBackpropagates()
    {
        // x [2, 3, 4]: g = x · xᵀ (a batch of Gram matrices, [2, 3, 3]), then g · W with a constant W [3, 5] (a Linear).
        var graph = new GraphProto { Name = "gram" };
        var transpose = Node("Transpose", "t", ["x"], "xt");
        transpose.Attribute.Add(new AttributeProto { Name = "perm", Ints = { 0, 2, 1 }, Type = AttributeProto.Types.AttributeType.Ints });
        graph.Node.Add(transpose);
        graph.Node.Add(Node("MatMul", "gram", ["x", "xt"], "g"));
        graph.Node.Add(Node("MatMul", "proj", ["g", "W"], "out"));
        graph.Initializer.Add(FloatTensor("W", [.. Enumerable.Range(0, 15).Select(i => (i % 7) - 3f)], 3, 5));
        graph.Input.Add(FloatValue("x", 2, 3, 4));
        graph.Output.Add(FloatValue("out", 2, 3, 5));
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());
        using var session = new InferenceSession(dir.File("m.onnx"));
        Tensor x = OrtRun.Values(new Random(8), [2, 3, 4]);
        float[] ort = OrtRun.Run(session, x, out _);

        Module net = OnnxImporter.Import(dir.File("m.onnx"));
        float[] actual = net.Forward(x).ToArray();

        output.WriteLine($"max |ours − ORT| {MaxAbsDifference(actual, ort):E2}");
        actual.Should().BeCloseTo(ort, atol: 1e-5, rtol: 1e-5);

        // d/dx Σ (x·xᵀ·W) ⊙ 1 = (S + Sᵀ) x per sample, with S[i, j] = Σ_c W[j, c] (x reaches g through both factors).
        net.Train();
        Tensor y = net.Forward(x);
        Tensor dx = net.Backward(Tensor.FromArray([.. Enumerable.Repeat(1f, y.Length)], y.Shape.ToArray()));
        float[] w = [.. Enumerable.Range(0, 15).Select(i => (i % 7) - 3f)], xs = x.ToArray();
        double[] rowSum = [.. Enumerable.Range(0, 3).Select(j => Enumerable.Range(0, 5).Sum(c => (double)w[(j * 5) + c]))];
        double[] expected = new double[24];
        for (int n = 0; n < 2; n++)
        {
            for (int i = 0; i < 3; i++)
            {
                for (int d = 0; d < 4; d++)
                {
                    // Σ_j (S[i, j] + S[j, i]) x[j, d] with S[i, j] = rowSum[j].
                    expected[(n * 12) + (i * 4) + d] = Enumerable.Range(0, 3).Sum(j => (rowSum[j] + rowSum[i]) * xs[(n * 12) + (j * 4) + d]);
                }
            }
        }

        dx.ToArray().Should().BeCloseTo([.. expected.Select(v => (float)v)], atol: 1e-5, rtol: 1e-5);
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
