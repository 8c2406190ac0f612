using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Benchmarks;

/// <summary>The one LeNet every engine runs (seed 0), its weights as arrays by state-dict name, and a batch of inputs.</summary>
public static class LeNetWeights
{
    /// <summary>Multiply-adds of one forward pass: conv1 117,600 + conv2 240,000 + fc 48,000 + 10,080 + 840.</summary>
    public const long MultiplyAddsPerImage = (6L * 28 * 28 * 25) + (16L * 10 * 10 * 150) + (400L * 120) + (120L * 84) + (84L * 10);

    /// <summary>Floating-point operations of one forward pass (a multiply-add is 2): 0.833 MFLOP.</summary>
    public const long FlopsPerImage = 2 * MultiplyAddsPerImage;

    public static Sequential CreateNet() => LeNetFactory.Create(seed: 0);

    public static float[] Get(Sequential net, string name) => net.StateDict()[name].ToArray();

    /// <summary>Pixels in [0, 1), like normalised MNIST digits.</summary>
    public static float[] Images(int batch)
    {
        var random = new Random(42);
        var images = new float[batch * 28 * 28];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)random.NextDouble();
        }

        return images;
    }
}
