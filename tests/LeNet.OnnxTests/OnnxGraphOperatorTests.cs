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

    [Fact]
    public void Import_WhereWithInfiniteAndNaNInTheBranchNotTaken_SelectsLikeOnnxRuntimeAndExportsBack()
    {
        // x [2, 4]; condition = Equal([[1, 0, 1, 0]], 1) (constant, broadcast over rows);
        // out = Where(condition, 1 / x, Sqrt(x)): 1/x is ±inf at ±0, Sqrt(x) NaN below 0, in the taken and untaken branch.
        var graph = new GraphProto { Name = "where" };
        graph.Node.Add(Node("Equal", "equal", ["columns", "onei"], "condition"));
        graph.Node.Add(Node("Div", "reciprocal", ["onef", "x"], "a"));
        graph.Node.Add(Node("Sqrt", "sqrt", ["x"], "b"));
        graph.Node.Add(Node("Where", "where", ["condition", "a", "b"], "out"));
        graph.Initializer.Add(Int64s("columns", [1, 4], 1, 0, 1, 0));
        graph.Initializer.Add(Int64s("onei", [], 1));
        graph.Initializer.Add(FloatTensor("onef", [1f]));
        graph.Input.Add(FloatValue("x", 2, 4));
        graph.Output.Add(FloatValue("out", 2, 4));
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());
        using var session = new InferenceSession(dir.File("m.onnx"));
        Tensor x = Tensor.FromArray([-4f, 0f, -0f, -2f, 0f, -1f, -3f, 4f], 2, 4);
        float[] ort = OrtRun.Run(session, x, out _);

        Module net = OnnxImporter.Import(dir.File("m.onnx"));
        float[] actual = net.Forward(x).ToArray();

        // By hand: row 0 takes 1/−4, Sqrt(0), 1/−0, Sqrt(−2); row 1 takes 1/0, Sqrt(−1), 1/−3, Sqrt(4).
        float[] byHand = [-0.25f, 0f, float.NegativeInfinity, float.NaN, float.PositiveInfinity, float.NaN, 1f / -3f, 2f];
        output.WriteLine($"ours {string.Join(", ", actual)}; ORT {string.Join(", ", ort)}");
        SameValues(ort, byHand, "ONNX Runtime");
        SameValues(actual, ort, "the imported graph");

        // Export → ONNX Runtime: a Where node with the condition as a bool initializer.
        OnnxExporter.Export(net, dir.File("back.onnx"), 2, 4);
        using var back = new InferenceSession(dir.File("back.onnx"));
        SameValues(OrtRun.Run(back, x, out long[] shape), actual, "the exported graph in ONNX Runtime");
        shape.Should().Equal(2, 4);

        // … and the exported file imports back (its condition read from the bool initializer) with the same values.
        SameValues(OnnxImporter.Import(dir.File("back.onnx")).Forward(x).ToArray(), actual, "the exported graph imported back");
    }

    [Fact]
    public void Import_WhereOfTwoComputedBranches_RoutesTheGradientByTheCondition()
    {
        // out = Where(condition [2, 1] = [[1], [0]], x·x, 3·x) for x [2, 3]: dx = 2x·dy on row 0, 3·dy on row 1.
        var graph = new GraphProto { Name = "where gradient" };
        graph.Node.Add(Node("Equal", "equal", ["rows", "onei"], "condition"));
        graph.Node.Add(Node("Mul", "square", ["x", "x"], "a"));
        graph.Node.Add(Node("Mul", "triple", ["x", "three"], "b"));
        graph.Node.Add(Node("Where", "where", ["condition", "a", "b"], "out"));
        graph.Initializer.Add(Int64s("rows", [2, 1], 1, 0));
        graph.Initializer.Add(Int64s("onei", [], 1));
        graph.Initializer.Add(FloatTensor("three", [3f]));
        graph.Input.Add(FloatValue("x", 2, 3));
        graph.Output.Add(FloatValue("out", 2, 3));
        Tensor x = Tensor.FromArray([1.5f, -2f, 0.25f, 7f, -1f, 0f], 2, 3);
        (Tensor y, Tensor dx, _) = ForwardBackward(graph, x, [1f, 2f, 3f, 4f, 5f, 6f], out float[] ort);

        y.ToArray().Should().Equal(ort);
        y.ToArray().Should().Equal(2.25f, 4f, 0.0625f, 21f, -3f, 0f);
        dx.ToArray().Should().Equal(3f, -8f, 1.5f, 12f, 15f, 18f);
    }

    [Fact]
    public void Import_WhereWithABroadcastWeight_SumsItsGradientOverTheRowsItIsTaken()
    {
        // out = Where(condition [3, 1] = [[0], [1], [0]], x [3, 2], w [2]) (w an initializer read by an operation:
        // a parameter): dx = dy on row 1, 0 elsewhere; dw = dy summed over rows 0 and 2.
        var graph = new GraphProto { Name = "where broadcast" };
        graph.Node.Add(Node("Equal", "equal", ["rows", "onei"], "condition"));
        graph.Node.Add(Node("Where", "where", ["condition", "x", "w"], "out"));
        graph.Initializer.Add(Int64s("rows", [3, 1], 0, 1, 0));
        graph.Initializer.Add(Int64s("onei", [], 1));
        graph.Initializer.Add(FloatTensor("w", [-0.5f, float.PositiveInfinity], 2));
        graph.Input.Add(FloatValue("x", 3, 2));
        graph.Output.Add(FloatValue("out", 3, 2));
        Tensor x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        (Tensor y, Tensor dx, Module net) = ForwardBackward(graph, x, [1f, 2f, 3f, 4f, 5f, 6f], out float[] ort);

        y.ToArray().Should().Equal(ort);
        y.ToArray().Should().Equal(-0.5f, float.PositiveInfinity, 3f, 4f, -0.5f, float.PositiveInfinity);
        dx.ToArray().Should().Equal(0f, 0f, 3f, 4f, 0f, 0f);
        net.NamedParameters().Single().Parameter.Gradient.ToArray().Should().Equal(1f + 5f, 2f + 6f);
    }

    /// <summary>Imports <paramref name="graph"/> (opset 13), runs it in ONNX Runtime and in training mode here, and backpropagates <paramref name="outputGradient"/>.</summary>
    private static (Tensor Output, Tensor InputGradient, Module Net) ForwardBackward(GraphProto graph, Tensor x, float[] outputGradient, out float[] ort)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), model.ToByteArray());
        using (var session = new InferenceSession(dir.File("m.onnx")))
        {
            ort = OrtRun.Run(session, x, out _);
        }

        Module net = OnnxImporter.Import(dir.File("m.onnx"));
        net.Train();
        net.ZeroGrad();
        Tensor y = net.Forward(x);
        Tensor dx = net.Backward(Tensor.FromArray(outputGradient, y.Shape.ToArray()));
        return (y, dx, net);
    }

    /// <summary>Bitwise equal where finite; NaN and each infinity at the same positions.</summary>
    private static void SameValues(float[] actual, float[] expected, string what)
    {
        actual.Should().HaveCount(expected.Length, what);
        for (int i = 0; i < expected.Length; i++)
        {
            float a = actual[i], e = expected[i];
            if (float.IsNaN(e))
            {
                float.IsNaN(a).Should().BeTrue($"{what}[{i}] is NaN like the expected value");
            }
            else
            {
                BitConverter.SingleToInt32Bits(a).Should().Be(BitConverter.SingleToInt32Bits(e), $"{what}[{i}] is {e} bit for bit (got {a})");
            }
        }
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
