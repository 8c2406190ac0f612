// Generates the libtorch golden fixture that tests/LeNet.Tests/Golden/GoldenTests.cs checks LeNet against.
//
//   dotnet run --project tests/LeNet.Golden -c Release -- tests/LeNet.Tests/Golden
//
// For each variant it builds the d2l LeNet in TorchSharp (libtorch's own kernels) as nn.Sequential with
// torch's default initialisation under a fixed torch.manual_seed, and writes:
//   {variant}.safetensors     the state_dict, PyTorch's names, written by TorchSharp.PyBridge's
//                             safetensors writer (module.save_safetensors), not by LeNet;
//   {variant}-io.safetensors  a fixed batch of inputs [8, 1, 28, 28] (torch.rand after the weights),
//                             libtorch's features after Flatten [8, 400] and logits [8, 10], plus
//                             metadata naming the TorchSharp and libtorch versions and the seed.
// The PyTorch equivalent of the "lenet" network (d2l.ai, chapter 7.6):
//   net = nn.Sequential(
//       nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
//       nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
//       nn.Flatten(),
//       nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
// "modern" swaps Sigmoid for ReLU and AvgPool2d for MaxPool2d.
using System.Globalization;
using System.Reflection;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

const int Batch = 8;
string folder = args.Length > 0 ? args[0] : Path.Combine("tests", "LeNet.Tests", "Golden");
Directory.CreateDirectory(folder);
string torchSharpVersion = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
    ?? typeof(torch).Assembly.GetName().Version!.ToString();

Generate("lenet", seed: 2024, modern: false);
Generate("modern", seed: 2025, modern: true);

void Generate(string variant, long seed, bool modern)
{
    torch.manual_seed(seed);
    Module<Tensor, Tensor> Activation() => modern ? ReLU() : Sigmoid();
    Module<Tensor, Tensor> Pool() => modern ? MaxPool2d(kernel_size: 2, stride: 2) : AvgPool2d(kernel_size: 2, stride: 2);
    Module<Tensor, Tensor>[] layers =
    [
        Conv2d(1, 6, kernel_size: 5, padding: 2), Activation(), Pool(),
        Conv2d(6, 16, kernel_size: 5), Activation(), Pool(),
        Flatten(),
        Linear(16 * 5 * 5, 120), Activation(), Linear(120, 84), Activation(), Linear(84, 10),
    ];
    var net = Sequential(layers);
    net.eval();
    Tensor input = torch.rand(Batch, 1, 28, 28);

    Tensor features, logits;
    using (torch.no_grad())
    {
        // Layer by layer, to keep the output of Flatten (index 6) as well as the logits.
        Tensor x = input;
        features = x;
        for (int i = 0; i < layers.Length; i++)
        {
            x = layers[i].forward(x);
            if (i == 6)
            {
                features = x;
            }
        }

        logits = x;
        float drift = (net.forward(input) - logits).abs().max().item<float>();
        if (drift != 0)
        {
            throw new InvalidOperationException($"Sequential.forward and the layer loop disagree by {drift}.");
        }
    }

    string weights = Path.Combine(folder, variant + ".safetensors");
    File.Delete(weights); // PyBridge opens with File.OpenWrite, which does not truncate an existing file.
    net.save_safetensors(weights);

    var io = new Dictionary<string, LeNet.Tensor>
    {
        ["input"] = ToLeNet(input),
        ["features"] = ToLeNet(features),
        ["logits"] = ToLeNet(logits),
    };
    var metadata = new Dictionary<string, string>
    {
        ["generator"] = "tests/LeNet.Golden",
        ["torchsharp"] = torchSharpVersion,
        ["libtorch"] = torch.__version__,
        ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        ["network"] = modern ? "d2l LeNet with ReLU and MaxPool2d" : "d2l LeNet (chapter 7.6)",
    };
    LeNet.IO.SafeTensors.Write(Path.Combine(folder, variant + "-io.safetensors"), io, metadata);

    Console.WriteLine($"{variant}: state_dict keys {string.Join(", ", net.state_dict().Keys)}");
    Console.WriteLine($"{variant}: TorchSharp {torchSharpVersion}, libtorch {torch.__version__}, seed {seed}, logits[0] = [{string.Join(", ", logits[0].data<float>().ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]");
}

static LeNet.Tensor ToLeNet(Tensor tensor) =>
    LeNet.Tensor.FromArray(tensor.contiguous().data<float>().ToArray(), tensor.shape.Select(d => (int)d).ToArray());
