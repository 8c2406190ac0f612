using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Benchmarks;

/// <summary>
/// Each LeNet layer on a batch of 64, one thread: this library's kernel (the one <c>Forward</c> uses)
/// against <see cref="ScalarReference"/>; and the predictor's fused tile kernels (convolution + sigmoid
/// + 2×2 average pool, dense + sigmoid) on the same 64 images (4 tiles), Vector256, to profile the
/// compiled path stage by stage.
/// </summary>
[MemoryDiagnoser]
public class LayerBenchmarks
{
    private const int N = 64;
    private float[] _w0 = null!, _b0 = null!, _w3 = null!, _b3 = null!, _w7 = null!, _b7 = null!, _w9 = null!, _b9 = null!, _w11 = null!, _b11 = null!;
    private float[] _x = null!, _c1 = null!, _p1 = null!, _c2 = null!, _p2 = null!, _f1 = null!, _f2 = null!, _f3 = null!;
    private float[] _packed0 = null!, _packed3 = null!, _packed7 = null!, _packedBias7 = null!;
    private float[] _tileIn = null!, _tile1 = null!, _tile2 = null!, _tileF1 = null!;
    private readonly TileMap _map0 = new(1, 28, 28, 2), _map1 = new(6, 14, 14, 0), _map2 = new(16, 5, 5, 0), _mapF1 = new(120, 1, 1, 0);

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegreeOfParallelism = 1;
        Sequential net = LeNetWeights.CreateNet();
        (_w0, _b0) = (LeNetWeights.Get(net, "0.weight"), LeNetWeights.Get(net, "0.bias"));
        (_w3, _b3) = (LeNetWeights.Get(net, "3.weight"), LeNetWeights.Get(net, "3.bias"));
        (_w7, _b7) = (LeNetWeights.Get(net, "7.weight"), LeNetWeights.Get(net, "7.bias"));
        (_w9, _b9) = (LeNetWeights.Get(net, "9.weight"), LeNetWeights.Get(net, "9.bias"));
        (_w11, _b11) = (LeNetWeights.Get(net, "11.weight"), LeNetWeights.Get(net, "11.bias"));
        _x = LeNetWeights.Images(N);
        _c1 = new float[N * 6 * 28 * 28];
        _p1 = new float[N * 6 * 14 * 14];
        _c2 = new float[N * 16 * 10 * 10];
        _p2 = new float[N * 400];
        _f1 = new float[N * 120];
        _f2 = new float[N * 84];
        _f3 = new float[N * 10];
        Array.Fill(_p1, 0.5f);
        Array.Fill(_p2, 0.5f);
        Array.Fill(_f1, 0.5f);
        Array.Fill(_f2, 0.5f);
        _packed0 = ConvTileKernel.PackWeights(_w0, 6, 1, 5);
        _packed3 = ConvTileKernel.PackWeights(_w3, 16, 6, 5);
        _packed7 = LinearTileKernel.PackWeights(_w7, 120, 400);
        _packedBias7 = new float[_packed7.Length / 400];
        _b7.CopyTo(_packedBias7, 0);
        _tileIn = new float[_map0.Length];
        _tile1 = new float[_map1.Length];
        Array.Fill(_tile1, 0.5f);
        _tile2 = new float[_map2.Length];
        Array.Fill(_tile2, 0.5f);
        _tileF1 = new float[_mapF1.Length];
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxDegreeOfParallelism = Environment.ProcessorCount;

    [Benchmark]
    public void Conv1() => Conv2dKernel.Forward(_x, _w0, _b0, _c1, new ConvGeometry(N, 1, 28, 28, 6, 5, 1, 2, 28, 28));

    [Benchmark]
    public void Conv1Naive() => ScalarReference.Conv2d(_x, N, 1, 28, 28, _w0, _b0, 6, 5, 2, _c1);

