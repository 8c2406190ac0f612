using LeNet.Layers;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace LeNet.Benchmarks;

/// <summary>
/// The benchmarked networks as libtorch modules (TorchSharp), with this library's weights copied in by
/// state-dict name: the d2l LeNet (or, with <c>modern</c>, its ReLU/MaxPool2d variant) and
/// pytorch/examples' <see cref="ExamplesNet"/>.
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
        return CopyWeights(module, net);
    }

    /// <summary>d2l's BatchNorm LeNet (<see cref="Models.LeNetFactory.CreateBatchNorm"/>), with <paramref name="net"/>'s weights and buffers.</summary>
    public static Module<torch.Tensor, torch.Tensor> CreateBatchNorm(Sequential net)
    {
        Module<torch.Tensor, torch.Tensor> module = Sequential(
            Conv2d(1, 6, kernel_size: 5), BatchNorm2d(6), Sigmoid(), AvgPool2d(kernel_size: 2, stride: 2),
            Conv2d(6, 16, kernel_size: 5), BatchNorm2d(16), Sigmoid(), AvgPool2d(kernel_size: 2, stride: 2),
            Flatten(), Linear(256, 120), BatchNorm1d(120), Sigmoid(), Linear(120, 84), BatchNorm1d(84), Sigmoid(), Linear(84, 10));
        return CopyWeights(module, net);
    }

    /// <summary>pytorch/examples' Net (its Dropouts are identities in eval mode), with <paramref name="net"/>'s weights.</summary>
    public static Module<torch.Tensor, torch.Tensor> CreateExamplesNet(Sequential net)
    {
        Module<torch.Tensor, torch.Tensor> module = Sequential(
            ("conv1", Conv2d(1, 32, kernel_size: 3)), ("relu1", ReLU()),
            ("conv2", Conv2d(32, 64, kernel_size: 3)), ("relu2", ReLU()),
            ("pool", MaxPool2d(kernel_size: 2)), ("dropout1", Dropout(0.25)), ("flatten", Flatten()),
            ("fc1", Linear(9216, 128)), ("relu3", ReLU()), ("dropout2", Dropout(0.5)),
            ("fc2", Linear(128, 10)));
        return CopyWeights(module, net);
    }

    /// <summary>Copies every parameter and buffer of <paramref name="net"/> into the module's of the same name; eval mode.</summary>
    private static Module<torch.Tensor, torch.Tensor> CopyWeights(Module<torch.Tensor, torch.Tensor> module, Sequential net)
    {
        module.eval();
        IReadOnlyDictionary<string, Tensor> state = net.StateDict();
        int copied = 0;
        using (torch.no_grad())
        {
            IEnumerable<(string Name, torch.Tensor Tensor)> targets =
                module.named_parameters().Select(p => (p.name, (torch.Tensor)p.parameter)).Concat(module.named_buffers());
            foreach ((string name, torch.Tensor target) in targets)
            {
                Tensor value = state[name];
                using torch.Tensor source = torch.tensor(value.ToArray(), [.. value.Shape.ToArray().Select(d => (long)d)]);
                target.copy_(source);
                copied++;
            }
        }

        if (copied != state.Count)
        {
            throw new InvalidOperationException($"TorchLeNet: copied {copied} of the {state.Count} tensors of the state dict.");
        }

        return module;
    }
}
