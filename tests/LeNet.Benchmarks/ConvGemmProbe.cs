using System.Globalization;
using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Benchmarks;

/// <summary>
/// <c>conv-gemm-probe</c>: the stages' direct convolution GEMM (<see cref="ConvGemmKernel"/>, one image, one part) on
/// the graph networks' layers that no Winograd or stem kernel takes, timed with a stopwatch (10th percentile of
/// alternating calls), with GFLOP/s counting the convolution's real multiply-adds; then mobilenet_v2's depthwise 3×3
/// layers (<see cref="DepthwiseConv2dKernel"/>) at the best width, with the bytes they read and write per µs.
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
            (160, 960, 1, 1, 7, 7, 0, "mobilenet_v2 160→960 1×1 7×7"),
            (960, 160, 1, 1, 7, 7, 0, "mobilenet_v2 960→160 1×1 7×7"),
            (96, 576, 1, 1, 14, 14, 0, "mobilenet_v2 96→576 1×1 14×14"),
            (576, 96, 1, 1, 14, 14, 0, "mobilenet_v2 576→96 1×1 14×14"),
            (64, 384, 1, 1, 14, 14, 0, "mobilenet_v2 64→384 1×1 14×14"),
            (384, 64, 1, 1, 14, 14, 0, "mobilenet_v2 384→64 1×1 14×14"),
            (32, 192, 1, 1, 28, 28, 0, "mobilenet_v2 32→192 1×1 28×28"),
            (192, 32, 1, 1, 28, 28, 0, "mobilenet_v2 192→32 1×1 28×28"),
        ];
        foreach (var s in shapes)
        {
            (double t, int outPixels) = Layer(width, s.C, s.O, s.K, s.S, s.H, s.W, s.Pad);
            double flops = 2.0 * s.O * s.C * s.K * s.K * outPixels;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Name} | {t:F1} | {flops / t / 1e3:F1} |"));
        }

        // mobilenet_v2's depthwise 3×3 layers (pad 1), with ONNX Runtime's per-node time on the same machine beside them
        // (`scaling-probe mobilenet_v2 1 ort-profile`); the kernel reads the padded map and writes an unpadded one.
        Console.WriteLine();
        Console.WriteLine("| depthwise 3×3 | µs | GB/s (input + output) |");
        Console.WriteLine("|---|---:|---:|");
        (int C, int H, int S)[] depthwise = [(32, 112, 1), (96, 112, 2), (144, 56, 1), (144, 56, 2), (192, 28, 1), (192, 28, 2), (384, 14, 1), (576, 14, 1), (576, 14, 2), (960, 7, 1)];
        foreach (var d in depthwise)
        {
            (double t, long bytes) = Depthwise(d.C, d.H, d.S);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| mobilenet_v2 {d.C}×{d.H}×{d.H} stride {d.S} | {t:F1} | {bytes / t / 1e3:F1} |"));
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static (double Microseconds, long Bytes) Depthwise(int c, int h, int stride)
    {
        var random = new Random(3);
        int row = h + 2, plane = row * row, oh = ((h + 2 - 3) / stride) + 1;
        float[] input = [.. Enumerable.Range(0, (c * plane) + DepthwiseConv2dKernel.Slack).Select(_ => (float)random.NextDouble())];
        float[] weight = [.. Enumerable.Range(0, c * 9).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] bias = new float[c];
        float[] output = new float[c * oh * oh];
        Action run = SimdSupport.Best switch
        {
            SimdWidth.Vector512 => () => DepthwiseConv2dKernel.Image<Vector512Ops, Vector512<float>, Relu6Activation>(input, row, plane, weight, bias, 1, 3, stride, 1, output, oh, oh * oh, oh, oh, 0, c),
            SimdWidth.Vector256 => () => DepthwiseConv2dKernel.Image<Vector256Ops, Vector256<float>, Relu6Activation>(input, row, plane, weight, bias, 1, 3, stride, 1, output, oh, oh * oh, oh, oh, 0, c),
            _ => () => DepthwiseConv2dKernel.Image<Vector128Ops, Vector128<float>, Relu6Activation>(input, row, plane, weight, bias, 1, 3, stride, 1, output, oh, oh * oh, oh, oh, 0, c),
        };
        double t = WinogradProbe.Alternate([run], TimeSpan.FromSeconds(1))[0];
        return (t, 4L * c * (plane + (oh * oh)));
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
