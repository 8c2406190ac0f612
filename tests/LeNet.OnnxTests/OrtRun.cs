using LeNet.IO;
using LeNet.Layers;
using LeNet.Tests;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace LeNet.OnnxTests;

/// <summary>What the ONNX Runtime tests share: one call of a single-input, single-output model, and the export check of a layer.</summary>
internal static class OrtRun
{
    /// <summary>Runs <paramref name="x"/> through the model's only input and returns its only output, with the output's shape.</summary>
    public static float[] Run(InferenceSession session, Tensor x, out long[] shape)
    {
        string inputName = session.InputMetadata.Keys.Single();
        string outputName = session.OutputMetadata.Keys.Single();
        float[] data = x.ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, [.. x.Shape.ToArray().Select(d => (long)d)]);
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, [inputName], [input], [outputName]);
        shape = results[0].GetTensorTypeAndShape().Shape;
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Exports <paramref name="net"/> (in evaluation mode) for samples of shape <paramref name="sample"/>, runs batches
    /// of 1 and 3 in ONNX Runtime and checks shape and values against the network's own Forward (to
    /// <paramref name="atol"/> + <paramref name="rtol"/>·|expected|), printing the largest difference.
    /// </summary>
    public static void ExportAndCompare(Module net, int[] sample, ITestOutputHelper output, string label, double atol, double rtol = 0)
    {
        using var dir = new TempDirectory();
        net.Eval();
        OnnxExporter.Export(net, dir.File("layer.onnx"), [1, .. sample]);
        using var session = new InferenceSession(dir.File("layer.onnx"));

        foreach (int batch in new[] { 1, 3 })
        {
            Tensor x = Values(new Random(batch), [batch, .. sample]);
            Tensor expected = net.Forward(x);

            float[] actual = Run(session, x, out long[] shape);

            shape.Should().Equal(expected.Shape.ToArray().Select(d => (long)d));
            output.WriteLine($"{label}, batch {batch}: max |ORT − LeNet| = {actual.Zip(expected.ToArray(), (a, e) => Math.Abs(a - e)).Max():E2}");
            actual.Should().BeCloseTo(expected.ToArray(), atol, rtol);
        }
    }

    /// <summary>Values in (−4, 4), signed: both sides of every activation, past Softplus(2, 5)'s threshold, and never a max pool's padding winning by accident.</summary>
    public static Tensor Values(Random random, int[] shape)
    {
        var t = new Tensor(shape);
        Span<float> span = t.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (random.NextSingle() * 8) - 4;
        }

        return t;
    }
}
