using LeNet.Compiler;
using LeNet.Inference;
using LeNet.Kernels.Simd;
using LeNet.Layers;
using LeNet.Tests.Kernels;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Inference;

/// <summary>
/// A stem (a strided convolution on 3 input channels, with its BatchNorm and activation) runs single images on the
/// direct stem kernel: the same answer as the layers, the same bits on 1, 2 and 3 threads (the image split into
/// rows across them), and no GEMM buffer for it. CI runs these at every vector width.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class ConvStemStageTests
{
    [Theory]
    [InlineData(64, 3, 2, 0, 85)] // squeezenet1_1's stem, on a smaller image (3.0 M multiply-adds: split across threads)
    [InlineData(24, 7, 2, 3, 64)] // resnet's (3.6 M: split)
    [InlineData(13, 3, 2, 1, 40)] // mobilenet_v2's, with a last block of one channel
    public void Predict_AStem_RunsDirectAndMatchesTheLayers(int outChannels, int kernel, int stride, int padding, int size)
    {
        var random = new Random(outChannels + kernel);
        var norm = new BatchNorm2d(outChannels);
        norm.RunningMean!.AsSpan().Fill(0.1f);
        norm.RunningVar!.AsSpan().Fill(1.5f);
        var conv = new Conv2d(3, outChannels, kernel, stride: stride, padding: padding, random: random);
        var model = new Sequential(conv, norm, new ReLU());
        model.Eval();
        int[] image = [3, size, size];
        var plan = new PredictorPlan(model, image);
        ConvStage stage = plan.Stages.OfType<ConvStage>().Single();
        Tensor x = Arrays.Random(random, 1, 3, size, size);
        // relu((conv(x) − 0.1) / √(1.5 + eps)) in double: BatchNorm2d's default weight 1 and bias 0.
        double[] raw = DoubleReference.Conv2d(KernelData.ToDouble(x.ToArray()), 1, 3, size, size, KernelData.ToDouble(conv.Weight.Value.ToArray()), KernelData.ToDouble(conv.Bias!.Value.ToArray()), outChannels, kernel, stride, padding);
        float[] expected = [.. raw.Select(v => (float)Math.Max(0, (v - 0.1) / Math.Sqrt(1.5 + norm.Eps)))];

        stage.UsesStem.Should().BeTrue("a strided convolution on 3 channels is a stem");
        stage.GemmLength.Should().Be(0, "the stem writes straight into the output map");
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            var results = new List<float[]>();
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxDegreeOfParallelism = threads;
                var predictor = new Predictor(plan, image, SimdSupport.Best);
                var output = new float[predictor.OutputLength];
                predictor.Predict(x.AsReadOnlySpan(), output);
                results.Add(output);
            }

            results.Should().AllSatisfy(r => r.Select(BitConverter.SingleToInt32Bits).Should().Equal(results[0].Select(BitConverter.SingleToInt32Bits)));
            results[0].Should().BeCloseTo(expected, 1e-4, 1e-4);
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }
}
