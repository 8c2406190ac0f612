using BenchmarkDotNet.Attributes;
using LeNet.Layers;

namespace LeNet.Benchmarks;

/// <summary>LeNet forward with <see cref="ScalarReference"/>: the naive scalar baseline, one thread.</summary>
[MemoryDiagnoser]
public class NaiveBenchmarks
{
    private float[] _images = null!;
    private float[] _logits = null!;
    private float[] _w0 = null!, _b0 = null!, _w3 = null!, _b3 = null!, _w7 = null!, _b7 = null!, _w9 = null!, _b9 = null!, _w11 = null!, _b11 = null!;
    private float[] _c1 = null!, _p1 = null!, _c2 = null!, _p2 = null!, _f1 = null!, _f2 = null!;

    [Params(1, 16, 64, 256, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Sequential net = LeNetWeights.CreateNet();
        (_w0, _b0) = (LeNetWeights.Get(net, "0.weight"), LeNetWeights.Get(net, "0.bias"));
        (_w3, _b3) = (LeNetWeights.Get(net, "3.weight"), LeNetWeights.Get(net, "3.bias"));
        (_w7, _b7) = (LeNetWeights.Get(net, "7.weight"), LeNetWeights.Get(net, "7.bias"));
        (_w9, _b9) = (LeNetWeights.Get(net, "9.weight"), LeNetWeights.Get(net, "9.bias"));
        (_w11, _b11) = (LeNetWeights.Get(net, "11.weight"), LeNetWeights.Get(net, "11.bias"));
        _images = LeNetWeights.Images(Batch);
        _logits = new float[Batch * 10];
        _c1 = new float[Batch * 6 * 28 * 28];
        _p1 = new float[Batch * 6 * 14 * 14];
        _c2 = new float[Batch * 16 * 10 * 10];
        _p2 = new float[Batch * 400];
        _f1 = new float[Batch * 120];
        _f2 = new float[Batch * 84];
    }

    [Benchmark]
    public void Naive()
    {
        int n = Batch;
        ScalarReference.Conv2d(_images, n, 1, 28, 28, _w0, _b0, 6, 5, 2, _c1);
        ScalarReference.Sigmoid(_c1, _c1.Length);
        ScalarReference.AvgPool2x2(_c1, n * 6, 28, 28, _p1);
        ScalarReference.Conv2d(_p1, n, 6, 14, 14, _w3, _b3, 16, 5, 0, _c2);
        ScalarReference.Sigmoid(_c2, _c2.Length);
        ScalarReference.AvgPool2x2(_c2, n * 16, 10, 10, _p2);
        ScalarReference.Linear(_p2, n, 400, _w7, _b7, 120, _f1);
        ScalarReference.Sigmoid(_f1, _f1.Length);
        ScalarReference.Linear(_f1, n, 120, _w9, _b9, 84, _f2);
        ScalarReference.Sigmoid(_f2, _f2.Length);
        ScalarReference.Linear(_f2, n, 84, _w11, _b11, 10, _logits);
    }
}
