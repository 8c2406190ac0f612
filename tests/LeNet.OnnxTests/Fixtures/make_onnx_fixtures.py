"""Exports the ONNX fixtures of OnnxImportTests with real PyTorch (torch.onnx.export).

Run with Debian's PyTorch 1.13.1 and python3-onnx:  /usr/bin/python3 make_onnx_fixtures.py
The tests compare LeNet's import of each file with ONNX Runtime on the same input, so no outputs are
stored. Weights are random (fixed seeds); the files stay small (< 1 MB in all).
"""
import os
from collections import OrderedDict

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def lenet(act, pool, c1=6, c2=16, h1=120, h2=84):
    """d2l's LeNet as nn.Sequential(OrderedDict) with attribute names (5x5 kernels, 28x28 input)."""
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, c1, 5, padding=2)), ("act1", act()), ("pool1", pool(2, 2)),
        ("conv2", nn.Conv2d(c1, c2, 5)), ("act2", act()), ("pool2", pool(2, 2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(c2 * 25, h1)), ("act3", act()),
        ("fc2", nn.Linear(h1, h2)), ("act4", act()),
        ("fc3", nn.Linear(h2, 10)),
    ]))


class ModernLeNet(nn.Module):
    """The ReLU/max-pool LeNet as a module with named attributes; x.view(x.size(0), -1) flattens (Shape chain)."""

    def __init__(self, c1=6, c2=16, h1=120, h2=84):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 5, padding=2)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.fc1 = nn.Linear(c2 * 25, h1)
        self.fc2 = nn.Linear(h1, h2)
        self.fc3 = nn.Linear(h2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class MnistNet(nn.Module):
    """pytorch/examples' mnist/main.py Net, with smaller sizes for a 12x12 input (fc1 256 -> 32 instead of 9216 -> 128)."""

    def __init__(self, fc_in=256, hidden=32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(fc_in, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


class BatchNormNet(nn.Module):
    """BatchNorm2d after a bias-free convolution, BatchNorm1d after a dense layer, a softmax at the end."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1, bias=False)
        self.bn2d = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(4 * 6 * 6, 16)
        self.bn1d = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn2d(self.conv(x))))
        x = torch.flatten(x, 1)
        x = F.relu(self.bn1d(self.fc1(x)))
        return F.softmax(self.fc2(x), dim=1)


class PoolNet(nn.Module):
    """Pools with padding, ceil mode and count_include_pad both ways, explicit padding layers."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.avgpool = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.avgpool2 = nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=True)
        self.pad = nn.ZeroPad2d((1, 2, 0, 1))

    def forward(self, x):
        x = self.maxpool(torch.relu(self.conv(x)))
        x = self.avgpool(x)
        x = self.avgpool2(x)
        return self.pad(x)


class ActivationsNet(nn.Module):
    """The element-wise activations, the padding layers, PixelShuffle, an unflattening view and the softmax family in one chain."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 8, 3)
        self.tanh = nn.Tanh()
        self.leaky = nn.LeakyReLU(0.2)
        self.elu = nn.ELU(0.7)
        self.selu = nn.SELU()
        self.prelu = nn.PReLU(8, init=0.1)
        self.softplus = nn.Softplus()
        self.softsign = nn.Softsign()
        self.drop = nn.Dropout2d(0.3)
        self.zpad = nn.ZeroPad2d((1, 0, 2, 1))
        self.cpad = nn.ConstantPad2d(1, 0.5)
        self.rpad = nn.ReflectionPad2d((1, 1, 0, 2))
        self.epad = nn.ReplicationPad2d(1)
        self.shuffle = nn.PixelShuffle(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(0, 0)  # replaced below once the size is known
        self.prelu1 = nn.PReLU()

    def forward(self, x):
        x = self.conv(x)
        for m in (self.tanh, self.leaky, self.elu, self.selu, self.prelu, self.softplus, self.softsign, self.drop,
                  self.zpad, self.cpad, self.rpad, self.epad, self.shuffle):
            x = m(x)
        x = self.flatten(x)
        x = x.view(x.size(0), 2, 2, -1)  # nn.Unflatten has no ONNX export in torch 1.13; a view does the same
        x = self.prelu1(torch.flatten(x, 1))
        return F.softmin(self.fc(x), dim=1)


def activations_net():
    torch.manual_seed(80)
    net = ActivationsNet()
    with torch.no_grad():
        x = net.conv(torch.zeros(1, 2, 6, 5))
        for m in (net.tanh, net.leaky, net.elu, net.selu, net.prelu, net.softplus, net.softsign, net.drop,
                  net.zpad, net.cpad, net.rpad, net.epad, net.shuffle):
            x = m(x)
    net.fc = nn.Linear(x.numel(), 6)
    net.prelu.weight.data.uniform_(-0.5, 0.5)
    return net


def randomize_bn(model, seed):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.2)


def export(model, shape, name, opset, dynamic=True):
    model.eval()
    path = os.path.join(HERE, name)
    kwargs = dict(input_names=["input"], output_names=["output"], opset_version=opset)
    if dynamic:
        kwargs["dynamic_axes"] = {"input": {0: "N"}, "output": {0: "N"}}
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(*shape), path, **kwargs)
    onnx.checker.check_model(onnx.load(path))
    print(f"{name}: {os.path.getsize(path)} bytes, ops {[n.op_type for n in onnx.load(path).graph.node]}")
    return path


def main():
    torch.manual_seed(0)
    export(lenet(nn.Sigmoid, nn.AvgPool2d), (1, 1, 28, 28), "lenet_opset13.onnx", 13)
    torch.manual_seed(1)
    export(ModernLeNet(), (1, 1, 28, 28), "modern_opset17.onnx", 17)
    for opset in (9, 11, 13, 17):
        torch.manual_seed(10 + opset)
        export(lenet(nn.Sigmoid, nn.AvgPool2d, 2, 4, 12, 12), (1, 1, 28, 28), f"lenet_small_opset{opset}.onnx", opset)
        torch.manual_seed(20 + opset)
        export(ModernLeNet(2, 4, 12, 12), (1, 1, 28, 28), f"modern_small_opset{opset}.onnx", opset)
        torch.manual_seed(30 + opset)
        export(MnistNet(), (1, 1, 12, 12), f"mnist_net_opset{opset}.onnx", opset)
        torch.manual_seed(40 + opset)
        bn = BatchNormNet()
        randomize_bn(bn, opset)
        export(bn, (2, 1, 12, 12), f"batchnorm_opset{opset}.onnx", opset)
        torch.manual_seed(50 + opset)
        export(PoolNet(), (1, 2, 13, 11), f"pools_opset{opset}.onnx", opset)
        if opset in (11, 17):
            export(activations_net(), (1, 2, 6, 5), f"activations_opset{opset}.onnx", opset)
    # A static batch: Reshape with a constant shape instead of the Shape chain.
    torch.manual_seed(60)
    export(ModernLeNet(2, 4, 12, 12), (1, 1, 28, 28), "modern_small_static_opset11.onnx", 11, dynamic=False)

    # External data: every initializer in one file beside the model (size_threshold=0).
    torch.manual_seed(70)
    path = export(lenet(nn.Sigmoid, nn.AvgPool2d, 2, 4, 12, 12), (1, 1, 28, 28), "external/lenet_external.onnx", 13) \
        if os.makedirs(os.path.join(HERE, "external"), exist_ok=True) is None else None
    m = onnx.load(path)
    onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="lenet_external.onnx.data", size_threshold=0)
    onnx.checker.check_model(path)
    print("external:", os.path.getsize(path), os.path.getsize(path + ".data"))


if __name__ == "__main__":
    main()
