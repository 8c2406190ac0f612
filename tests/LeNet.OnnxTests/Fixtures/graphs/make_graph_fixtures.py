"""Exports the ONNX graph fixtures of OnnxGraphImportTests with real PyTorch 1.13.1 and torchvision 0.14.1.

Run with Debian's python3-torch, python3-torchvision and python3-onnx:  /usr/bin/python3 make_graph_fixtures.py

Each torchvision family is built from torchvision's own classes at a reduced width (their width multipliers, or
their constructors' block and channel lists; squeezenet's Fire and googlenet's Inception blocks, whose widths
are fixed, are assembled into small nets) so the files stay small: full-size exports are 5-500 MB. The
architectures' structure (residual adds, concatenations, squeeze-and-excitation, channel shuffles, hardswish,
the shape arithmetic of a dynamic batch) is what the importer must handle, and it does not depend on the width.
Weights are random (fixed seeds); BatchNorm statistics are randomised so a folded BatchNorm is not the identity.

For every model and opset 11, 13 and 17 (mobilenet_v3_large and mnasnet, the largest files, at 13 only) (dynamic batch, evaluation mode):
  <name>_opset<k>.onnx     the export
  <name>.input.pb           an input of batch 2 (an ONNX TensorProto, like the ONNX backend test data)
  <name>.output.pb          PyTorch's output for it
"""
import os
import sys

import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torchvision
from torchvision.models import convnext, densenet, efficientnet, mnasnet, mobilenetv2, mobilenetv3, regnet, shufflenetv2, squeezenet

googlenet_module = sys.modules["torchvision.models.googlenet"]
HERE = os.path.dirname(os.path.abspath(__file__))
OPSETS = (11, 13, 17)


