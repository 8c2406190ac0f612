using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TT = TorchSharp.torch.Tensor;

// TorchSharp's RegisterComponents names each submodule after its field: the fields carry torchvision's state-dict names.
#pragma warning disable IDE1006

namespace LeNet.Benchmarks;

/// <summary>
/// The graph networks of <see cref="GraphNetworkBenchmarks"/> as libtorch modules (TorchSharp), written after
/// torchvision 0.14's and akamaster's code with the same state-dict names, and this library's weights and
/// BatchNorm statistics copied in by name: the CIFAR ResNet-20, resnet18, mobilenet_v2 and squeezenet1_1.
/// </summary>
public static class TorchGraphNetworks
{
    /// <summary>The libtorch twin of <paramref name="network"/> (see <see cref="GraphNetworkBenchmarks.Create"/>), in evaluation mode.</summary>
    public static Module<TT, TT> Create(string network, LeNet.Layers.Module model)
    {
        Module<TT, TT> module = network switch
        {
            "resnet20" => new CifarResNet20(),
            "resnet18" => new ResNet18(),
            "mobilenet_v2" => new MobileNetV2(),
            "squeezenet1_1" => new SqueezeNet11(),
            _ => throw new ArgumentException($"TorchGraphNetworks: no libtorch twin of '{network}'.", nameof(network)),
        };
        return CopyWeights(module, model, network);
    }

    /// <summary>Copies every parameter and buffer of <paramref name="model"/> into the module's of the same name; eval mode.</summary>
    private static Module<TT, TT> CopyWeights(Module<TT, TT> module, LeNet.Layers.Module model, string network)
    {
        module.eval();
        IReadOnlyDictionary<string, LeNet.Tensor> state = model.StateDict();
        var targets = module.named_parameters().Select(p => (p.name, (TT)p.parameter)).Concat(module.named_buffers()).ToList();
        var missing = state.Keys.Except(targets.Select(t => t.Item1)).ToList();
        if (targets.Count != state.Count || missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"TorchGraphNetworks {network}: {targets.Count} libtorch tensors against {state.Count} in the state dict; missing in libtorch: {string.Join(", ", missing.Take(5))}.");
        }

        using (no_grad())
        {
            foreach ((string name, TT target) in targets)
            {
                LeNet.Tensor value = state[name];
                if (!target.shape.SequenceEqual(value.Shape.ToArray().Select(d => (long)d)))
                {
                    throw new InvalidOperationException(
                        $"TorchGraphNetworks {network}: '{name}' is [{string.Join(", ", target.shape)}] in libtorch, [{string.Join(", ", value.Shape.ToArray())}] here.");
                }

                using TT source = value.Shape.Length == 0
                    ? tensor(value.ToArray()[0])
                    : tensor(value.ToArray(), [.. value.Shape.ToArray().Select(d => (long)d)]);
                target.copy_(source);
            }
        }

