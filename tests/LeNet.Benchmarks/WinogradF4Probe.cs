using System.Globalization;
using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Benchmarks;

/// <summary>
/// A stopwatch probe (<c>winograd-f4-probe</c>), like <see cref="WinogradProbe"/>: one image's 3×3 convolution
/// direct (the implicit-GEMM kernel, or for a pooled layer the channel-vectorized kernel the stage uses), by
/// Winograd F(2×2, 3×3) and by F(4×4, 3×3), timed in alternation at the default width on one thread (10th
/// percentile): the measurements behind <see cref="WinogradF4Plan.Suits"/>.
/// </summary>
public static class WinogradF4Probe
{
    public static void Run()
    {
        SimdWidth width = SimdSupport.Best;
        Console.WriteLine($"width {width}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| layer | direct µs | F(2×2) µs | F(4×4) µs | direct ÷ F(4×4) | F(2×2) ÷ F(4×4) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");

        // (in, out, height, width, padding, pooled)
        (int C, int O, int H, int W, int Pad, bool Pool, string Name)[] shapes =
        [
            (32, 64, 26, 26, 0, true, "Net conv2 32→64 26×26 + max pool"),
            (16, 16, 32, 32, 1, false, "ResNet-20 16→16 32×32"),
            (32, 32, 16, 16, 1, false, "ResNet-20 32→32 16×16"),
            (64, 64, 8, 8, 1, false, "ResNet-20 64→64 8×8"),
            (64, 64, 56, 56, 1, false, "resnet18 64→64 56×56"),
            (128, 128, 28, 28, 1, false, "resnet18 128→128 28×28"),
            (256, 256, 14, 14, 1, false, "resnet18 256→256 14×14"),
            (512, 512, 7, 7, 1, false, "resnet18 512→512 7×7"),
            (32, 128, 27, 27, 1, false, "squeezenet1_1 expand 32→128 27×27"),
            (48, 192, 13, 13, 1, false, "squeezenet1_1 expand 48→192 13×13"),
            (64, 256, 13, 13, 1, false, "squeezenet1_1 expand 64→256 13×13"),
        ];
        foreach (var s in shapes)
        {
            double[] t = Layer(width, s.C, s.O, s.H, s.W, s.Pad, s.Pool);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Name} | {t[0]:F1} | {t[1]:F1} | {t[2]:F1} | {t[0] / t[2]:F2}× | {t[1] / t[2]:F2}× |"));
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static double[] Layer(SimdWidth width, int c, int o, int h, int w, int pad, bool pooled)
    {
        var random = new Random(1);
        int hp = h + (2 * pad), wp = w + (2 * pad);
        float[] weight = [.. Enumerable.Range(0, o * c * 9).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] bias = new float[o];
        var geometry = new ConvGeometry(1, c, hp, wp, o, 3, 1, 0, hp - 2, wp - 2);
        var convPlan = new ConvImagePlan(geometry);
        var f2 = new WinogradPlan(weight, bias, o, c, hp, wp, pooled);
        var f4 = new WinogradF4Plan(weight, bias, o, c, hp, wp, pooled);
        float[] input = [.. Enumerable.Range(0, Math.Max(Math.Max(f2.SourceLength, f4.SourceLength), convPlan.SourceLength)).Select(_ => (float)random.NextDouble())];
        int outH = pooled ? (hp - 2) / 2 : hp - 2, outW = pooled ? (wp - 2) / 2 : wp - 2;
        float[] output = new float[o * outH * outW];
        float[] gemm = new float[convPlan.OutputLength];
        float[] packed = ConvChannelsKernel.PackWeights(weight, o, c, 3);
        float[] channelsBias = new float[ConvChannelsKernel.PaddedChannels(o)];
        float[] lanes = new float[16];
        Action direct = pooled
            ? () => Pooled(width, input, hp, wp, c, packed, channelsBias, o, outH, outW, output, lanes)
            : () => ConvImageKernel.Gemm<ReluActivation>(width, weight, bias, convPlan.Offsets, input, gemm, convPlan.Pixels);
        Action winograd2 = () => F2(width, f2, input, output, outW, outH * outW, lanes);
        Action winograd4 = () => F4(width, f4, input, output, outW, outH * outW, lanes);
        return WinogradProbe.Alternate([direct, winograd2, winograd4], TimeSpan.FromSeconds(1));
    }

    private static void Pooled(SimdWidth width, float[] input, int hp, int wp, int c, float[] packed, float[] bias, int o, int ph, int pw, float[] output, float[] lanes)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                ConvChannelsKernel.Pooled<Vector512Ops, Vector512<float>, ReluActivation, MaxPool>(input, hp, wp, c, 3, 1, packed, bias, o, ph, pw, output, pw, ph * pw, lanes);
                break;
            case SimdWidth.Vector256:
                ConvChannelsKernel.Pooled<Vector256Ops, Vector256<float>, ReluActivation, MaxPool>(input, hp, wp, c, 3, 1, packed, bias, o, ph, pw, output, pw, ph * pw, lanes);
                break;
            default:
                ConvChannelsKernel.Pooled<Vector128Ops, Vector128<float>, ReluActivation, MaxPool>(input, hp, wp, c, 3, 1, packed, bias, o, ph, pw, output, pw, ph * pw, lanes);
                break;
        }
    }

    private static void F2(SimdWidth width, WinogradPlan plan, float[] input, float[] output, int row, int planeStride, float[] lanes)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                WinogradKernel.Rows<Vector512Ops, Vector512<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
            case SimdWidth.Vector256:
                WinogradKernel.Rows<Vector256Ops, Vector256<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
            default:
                WinogradKernel.Rows<Vector128Ops, Vector128<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
        }
    }

    private static void F4(SimdWidth width, WinogradF4Plan plan, float[] input, float[] output, int row, int planeStride, float[] lanes)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                WinogradF4Kernel.Rows<Vector512Ops, Vector512<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
            case SimdWidth.Vector256:
                WinogradF4Kernel.Rows<Vector256Ops, Vector256<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
            default:
                WinogradF4Kernel.Rows<Vector128Ops, Vector128<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
        }
    }
}
