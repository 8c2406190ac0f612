using System.Globalization;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Benchmarks;

/// <summary>
/// The stems of squeezenet1_1, resnet18 and mobilenet_v2 (3 input channels, stride 2, 224×224, batch 1, one thread) on
/// the compiled stages' image path: the direct stem kernel (<see cref="ConvStemKernel"/>: column phases, then rows
/// straight into the output map) beside what it replaced (im2col, the packed-panel GEMM, the copy of its rows into the
/// map), at the best width of the machine (<c>DOTNET_EnableAVX512=0</c> for Vector256). GFLOP/s = 2 ·
/// <see cref="ConvGemmBenchmarks.MultiplyAdds"/>-style multiply-adds ÷ time; compare with <see cref="FmaPeakBenchmarks"/>.
/// </summary>
public class ConvStemBenchmarks
{
    private ConvImagePlan _plan = null!;
    private ConvStemPlan _stem = null!;
    private float[] _source = null!;
    private float[] _columns = null!;
    private float[] _phases = null!;
    private float[] _bias = null!;
    private float[] _packed = null!;
    private float[] _packedBias = null!;
    private float[] _stemPacked = null!;
    private float[] _gemm = null!;
    private float[] _output = null!;

    /// <summary>"in-out kKsSpP": squeezenet1_1's, resnet18's and mobilenet_v2's stems, on 224×224.</summary>
    [Params("3-64 k3s2p0", "3-64 k7s2p3", "3-32 k3s2p1")]
    public string Shape { get; set; } = "3-64 k3s2p0";

    [GlobalSetup]
    public void Setup()
    {
        ConvGeometry g = Geometry(Shape);
        _plan = new ConvImagePlan(g);
        _stem = new ConvStemPlan(g);
        var random = new Random(24);
        float[] image = [.. Enumerable.Range(0, g.InChannels * g.InPlane).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float[] weight = [.. Enumerable.Range(0, g.OutChannels * g.InChannels * g.Kernel * g.Kernel).Select(_ => (float)((random.NextDouble() * 2) - 1) * 0.05f)];
        _bias = new float[g.OutChannels];
        _source = new float[_plan.SourceLength];
        ConvImageKernel.Pad(image, _source, _plan);
        _columns = new float[_plan.ColumnsLength];
        _phases = new float[_stem.PhasesLength];
        _packed = ConvGemmPacking.PackWeights(weight, g.OutChannels, _plan.Offsets.Length);
        _packedBias = ConvGemmPacking.PackBias(_bias, g.OutChannels);
        _stemPacked = ConvStemKernel.PackWeights(weight, g.OutChannels, _plan.Offsets.Length);
        _gemm = new float[ConvGemmKernel.OutputLength(g.OutChannels, _plan.Pixels)];
        _output = new float[g.OutChannels * g.OutHeight * g.OutWidth];
    }

    [Benchmark(Baseline = true)]
    public float Im2ColGemmCopy()
    {
        ConvGeometry g = _plan.Geometry;
        ConvImageKernel.Im2Col(_source, _columns, _plan);
        ConvGemmKernel.Run<ReluActivation>(SimdSupport.Best, _packed, _packedBias, _plan.Offsets, _columns, _gemm, _plan.Pixels, 0, 1);
        for (int c = 0; c < g.OutChannels; c++)
        {
            for (int y = 0; y < g.OutHeight; y++)
            {
                _gemm.AsSpan((c * _plan.Pixels) + (y * _plan.RowStride), g.OutWidth).CopyTo(_output.AsSpan(((c * g.OutHeight) + y) * g.OutWidth));
            }
        }

        return _output[0];
    }

    [Benchmark]
    public float Direct()
    {
        switch (SimdSupport.Best)
        {
            case SimdWidth.Vector512:
                Direct<Vector512Ops, Vector512<float>>();
                break;
            case SimdWidth.Vector256:
                Direct<Vector256Ops, Vector256<float>>();
                break;
            case SimdWidth.Vector128:
                Direct<Vector128Ops, Vector128<float>>();
                break;
            default:
                Direct<ScalarOps, float>();
                break;
        }

        return _output[0];
    }

    private void Direct<TOps, TVec>()
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ConvGeometry g = _plan.Geometry;
        ConvStemKernel.SplitPhases<TOps, TVec>(_stem, _source, _phases, 0, g.InChannels * _stem.PaddedHeight);
        ConvStemKernel.Rows<TOps, TVec, ReluActivation>(_stem, _stemPacked, _bias, _phases, _output, g.OutWidth, g.OutHeight * g.OutWidth, 0, g.OutHeight);
    }

    private static ConvGeometry Geometry(string shape)
    {
        // "C-O kKsSpP" on 224×224.
        string[] parts = shape.Split(' ');
        string[] channels = parts[0].Split('-');
        int c = int.Parse(channels[0], CultureInfo.InvariantCulture), o = int.Parse(channels[1], CultureInfo.InvariantCulture);
        int k = parts[1][1] - '0', s = parts[1][3] - '0', p = parts[1][5] - '0', h = 224;
        int oh = ((h + (2 * p) - k) / s) + 1;
        return new ConvGeometry(1, c, h, h, o, k, s, p, oh, oh);
    }
}
