using LeNet.Layers;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace LeNet.Benchmarks;

/// <summary>
/// The d2l LeNet (or, with <c>modern</c>, its ReLU/MaxPool2d variant) as a libtorch module (TorchSharp),
/// with this library's weights copied in.
/// </summary>
public static class TorchLeNet
{
    public static Module<torch.Tensor, torch.Tensor> Create(Sequential net, bool modern = false)
    {
        Module<torch.Tensor, torch.Tensor> Activation() => modern ? ReLU() : Sigmoid();
        Module<torch.Tensor, torch.Tensor> Pool() => modern ? MaxPool2d(kernel_size: 2, stride: 2) : AvgPool2d(kernel_size: 2, stride: 2);
        Module<torch.Tensor, torch.Tensor> module = Sequential(
            Conv2d(1, 6, kernel_size: 5, padding: 2), Activation(), Pool(),
            Conv2d(6, 16, kernel_size: 5), Activation(), Pool(),
            Flatten(),
            Linear(16 * 5 * 5, 120), Activation(), Linear(120, 84), Activation(), Linear(84, 10));
        module.eval();
        IReadOnlyDictionary<string, Tensor> state = net.StateDict();
        using (torch.no_grad())
        {
            foreach ((string name, TorchSharp.Modules.Parameter parameter) in module.named_parameters())
            {
                Tensor value = state[name];
                using torch.Tensor source = torch.tensor(value.ToArray(), [.. value.Shape.ToArray().Select(d => (long)d)]);
                parameter.copy_(source);
            }
        }

        return module;
    }
}