    [Benchmark]
    public void Pool1() => PoolKernel.AverageForward(_c1, _p1, new ConvGeometry(N, 6, 28, 28, 6, 2, 2, 0, 14, 14));

    [Benchmark]
    public void Pool1Naive() => ScalarReference.AvgPool2x2(_c1, N * 6, 28, 28, _p1);

    [Benchmark]
    public void Conv2() => Conv2dKernel.Forward(_p1, _w3, _b3, _c2, new ConvGeometry(N, 6, 14, 14, 16, 5, 1, 0, 10, 10));

    [Benchmark]
    public void Conv2Naive() => ScalarReference.Conv2d(_p1, N, 6, 14, 14, _w3, _b3, 16, 5, 0, _c2);

    [Benchmark]
    public void Pool2() => PoolKernel.AverageForward(_c2, _p2, new ConvGeometry(N, 16, 10, 10, 16, 2, 2, 0, 5, 5));

    [Benchmark]
    public void Pool2Naive() => ScalarReference.AvgPool2x2(_c2, N * 16, 10, 10, _p2);

    [Benchmark]
    public void Fc1() => LinearKernel.Forward(_p2, _w7, _b7, _f1, N, 400, 120);

    [Benchmark]
    public void Fc1Naive() => ScalarReference.Linear(_p2, N, 400, _w7, _b7, 120, _f1);

    [Benchmark]
    public void Fc2() => LinearKernel.Forward(_f1, _w9, _b9, _f2, N, 120, 84);

    [Benchmark]
    public void Fc2Naive() => ScalarReference.Linear(_f1, N, 120, _w9, _b9, 84, _f2);

    [Benchmark]
    public void Fc3() => LinearKernel.Forward(_f2, _w11, _b11, _f3, N, 84, 10);

    [Benchmark]
    public void Fc3Naive() => ScalarReference.Linear(_f2, N, 84, _w11, _b11, 10, _f3);

    /// <summary>Predictor stage: conv1 + sigmoid + 2×2 average, 4 tiles of 16.</summary>
    [Benchmark]
    public void Conv1Tile()
    {
        for (int t = 0; t < N / TileMap.Lanes; t++)
        {
            ConvTileKernel.Pooled<Vector256Ops, Vector256<float>, SigmoidActivation, AveragePool>(_tileIn, _map0, _packed0, _b0, _tile1, _map1, 5, 1, 0);
            ConvTileKernel.Pooled<Vector256Ops, Vector256<float>, SigmoidActivation, AveragePool>(_tileIn, _map0, _packed0, _b0, _tile1, _map1, 5, 1, 8);
        }
    }

    /// <summary>Predictor stage: conv2 + sigmoid + 2×2 average, 4 tiles of 16.</summary>
    [Benchmark]
    public void Conv2Tile()
    {
        for (int t = 0; t < N / TileMap.Lanes; t++)
        {
            ConvTileKernel.Pooled<Vector256Ops, Vector256<float>, SigmoidActivation, AveragePool>(_tile1, _map1, _packed3, _b3, _tile2, _map2, 5, 1, 0);
            ConvTileKernel.Pooled<Vector256Ops, Vector256<float>, SigmoidActivation, AveragePool>(_tile1, _map1, _packed3, _b3, _tile2, _map2, 5, 1, 8);
        }
    }

    /// <summary>Predictor stage: fc1 + sigmoid, 4 tiles of 16.</summary>
    [Benchmark]
    public void Fc1Tile()
    {
        for (int t = 0; t < N / TileMap.Lanes; t++)
        {
            LinearTileKernel.Forward<Vector256Ops, Vector256<float>, SigmoidActivation>(_tile2, 400, _packed7, _packedBias7, _tileF1, 120, 0);
            LinearTileKernel.Forward<Vector256Ops, Vector256<float>, SigmoidActivation>(_tile2, 400, _packed7, _packedBias7, _tileF1, 120, 8);
        }
    }
}
