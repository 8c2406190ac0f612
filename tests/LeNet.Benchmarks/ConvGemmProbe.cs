using System.Globalization;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Benchmarks;

/// <summary>
/// <c>conv-gemm-probe</c>: the stages' direct convolution GEMM (<see cref="ConvGemmKernel"/>, one image, one part) on
/// the graph networks' layers that no Winograd or stem kernel takes, timed with a stopwatch (10th percentile of
/// alternating calls), with GFLOP/s counting the convolution's real multiply-adds.
/// </summary>
internal static class ConvGemmProbe
{
    public static void Run()
    {
        SimdWidth width = SimdSupport.Best;
        Console.WriteLine($"width {width}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| layer | µs | GFLOP/s |");
        Console.WriteLine("|---|---:|---:|");

        // (in, out, kernel, stride, input height, input width, padding); at stride 2 the GEMM reads im2col columns.
        (int C, int O, int K, int S, int H, int W, int Pad, string Name)[] shapes =
        [
            (512, 512, 3, 1, 7, 7, 1, "resnet18 512→512 3×3 7×7"),
            (64, 128, 3, 2, 56, 56, 1, "resnet18 64→128 3×3 s2 56×56"),
            (128, 256, 3, 2, 28, 28, 1, "resnet18 128→256 3×3 s2 28×28"),
            (256, 512, 3, 2, 14, 14, 1, "resnet18 256→512 3×3 s2 14×14"),
            (16, 16, 3, 1, 32, 32, 1, "ResNet-20 16→16 3×3 32×32"),
            (512, 1000, 1, 1, 13, 13, 0, "squeezenet1_1 classifier 512→1000 1×1 13×13"),
            (320, 1280, 1, 1, 7, 7, 0, "mobilenet_v2 320→1280 1×1 7×7"),
        ];
        foreach (var s in shapes)
        {
            (double t, int outPixels) = Layer(width, s.C, s.O, s.K, s.S, s.H, s.W, s.Pad);
            double flops = 2.0 * s.O * s.C * s.K * s.K * outPixels;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Name} | {t:F1} | {flops / t / 1e3:F1} |"));
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static (double Microseconds, int OutPixels) Layer(SimdWidth width, int c, int o, int k, int stride, int h, int w, int pad)
    {
        var random = new Random(1);
        int hp = h + (2 * pad), wp = w + (2 * pad);
        int oh = ((hp - k) / stride) + 1, ow = ((wp - k) / stride) + 1;
        float[] weight = [.. Enumerable.Range(0, o * c * k * k).Select(_ => (float)(random.NextDouble() - 0.5))];
        var plan = new ConvImagePlan(new ConvGeometry(1, c, hp, wp, o, k, stride, 0, oh, ow));
        float[] packed = ConvGemmPacking.PackWeights(weight, o, plan.Offsets.Length);
        float[] bias = ConvGemmPacking.PackBias([], o);
        float[] input = [.. Enumerable.Range(0, plan.UsesColumns ? plan.ColumnsLength : plan.SourceLength).Select(_ => (float)random.NextDouble())];
        float[] output = new float[ConvGemmKernel.OutputLength(o, plan.Pixels)];
        return (WinogradProbe.Alternate([() => ConvGemmKernel.Run<ReluActivation>(width, packed, bias, plan.Offsets, input, output, plan.Pixels, 0, 1)], TimeSpan.FromSeconds(1))[0], oh * ow);
    }
}