class CifarBasicBlock(nn.Module):
    """He et al. 2016's CIFAR block with option-A shortcuts (strided slicing and zero channel padding)."""

    def __init__(self, inp, out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.pad = out - inp

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x
        if self.pad:
            s = nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad // 2))
        return torch.relu(y + s)


class CifarResNet(nn.Module):
    """A CIFAR ResNet (6n + 2 layers) at reduced width; n = 1 gives ResNet-8, the structure of ResNet-20."""

    def __init__(self, n=1, widths=(4, 8, 16), num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        layers, inp = [], widths[0]
        for i, w in enumerate(widths):
            for j in range(n):
                layers.append(CifarBasicBlock(inp, w, 2 if i > 0 and j == 0 else 1))
                inp = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(inp, num_classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        x = nn.functional.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class TinySqueezeNet(nn.Module):
    """squeezenet1_1's layout (conv, ceil-mode max pools, Fire modules, conv classifier) with small Fire widths."""

    def __init__(self, num_classes=10):
        super().__init__()
        fire = squeezenet.Fire
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, ceil_mode=True),
            fire(8, 4, 8, 8), fire(16, 4, 8, 8), nn.MaxPool2d(3, 2, ceil_mode=True),
            fire(16, 6, 12, 12))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(24, num_classes, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


class TinyGoogLeNet(nn.Module):
    """GoogLeNet's stem, transform_input and Inception blocks (torchvision's classes) at small widths."""

    def __init__(self, num_classes=10):
        super().__init__()
        conv = googlenet_module.BasicConv2d
        inception = googlenet_module.Inception
        self.conv1 = conv(3, 8, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception(8, 4, 4, 8, 2, 4, 4)
        self.inception3b = inception(20, 8, 4, 8, 2, 4, 4)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(24, num_classes)

    def forward(self, x):
        # torchvision's GoogLeNet._transform_input (transform_input=True)
        x_ch0 = torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
        x_ch1 = torch.unsqueeze(x[:, 1], 1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
        x_ch2 = torch.unsqueeze(x[:, 2], 1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
        x = torch.cat((x_ch0, x_ch1, x_ch2), 1)
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))


class ViewLeNet(nn.Module):
    """A LeNet whose flatten takes the batch size from the graph input: x.view(n, -1) with n = input.size(0) read first."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5, padding=2)
        self.conv2 = nn.Conv2d(4, 8, 5)
        self.fc1 = nn.Linear(8 * 5 * 5, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        n = x.size(0)
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.view(n, -1))))


def tiny_mobilenet_v3(arch):
    setting, last = mobilenetv3._mobilenet_v3_conf(arch, width_mult=0.1)
    return mobilenetv3.MobileNetV3(setting, last_channel=64, num_classes=10)


def narrow_head(model, features, head, width=64):
    """Replaces the fixed 1280-channel last convolution (and the classifier reading it) by a narrow one."""
    conv = features[-1][0]
    features[-1] = nn.Sequential(nn.Conv2d(conv.in_channels, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU6(inplace=True))
    head[-1] = nn.Linear(width, head[-1].out_features)
    return model


def tiny_mobilenet_v2():
    model = mobilenetv2.MobileNetV2(num_classes=10, width_mult=0.25, inverted_residual_setting=[[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 1, 2]])
    return narrow_head(model, model.features, model.classifier)


def tiny_mnasnet():
    model = mnasnet.MNASNet(0.2, num_classes=10)
    # layers[14:17] are the 1x1 convolution to 1280 channels, its BatchNorm and ReLU
    model.layers[14] = nn.Conv2d(model.layers[14].in_channels, 64, 1, bias=False)
    model.layers[15] = nn.BatchNorm2d(64)
    model.classifier[-1] = nn.Linear(64, 10)
    return model


def tiny_efficientnet():
    cfg = efficientnet.MBConvConfig
    setting = [cfg(1, 3, 1, 8, 8, 1, 1.0, 1.0), cfg(4, 3, 2, 8, 16, 2, 1.0, 1.0), cfg(4, 5, 2, 16, 24, 1, 1.0, 1.0)]
    return efficientnet.EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=32)


def tiny_efficientnet_v2():
    setting = [efficientnet.FusedMBConvConfig(1, 3, 1, 8, 8, 1), efficientnet.FusedMBConvConfig(4, 3, 2, 8, 16, 1),
               efficientnet.MBConvConfig(4, 3, 2, 16, 24, 1, 1.0, 1.0)]
    return efficientnet.EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=32)


MODELS = {
    # name: (builder, input [C, H, W])
    "resnet_cifar": (lambda: CifarResNet(), (3, 32, 32)),
    "resnet_basic": (lambda: torchvision.models.ResNet(torchvision.models.resnet.BasicBlock, [1, 1, 1, 1], num_classes=10, width_per_group=64), None),
    "mobilenet_v2": (tiny_mobilenet_v2, (3, 32, 32)),
    "mobilenet_v3_small": (lambda: tiny_mobilenet_v3("mobilenet_v3_small"), (3, 32, 32)),
    "mobilenet_v3_large": (lambda: tiny_mobilenet_v3("mobilenet_v3_large"), (3, 32, 32)),
    "squeezenet": (lambda: TinySqueezeNet(), (3, 32, 32)),
    "shufflenet_v2": (lambda: shufflenetv2.ShuffleNetV2([1, 2, 1], [8, 16, 32, 64, 64], num_classes=10), (3, 32, 32)),
    "googlenet": (lambda: TinyGoogLeNet(), (3, 32, 32)),
    "densenet": (lambda: densenet.DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2, num_classes=10), (3, 32, 32)),
    "efficientnet": (tiny_efficientnet, (3, 32, 32)),
    "efficientnet_v2": (tiny_efficientnet_v2, (3, 32, 32)),
    "regnet": (lambda: regnet.RegNet(regnet.BlockParams.from_init_params(depth=3, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25), num_classes=10, stem_width=8), (3, 32, 32)),
    "mnasnet": (tiny_mnasnet, (3, 32, 32)),
    "lenet_view_input": (ViewLeNet, (1, 28, 28)),
    # LayerNorm2d (decomposed at opset 11/13, LayerNormalization at 17), exact GELU (Erf), Linear on NHWC (MatMul), layer scale
    "convnext": (lambda: convnext.ConvNeXt([convnext.CNBlockConfig(8, 16, 1), convnext.CNBlockConfig(16, None, 1)], stochastic_depth_prob=0.0, layer_scale=0.1, num_classes=10), (3, 32, 32)),
}
# resnet18's widths are fixed (64 to 512: 11 M parameters); the CIFAR ResNet stands for the family.
del MODELS["resnet_basic"]


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (1.0 / max(1, p[0].numel()) ** 0.5))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


def main():
    torch.set_num_threads(1)
    for index, (name, (build, chw)) in enumerate(MODELS.items()):
        torch.manual_seed(index)
        model = build()
        randomise(model, 100 + index)
        model.eval()
        x = torch.rand((2,) + chw, generator=torch.Generator().manual_seed(200 + index)) * 2 - 1
        with torch.no_grad():
            y = model(x)
        onnx.save_tensor(onnx.numpy_helper.from_array(x.numpy()), os.path.join(HERE, f"{name}.input.pb"))
        onnx.save_tensor(onnx.numpy_helper.from_array(y.numpy()), os.path.join(HERE, f"{name}.output.pb"))
        for opset in (13,) if name in ("mobilenet_v3_large", "mnasnet") else OPSETS:
            path = os.path.join(HERE, f"{name}_opset{opset}.onnx")
            torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
            m = onnx.load(path)
            onnx.checker.check_model(m)
            ops = sorted({n.op_type for n in m.graph.node})
            print(f"{name} opset {opset}: {os.path.getsize(path)} bytes, {len(m.graph.node)} nodes: {' '.join(ops)}")


if __name__ == "__main__":
    main()
