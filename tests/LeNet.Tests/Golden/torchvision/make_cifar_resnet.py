"""Writes cifar_resnet.json: the CIFAR-10 ResNet-20 of He et al. 2016 (section 4.2), as akamaster/pytorch_resnet_cifar10
writes it (option A shortcuts: LambdaLayer subsampling + zero channels), with the deterministic weights of
detweights.py, every BatchNorm bias then moved per channel so that no ReLU input is within KINK_GAP of its kink
(bias_overrides below). The fixture of LeNet's CifarResNet (src/LeNet/Models/Vision/CifarResNet.cs).

    cd tests/LeNet.Tests/Golden/torchvision && /usr/bin/python3 make_cifar_resnet.py

Recorded for ResNet-20, num_classes=10, input detweights.tensor("input", [2, 3, 32, 32]) (raw rule):
  kink_gap, bias_overrides: {key: float32 values} written over detweights' biases (every model here uses them);
  state: [[key, shape], ...] in state_dict() order; parameters: the parameter count (269,722);
  output: eval-mode logits; output_train_bn: train-mode logits under no_grad (batch statistics);
  training: one train-mode step as make_training.py records it (a fresh copy with the deterministic weights,
  F.cross_entropy on targets [3, 7], loss.backward(), no optimizer step): output, loss, params with
  grad_sum / grad_abs_sum / grad_first, bn_buffers after the step, input_grad_abs_sum.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import detweights
import goldjson
import tvmodels

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = [3, 7]
INPUT_SHAPE = [2, 3, 32, 32]


# ---- akamaster/pytorch_resnet_cifar10, resnet.py (option A), init omitted: every state entry is overwritten ----
class LambdaLayer(nn.Module):
    def __init__(self, lambd):
        super(LambdaLayer, self).__init__()
        self.lambd = lambd

    def forward(self, x):
        return self.lambd(x)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super(BasicBlock, self).__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            # For CIFAR10 ResNet paper uses option A.
            self.shortcut = LambdaLayer(lambda x:
                                        F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10):
        super(ResNet, self).__init__()
        self.in_planes = 16

        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(block, 16, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 32, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 64, num_blocks[2], stride=2)
        self.linear = nn.Linear(64, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion

        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = F.avg_pool2d(out, out.size()[3])
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


def resnet20():
    return ResNet(BasicBlock, [3, 3, 3])
# ---------------------------------------------------------------------------------------------------------------


KINK_GAP = 1e-4  # every ReLU input at least this far from 0, relative to that input's largest magnitude
_OVERRIDES = None


def relu_inputs(m, x):
    """The input of every F.relu call of m's forward on x, in call order."""
    seen = []
    relu = F.relu

    def recording(t, *args, **kwargs):
        seen.append(t.detach().clone())
        return relu(t, *args, **kwargs)

    F.relu = recording
    try:
        m(x)
    finally:
        F.relu = relu
    return seen


def bias_overrides():
    """BatchNorm biases moved, channel by channel, so that no ReLU input of the training-mode forward lies within
    KINK_GAP of zero (in float64). With detweights' values some do (layer2.0's first ReLU: 1.1e-6, below float32's own
    rounding of ~2e-6 there), and an implementation whose rounding differs from PyTorch's by one ulp then takes the
    other side of the kink: 2-4 % off in the gradients of layer2.0 and everything before it. Each BatchNorm feeding a
    ReLU (bn1 of the stem and of each block; a block's bn2 through the shortcut sum) gets the smallest shift of its
    channel's bias (multiples of 1e-3) that clears the gap, worked out in forward order; the new biases are rounded to
    float32 and recorded, the C# test writes them over the deterministic weights."""
    global _OVERRIDES
    if _OVERRIDES is not None:
        return _OVERRIDES
    m = resnet20()
    detweights.fill_state(m)
    m = m.double().train()
    x = detweights.tensor('input', INPUT_SHAPE).double()
    norms = ['bn1'] + ['layer%d.%d.bn%d' % (s, b, k) for s in (1, 2, 3) for b in range(3) for k in (1, 2)]
    modules = dict(m.named_modules())
    overrides = {}
    for i, name in enumerate(norms):
        bias = modules[name].bias
        with torch.no_grad():
            z = relu_inputs(m, x)[i]
            gap = KINK_GAP * float(z.abs().max())
            changed = False
            for c in range(z.shape[1]):
                shift = 0.0
                while float((z[:, c] + shift).abs().min()) < gap:
                    shift = -shift if shift > 0 else -shift + 1e-3
                if shift != 0.0:
                    bias[c] = float(torch.tensor(float(bias[c]) + shift, dtype=torch.float32))
                    changed = True
            if changed:
                overrides[name + '.bias'] = [float(v) for v in bias.float()]
                assert float(relu_inputs(m, x)[i].abs().min()) >= gap * 0.5, name
    _OVERRIDES = overrides
    return overrides


