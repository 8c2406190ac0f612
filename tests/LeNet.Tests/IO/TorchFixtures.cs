using LeNet.Layers;

namespace LeNet.Tests.IO;

/// <summary>The torch.save fixtures of Golden/torch (made by make_torch_files.py with real PyTorch) and the C# model they fit.</summary>
internal static class TorchFixtures
{
    /// <summary>Where PyTorch's payload in the evil_* fixtures would create a file.</summary>
    public const string Marker = "/tmp/lenet-pwned-XYZ";

    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "torch", name);

    /// <summary>
    /// The script's <c>class Net</c> as a named Sequential: its attributes conv1/conv2/fc1/fc2 become the
    /// children's names, the functional relu/max_pool2d/flatten of its forward become unnamed-in-PyTorch
    /// children without parameters.
    /// </summary>
    public static Sequential Net() => new(
        ("conv1", new Conv2d(1, 4, 5)),
        ("relu1", new ReLU()),
        ("pool1", new MaxPool2d(2)),
        ("conv2", new Conv2d(4, 8, 5)),
        ("relu2", new ReLU()),
        ("pool2", new MaxPool2d(2)),
        ("flatten", new Flatten()),
        ("fc1", new Linear(8 * 4 * 4, 16)),
        ("relu3", new ReLU()),
        ("fc2", new Linear(16, 10)));

    /// <summary>PyTorch's input [2, 1, 28, 28] and its Net's output [2, 10] (net_io.safetensors).</summary>
    public static (Tensor Input, Tensor Output) NetIO()
    {
        var io = LeNet.IO.SafeTensors.Read(File("net_io.safetensors"));
        return (io["input"], io["output"]);
    }

    /// <summary>Runs <paramref name="net"/> (loaded with the Net weights) on PyTorch's input and checks PyTorch's output to 1e-5.</summary>
    public static void ShouldReproducePyTorch(Sequential net)
    {
        (Tensor input, Tensor output) = NetIO();
        net.Eval();
        Tensor actual = net.Forward(input);
        actual.Shape.ToArray().Should().Equal(2, 10);
        actual.ToArray().Should().BeCloseTo(output.ToArray(), atol: 1e-5);
    }
}
