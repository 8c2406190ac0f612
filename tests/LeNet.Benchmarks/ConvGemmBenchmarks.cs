using BenchmarkDotNet.Attributes;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Benchmarks;

/// <summary>
/// resnet18's convolution shapes (224×224 input, batch 1, one thread) on the compiled stages' image path: the
/// packed-panel GEMM (<see cref="ConvGemmKernel"/>, with the im2col of strided shapes) beside the previous 2×4
/// implicit GEMM (<see cref="ConvImageKernel.Gemm{TAct}"/>), both at the best width of the machine
/// (<c>DOTNET_EnableAVX512=0</c> for Vector256). GFLOP/s = 2 · <see cref="MultiplyAdds"/> ÷ time; compare with
/// <see cref="FmaPeakBenchmarks"/> in the same run.
/// </summary>
public class ConvGemmBenchmarks
{
    private ConvImagePlan _plan = null!;
    private float[] _source = null!;
    private float[] _columns = null!;
    private float[] _weight = null!;
    private float[] _bias = null!;
    private float[] _packed = null!;
    private float[] _packedBias = null!;
    private float[] _output = null!;

    /// <summary>"in→out k/stride @ size" of resnet18's convolutions (the first of each shape).</summary>
    [Params("3-64 k7s2 @224", "64-64 k3s1 @56", "64-128 k3s2 @56", "64-128 k1s2 @56", "128-128 k3s1 @28", "256-256 k3s1 @14", "512-512 k3s1 @7")]
    public string Shape { get; set; } = "64-64 k3s1 @56";

    /// <summary>Multiply-adds of one call.</summary>
    public static long MultiplyAdds(string shape)
    {
        ConvGeometry g = Geometry(shape);
        return (long)g.OutChannels * g.OutHeight * g.OutWidth * g.InChannels * g.Kernel * g.Kernel;
    }

    [GlobalSetup]
    public void Setup()
    {
        ConvGeometry g = Geometry(Shape);
        _plan = new ConvImagePlan(g);
        var random = new Random(24);
        float[] image = [.. Enumerable.Range(0, g.InChannels * g.InPlane).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        _weight = [.. Enumerable.Range(0, g.OutChannels * g.InChannels * g.Kernel * g.Kernel).Select(_ => (float)((random.NextDouble() * 2) - 1) * 0.05f)];
        _bias = new float[g.OutChannels];
        _source = new float[_plan.SourceLength];
        ConvImageKernel.Pad(image, _source, _plan);
        _columns = new float[Math.Max(1, _plan.ColumnsLength)];
        _packed = ConvGemmPacking.PackWeights(_weight, g.OutChannels, _plan.Offsets.Length);
        _packedBias = ConvGemmPacking.PackBias(_bias, g.OutChannels);
        _output = new float[ConvGemmKernel.OutputLength(g.OutChannels, _plan.Pixels)];
    }

    [Benchmark(Baseline = true)]
    public float Previous2x4()
    {
        ReadOnlySpan<float> source = Columns();
        ConvImageKernel.Gemm<ReluActivation>(SimdSupport.Best, _weight, _bias, _plan.Offsets, source, _output, _plan.Pixels);
        return _output[0];
    }

    [Benchmark]
    public float PackedPanels()
    {
        ReadOnlySpan<float> source = Columns();
        ConvGemmKernel.Run<ReluActivation>(SimdSupport.Best, _packed, _packedBias, _plan.Offsets, source, _output, _plan.Pixels, 0, 1);
        return _output[0];
    }

    private ReadOnlySpan<float> Columns()
    {
        if (!_plan.UsesColumns)
        {
            return _source;
        }

        ConvImageKernel.Im2Col(_source, _columns, _plan);
        return _columns;
    }

    private static ConvGeometry Geometry(string shape)
    {
        // "C-O kKsS @H": padding k / 2, as resnet18's convolutions.
        string[] parts = shape.Split(' ');
        string[] channels = parts[0].Split('-');
        int c = int.Parse(channels[0], System.Globalization.CultureInfo.InvariantCulture), o = int.Parse(channels[1], System.Globalization.CultureInfo.InvariantCulture);
        int k = parts[1][1] - '0', s = parts[1][3] - '0';
        int h = int.Parse(parts[2][1..], System.Globalization.CultureInfo.InvariantCulture), p = k / 2;
        int oh = ((h + (2 * p) - k) / s) + 1;
        return new ConvGeometry(1, c, h, h, o, k, s, p, oh, oh);
    }
}