def fresh():
    m = resnet20()
    detweights.fill_state(m)
    sd = m.state_dict()
    with torch.no_grad():
        for key, values in bias_overrides().items():
            sd[key].copy_(torch.tensor(values, dtype=torch.float32))
    return m


def training_step():
    m = fresh()
    m.train()
    x = detweights.tensor('input', INPUT_SHAPE).requires_grad_(True)
    y = m(x)
    loss = F.cross_entropy(y, torch.tensor(TARGETS))
    loss.backward()
    params = []
    for k, p in m.named_parameters():
        g = p.grad
        params.append({"key": k, "shape": list(p.shape), "grad_sum": goldjson.f64(g.double().sum()),
                       "grad_abs_sum": goldjson.f64(g.double().abs().sum()),
                       "grad_first": goldjson.f32list(g.reshape(-1)[:8])})
    buffers = []
    for k, b in m.named_buffers():
        if b.dtype.is_floating_point:
            buffers.append({"key": k, "shape": list(b.shape), "first": goldjson.f32list(b.reshape(-1)[:8]),
                            "sum": goldjson.f64(b.double().sum())})
        else:
            buffers.append({"key": k, "shape": list(b.shape), "first": [int(v) for v in b.reshape(-1)[:8]],
                            "sum": int(b.sum())})
    return {
        "name": "cifar_resnet20",
        "input_shape": INPUT_SHAPE,
        "targets": TARGETS,
        "eval_modules": [],
        "output": [goldjson.f32list(r) for r in y.detach()],
        "loss": goldjson.f32(loss.item()),
        "input_grad_abs_sum": goldjson.f64(x.grad.double().abs().sum()),
        "params": params,
        "bn_buffers": buffers,
    }


def main():
    torch.manual_seed(0)
    m = fresh()
    x = detweights.tensor('input', INPUT_SHAPE)
    m.eval()
    with torch.no_grad():
        output = m(x)
    m.train()
    with torch.no_grad():
        output_train_bn = m(x)
    record = {
        "what": "akamaster/pytorch_resnet_cifar10 ResNet-20 (option A), num_classes=10, deterministic weights and input",
        "generator": "make_cifar_resnet.py",
        "versions": tvmodels.versions(),
        "name": "cifar_resnet20",
        "parameters": sum(p.numel() for p in m.parameters()),
        "state": [[k, list(t.shape)] for k, t in m.state_dict().items()],
        "input_shape": INPUT_SHAPE,
        "kink_gap": KINK_GAP,
        "bias_overrides": bias_overrides(),
        "output": [goldjson.f32list(r) for r in output],
        "output_train_bn": [goldjson.f32list(r) for r in output_train_bn],
        "max_abs_diff_between_samples": float((output[0] - output[1]).abs().max()),
        "max_abs_diff_between_samples_train_bn": float((output_train_bn[0] - output_train_bn[1]).abs().max()),
        "training": training_step(),
    }
    path = os.path.join(HERE, 'cifar_resnet.json')
    with open(path, 'w') as f:
        f.write(json.dumps(record, separators=(',', ':')) + '\n')
    print('wrote', path, os.path.getsize(path), 'bytes; parameters', record["parameters"],
          'loss', record["training"]["loss"], 'sample spread eval %.3g train_bn %.3g' % (
              record["max_abs_diff_between_samples"], record["max_abs_diff_between_samples_train_bn"]))


if __name__ == '__main__':
    main()
