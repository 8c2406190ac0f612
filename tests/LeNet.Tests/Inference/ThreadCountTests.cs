using LeNet.Compiler;
using LeNet.Inference;
using LeNet.Kernels.Simd;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Models.Vision;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Inference;

[Collection(SerialTestGroup.Name)]
public class ThreadCountTests
{
    private static readonly int[] ThreadCounts = [1, 2, 3, 7];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_AnyThreadCount_BitIdentical(bool modern)
    {
        Sequential net = modern ? LeNetFactory.CreateModern(seed: 5) : LeNetFactory.Create(seed: 5);
        Tensor images = Arrays.Random(new Random(8), 70, 1, 28, 28);

        List<float[]> results = ForEachThreadCount(() => net.Forward(images).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Predict_AnyThreadCount_BitIdentical(bool modern)
    {
        var predictor = new Predictor(modern ? LeNetFactory.CreateModern(seed: 5) : LeNetFactory.Create(seed: 5), 1, 28, 28);
        Tensor images = Arrays.Random(new Random(8), 70, 1, 28, 28);

        List<float[]> results = ForEachThreadCount(() => predictor.Predict(images).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
    }

    /// <summary>
    /// A call of one tile whose images are whole vectors (16 images at Vector256 or Vector128, 8 at Vector256 is one
    /// vector, 12 is three Vector128 vectors but not whole Vector256 ones) runs each vector as a chunk of its own on
    /// several threads: the same bits on 1, 2, 3 and 7 threads, and the layer-by-layer result.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(16)]
    public void Predict_OneTileOfWholeVectors_AnyThreadCount_BitIdenticalAndMatchesLayers(int batch)
    {
        Sequential net = LeNetFactory.CreateModern(seed: 5);
        net.Eval();
        var predictor = new Predictor(net, 1, 28, 28);
        Tensor images = Arrays.Random(new Random(12), batch, 1, 28, 28);

        List<float[]> results = ForEachThreadCount(() => predictor.Predict(images).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
        Tensor layers = LayerByLayer(net, images);
        results[0].Should().BeCloseTo(layers.ToArray(), atol: 1e-4, rtol: 1e-4);
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = 2;
            int expected = (SimdSupport.Best, batch) switch
            {
                (SimdWidth.Vector256, 16) => 8,
                (SimdWidth.Vector128, _) => 4,
                _ => 16,
            };
            predictor.ChunkImages(batch).Should().Be(expected, $"a call of {batch} images at {SimdSupport.Best} on 2 threads");
            Parallelism.MaxDegreeOfParallelism = 1;
            predictor.ChunkImages(batch).Should().Be(16, "one thread keeps the whole tile");
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }

    /// <summary>
    /// pytorch/examples' MNIST Net's convolutions (32→64, 3×3, ReLU, 2×2 max pool: 10.6 M multiply-adds per image)
    /// and a dense layer of 9216 → 130 (three blocks of outputs), whose rows and output blocks a call with one chunk
    /// of images splits across the threads (<see cref="ImageSplit"/>), or whose one tile (13, 16 images) shares its
    /// images out across the threads for the convolutions: the same bits on 1, 2, 3 and 7 threads, and the
    /// layer-by-layer result.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(16)]
    public void Predict_SplitConvolution_AnyThreadCount_BitIdenticalAndMatchesLayers(int batch)
    {
        var random = new Random(3);
        var net = new Sequential(
            new Conv2d(1, 32, 3, random: random), new ReLU(), new Conv2d(32, 64, 3, random: random), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(9216, 130, random: random), new ReLU(), new Linear(130, 10, random: random));
        net.Eval();
        var predictor = new Predictor(net, 1, 28, 28);
        Tensor images = Arrays.Random(new Random(9), batch, 1, 28, 28);

        List<float[]> results = ForEachThreadCount(() => predictor.Predict(images).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
        Tensor layers = LayerByLayer(net, images);
        results[0].Should().BeCloseTo(layers.ToArray(), atol: 1e-4, rtol: 1e-4);
    }

    /// <summary>
    /// Convolutions on large maps only (3×3 with padding, 3×3 stride 2, 1×1: every stage on the packed-panel GEMM,
    /// <see cref="LeNet.Kernels.ConvGemmKernel"/>), whose plan runs image by image throughout: a batch's images are
    /// shared out one by one across the threads, a single image's GEMMs split into parts; the same bits on 1, 2, 3
    /// and 7 threads, and the layer-by-layer result.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(18)]
    public void Predict_LargeMapsImageByImage_AnyThreadCount_BitIdenticalAndMatchesLayers(int batch)
    {
        var random = new Random(4);
        var net = new Sequential(
            new Conv2d(3, 24, 3, padding: 1, random: random), new ReLU(), new Conv2d(24, 13, 3, stride: 2, padding: 1, random: random), new ReLU(),
            new Conv2d(13, 9, 1, random: random));
        net.Eval();

        // 3.4 M and 3.6 M multiply-adds: above the threshold at which a single image's convolution splits.
        var predictor = new Predictor(net, 3, 72, 72);
        Tensor images = Arrays.Random(new Random(10), batch, 3, 72, 72);

        List<float[]> results = ForEachThreadCount(() => predictor.Predict(images).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
        Tensor layers = LayerByLayer(net, images);
        results[0].Should().BeCloseTo(layers.ToArray(), atol: 1e-4, rtol: 1e-4);
    }

    /// <summary>
    /// Graph networks at batch 1, whose segments are separate predictors sharing the calling thread's split: residual
    /// blocks (3×3 GEMM and Winograd convolutions, a strided convolution whose im2col and output copy run in parts too)
    /// and MobileNetV2's inverted residuals (1×1 and depthwise stages). Each thread count runs a new copy of the model
    /// (same weights): its first call traces the forward, its second runs the compiled segments in buffers no earlier run
    /// has filled. The same bits on 1, 2, 3 and 7 threads.
    /// </summary>
    [Theory]
    [InlineData("resnet")]
    [InlineData("mobilenet")]
    [InlineData("squeezenet")]
    public void Forward_GraphNetworkBatchOne_AnyThreadCount_BitIdentical(string network)
    {
        Module Create() => network switch
        {
            "resnet" => new CifarResNet([1, 1, 1], random: new Random(6)),
            "mobilenet" => TorchVision.MobileNetV2(numClasses: 10),
            _ => TorchVision.SqueezeNet1_1(numClasses: 10),
        };
        Module reference = Create();
        int size = network == "resnet" ? 32 : 96;
        Tensor other = Arrays.Random(new Random(11), 1, 3, size, size);
        Tensor image = Arrays.Random(new Random(12), 1, 3, size, size);

        List<float[]> results = ForEachThreadCount(() =>
        {
            Module model = Create();
            model.LoadStateDict(reference.StateDict());
            model.Eval();
            model.Forward(other);
            return model.Forward(image).ToArray();
        });

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
    }

    /// <summary>
    /// A single image large enough (3×212×212 in, 16×212×212 out: both above the 128 K floats from which copies split)
    /// that its copy into the padded input map and the last map's copy out run in parts across the threads: a new
    /// predictor per thread count (buffers no earlier call filled), the same bits on 1, 2, 3 and 7 threads.
    /// </summary>
    [Fact]
    public void Predict_LargeImageBatchOne_CopiesInParts_AnyThreadCount_BitIdentical()
    {
        var random = new Random(7);
        var net = new Sequential(new Conv2d(3, 8, 3, padding: 1, random: random), new ReLU(), new Conv2d(8, 16, 3, padding: 1, random: random));
        net.Eval();
        Tensor image = Arrays.Random(new Random(13), 1, 3, 212, 212);

        List<float[]> results = ForEachThreadCount(() => new Predictor(net, 3, 212, 212).Predict(image).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
    }

    /// <summary>
    /// A last stage that writes the caller's output itself (a 1×1 convolution's GEMM, <c>Workspace.Target</c>): 64×55×55
    /// out of 16 channels (SqueezeNet's Fire expand), split across the threads by pixel blocks; the same bits on 1, 2, 3
    /// and 7 threads, and the layers' result.
    /// </summary>
    [Fact]
    public void Predict_PointwiseLastStageBatchOne_AnyThreadCount_BitIdenticalAndMatchesLayers()
    {
        var random = new Random(8);
        var net = new Sequential(new Conv2d(3, 16, 3, stride: 2, random: random), new ReLU(), new Conv2d(16, 64, 1, random: random), new ReLU());
        net.Eval();
        Tensor image = Arrays.Random(new Random(14), 1, 3, 111, 111);

        List<float[]> results = ForEachThreadCount(() => new Predictor(net, 3, 111, 111).Predict(image).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
        results[0].Should().BeCloseTo(LayerByLayer(net, image).ToArray(), atol: 1e-4, rtol: 1e-4);
    }

    [Fact]
    public void ImageSplit_ForCurrentThread_OnePerThread()
    {
        ImageSplit mine = ImageSplit.ForCurrentThread;
        ImageSplit? other = null;
        var thread = new Thread(() => other = ImageSplit.ForCurrentThread);

        thread.Start();
        thread.Join();

        ImageSplit.ForCurrentThread.Should().BeSameAs(mine);
        other.Should().NotBeNull().And.NotBeSameAs(mine);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Predict_SteadyState_AllocatesNothing(int threads)
    {
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = threads;
            var predictor = new Predictor(LeNetFactory.Create(), 1, 28, 28);
            var images = new float[40 * 784];
            var logits = new float[40 * 10];
            // Steady state: the runtime itself may allocate on this thread for a while (tiered
            // compilation promoting methods), so windows of 20 calls are measured until one is clean.
            long allocated = -1;
            for (int window = 0; window < 10 && allocated != 0; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int call = 0; call < 20; call++)
                {
                    predictor.Predict(images, logits);
                    predictor.Predict(images.AsSpan(0, 784), logits.AsSpan(0, 10));
                }

                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            allocated.Should().Be(0);
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }

    /// <summary>The net's layers run one by one through their own Forward (the independent result the predictor is checked against).</summary>
    private static Tensor LayerByLayer(Sequential net, Tensor images)
    {
        Tensor layers = images;
        for (int i = 0; i < net.Count; i++)
        {
            layers = net[i].Forward(layers);
        }

        return layers;
    }

    private static List<float[]> ForEachThreadCount(Func<float[]> run)
    {
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            var results = new List<float[]>();
            foreach (int threads in ThreadCounts)
            {
                Parallelism.MaxDegreeOfParallelism = threads;
                results.Add(run());
            }

            return results;
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }
}