        return module;
    }

    private static Sequential Named(params Module<TT, TT>[] modules) =>
        Sequential(modules.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m)));

    /// <summary>akamaster's CIFAR ResNet-20: option-A shortcuts (subsample, zero channels).</summary>
    private sealed class CifarResNet20 : Module<TT, TT>
    {
        private readonly Conv2d conv1 = Conv2d(3, 16, 3, padding: 1, bias: false);
        private readonly BatchNorm2d bn1 = BatchNorm2d(16);
        private readonly Sequential layer1 = Stage(16, 16, 1);
        private readonly Sequential layer2 = Stage(16, 32, 2);
        private readonly Sequential layer3 = Stage(32, 64, 2);
        private readonly Linear linear = Linear(64, 10);

        public CifarResNet20()
            : base("CifarResNet20") => RegisterComponents();

        public override TT forward(TT input)
        {
            using var scope = NewDisposeScope();
            TT x = functional.relu(bn1.forward(conv1.forward(input)));
            x = layer3.forward(layer2.forward(layer1.forward(x)));
            x = functional.adaptive_avg_pool2d(x, [1, 1]).flatten(1);
            return linear.forward(x).MoveToOuterDisposeScope();
        }

        private static Sequential Stage(int inPlanes, int planes, int stride) =>
            Named(new Block(inPlanes, planes, stride), new Block(planes, planes, 1), new Block(planes, planes, 1));

        private sealed class Block : Module<TT, TT>
        {
            private readonly Conv2d conv1;
            private readonly BatchNorm2d bn1;
            private readonly Conv2d conv2;
            private readonly BatchNorm2d bn2;
            private readonly long _pad;

            public Block(int inPlanes, int planes, int stride)
                : base("BasicBlock")
            {
                conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
                bn1 = BatchNorm2d(planes);
                conv2 = Conv2d(planes, planes, 3, padding: 1, bias: false);
                bn2 = BatchNorm2d(planes);
                _pad = stride != 1 || inPlanes != planes ? planes / 4 : -1;
                RegisterComponents();
            }

            public override TT forward(TT input)
            {
                TT x = functional.relu(bn1.forward(conv1.forward(input)));
                x = bn2.forward(conv2.forward(x));
                TT shortcut = _pad < 0
                    ? input
                    : functional.pad(input[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)], [0, 0, 0, 0, _pad, _pad]);
                return functional.relu(x + shortcut);
            }
        }
    }

    /// <summary>torchvision's resnet18.</summary>
    private sealed class ResNet18 : Module<TT, TT>
    {
        private readonly Conv2d conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        private readonly BatchNorm2d bn1 = BatchNorm2d(64);
        private readonly MaxPool2d maxpool = MaxPool2d(3, stride: 2, padding: 1);
        private readonly Sequential layer1 = Named(new Block(64, 64, 1), new Block(64, 64, 1));
        private readonly Sequential layer2 = Named(new Block(64, 128, 2), new Block(128, 128, 1));
        private readonly Sequential layer3 = Named(new Block(128, 256, 2), new Block(256, 256, 1));
        private readonly Sequential layer4 = Named(new Block(256, 512, 2), new Block(512, 512, 1));
        private readonly Linear fc = Linear(512, 1000);

        public ResNet18()
            : base("ResNet18") => RegisterComponents();

        public override TT forward(TT input)
        {
            using var scope = NewDisposeScope();
            TT x = maxpool.forward(functional.relu(bn1.forward(conv1.forward(input))));
            x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
            x = functional.adaptive_avg_pool2d(x, [1, 1]).flatten(1);
            return fc.forward(x).MoveToOuterDisposeScope();
        }

        private sealed class Block : Module<TT, TT>
        {
            private readonly Conv2d conv1;
            private readonly BatchNorm2d bn1;
            private readonly Conv2d conv2;
            private readonly BatchNorm2d bn2;
            private readonly Sequential? downsample;

            public Block(int inPlanes, int planes, int stride)
                : base("BasicBlock")
            {
                conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
                bn1 = BatchNorm2d(planes);
                conv2 = Conv2d(planes, planes, 3, padding: 1, bias: false);
                bn2 = BatchNorm2d(planes);
                downsample = stride != 1 || inPlanes != planes
                    ? Named(Conv2d(inPlanes, planes, 1, stride: stride, bias: false), BatchNorm2d(planes))
                    : null;
                RegisterComponents();
            }

            public override TT forward(TT input)
            {
                TT x = functional.relu(bn1.forward(conv1.forward(input)));
                x = bn2.forward(conv2.forward(x));
                return functional.relu(x + (downsample is null ? input : downsample.forward(input)));
            }
        }
    }

    /// <summary>torchvision's mobilenet_v2 (width 1.0).</summary>
    private sealed class MobileNetV2 : Module<TT, TT>
    {
        private readonly Sequential features;
        private readonly Sequential classifier = Named(Dropout(0.2), Linear(1280, 1000));

        public MobileNetV2()
            : base("MobileNetV2")
        {
            var layers = new List<Module<TT, TT>> { ConvBnReLU6(3, 32, 3, 2, 1) };
            int input = 32;
            foreach ((int t, int c, int n, int s) in new[] { (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1) })
            {
                for (int i = 0; i < n; i++)
                {
                    layers.Add(new InvertedResidual(input, c, i == 0 ? s : 1, t));
                    input = c;
                }
            }

            layers.Add(ConvBnReLU6(input, 1280, 1, 1, 1));
            features = Named([.. layers]);
            RegisterComponents();
        }

        public override TT forward(TT input)
        {
            using var scope = NewDisposeScope();
            TT x = functional.adaptive_avg_pool2d(features.forward(input), [1, 1]).flatten(1);
            return classifier.forward(x).MoveToOuterDisposeScope();
        }

        private static Sequential ConvBnReLU6(int input, int output, int kernel, int stride, int groups) =>
            Named(Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false), BatchNorm2d(output), ReLU6());

        private sealed class InvertedResidual : Module<TT, TT>
        {
            private readonly Sequential conv;
            private readonly bool _residual;

            public InvertedResidual(int input, int output, int stride, int expand)
                : base("InvertedResidual")
            {
                int hidden = input * expand;
                var layers = new List<Module<TT, TT>>();
                if (expand != 1)
                {
                    layers.Add(ConvBnReLU6(input, hidden, 1, 1, 1));
                }

                layers.Add(ConvBnReLU6(hidden, hidden, 3, stride, hidden));
                layers.Add(Conv2d(hidden, output, 1, bias: false));
                layers.Add(BatchNorm2d(output));
                conv = Named([.. layers]);
                _residual = stride == 1 && input == output;
                RegisterComponents();
            }

            public override TT forward(TT input) => _residual ? input + conv.forward(input) : conv.forward(input);
        }
    }

    /// <summary>torchvision's squeezenet1_1.</summary>
    private sealed class SqueezeNet11 : Module<TT, TT>
    {
        private readonly Sequential features = Named(
            Conv2d(3, 64, 3, stride: 2), ReLU(), MaxPool2d(3, stride: 2, ceil_mode: true),
            new Fire(64, 16, 64, 64), new Fire(128, 16, 64, 64), MaxPool2d(3, stride: 2, ceil_mode: true),
            new Fire(128, 32, 128, 128), new Fire(256, 32, 128, 128), MaxPool2d(3, stride: 2, ceil_mode: true),
            new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256), new Fire(512, 64, 256, 256));

        private readonly Sequential classifier = Named(Dropout(0.5), Conv2d(512, 1000, 1), ReLU(), AdaptiveAvgPool2d([1, 1]));

        public SqueezeNet11()
            : base("SqueezeNet11") => RegisterComponents();

        public override TT forward(TT input)
        {
            using var scope = NewDisposeScope();
            return classifier.forward(features.forward(input)).flatten(1).MoveToOuterDisposeScope();
        }

        private sealed class Fire : Module<TT, TT>
        {
            private readonly Conv2d squeeze;
            private readonly Conv2d expand1x1;
            private readonly Conv2d expand3x3;

            public Fire(int input, int squeezePlanes, int expand1x1Planes, int expand3x3Planes)
                : base("Fire")
            {
                squeeze = Conv2d(input, squeezePlanes, 1);
                expand1x1 = Conv2d(squeezePlanes, expand1x1Planes, 1);
                expand3x3 = Conv2d(squeezePlanes, expand3x3Planes, 3, padding: 1);
                RegisterComponents();
            }

            public override TT forward(TT input)
            {
                TT x = functional.relu(squeeze.forward(input));
                return cat([functional.relu(expand1x1.forward(x)), functional.relu(expand3x3.forward(x))], 1);
            }
        }
    }
}
