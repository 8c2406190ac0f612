"""Writes scaled_float64.json: the numbers of outputs.json and training.json for the EfficientNet, RegNet and
ConvNeXt families recomputed in float64, the reference that tells float32 rounding from a real difference.

    cd tests/LeNet.Tests/Golden/torchvision && /usr/bin/python3 make_scaled_float64.py     # ~10 min

Why: with BatchNorm on batch statistics (the `output_train_bn` pass and the training step) these models amplify
float32 rounding — a batch of 2 at 64x64 leaves 2x2 maps (8 values per channel) in the last stages. PyTorch's own
float32 results then differ from the float64 ones by up to 3e-4 of the logits (efficientnet_v2_l) and, for the
training step's gradients, by up to 1e-4 of a tensor's scale (efficientnet_b0) or even 2e-1 (regnet_x_400mf's last
stage). The C# tests compare with these float64 values, allowing a few times PyTorch's own float32 error
(outputs.json / training.json against this file) where that error exceeds 1e-4.

Same models, weights and inputs as make_outputs.py and make_training.py (deterministic weights of detweights.py,
input "input" [2,3,64,64], num_classes=10, init skipped): each model is built in float32, filled, then converted
with .double() (the float32 values exactly); the input likewise. Per model (all of the families, manifest order):
`output` (eval) and `output_train_bn` (train mode, Dropout/StochasticDepth in eval, no_grad) as float64 [2][10].
For the models of training.json (efficientnet_b0, regnet_x_400mf, regnet_y_400mf, convnext_tiny): `training` with
the float64 `output`, `loss`, `input_grad_abs_sum`, `params` [{key, grad_sum, grad_abs_sum, grad_first (8)}] and
`bn_buffers` [{key, first (8), sum}] (floating buffers only) after the step, as make_training.py records them.
All values are Python floats (repr of the double).
"""
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import detweights
import tvmodels

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = [n for n in tvmodels.NAMES if n.startswith(('efficientnet_', 'regnet_', 'convnext_'))]
TRAINING = ['efficientnet_b0', 'regnet_x_400mf', 'regnet_y_400mf', 'convnext_tiny']
TARGETS = [3, 7]


def model64(name):
    m = tvmodels.build(name, 10)
    detweights.fill_state(m)
    return m.double()


def frozen(m):
    m.train()
    for _, mod in m.named_modules():
        if isinstance(mod, (nn.modules.dropout._DropoutNd, torchvision.ops.StochasticDepth)):
            mod.eval()


def floats(t):
    return [float(v) for v in t.detach().reshape(-1)]


def outputs(name):
    m = model64(name)
    x = detweights.tensor('input', [2, 3, 64, 64]).double()
    with torch.no_grad():
        m.eval()
        y = m(x)
        frozen(m)
        t = m(x)
    return {"output": [floats(r) for r in y], "output_train_bn": [floats(r) for r in t]}


def training(name):
    m = model64(name)
    frozen(m)
    x = detweights.tensor('input', [2, 3, 64, 64]).double().requires_grad_(True)
    y = m(x)
    loss = F.cross_entropy(y, torch.tensor(TARGETS))
    loss.backward()
    params = [{"key": k, "grad_sum": float(p.grad.sum()), "grad_abs_sum": float(p.grad.abs().sum()),
               "grad_first": floats(p.grad.reshape(-1)[:8])} for k, p in m.named_parameters()]
    bn_names = {n for n, mod in m.named_modules() if isinstance(mod, nn.modules.batchnorm._BatchNorm)}
    buffers = [{"key": k, "first": floats(b.reshape(-1)[:8]), "sum": float(b.sum())}
               for k, b in m.named_buffers() if k.rsplit('.', 1)[0] in bn_names and b.dtype.is_floating_point]
    return {"output": [floats(r) for r in y], "loss": float(loss), "input_grad_abs_sum": float(x.grad.abs().sum()),
            "params": params, "bn_buffers": buffers}


def main():
    t0 = time.time()
    records = []
    for name in NAMES:
        t = time.time()
        rec = {"name": name, **outputs(name)}
        if name in TRAINING:
            rec["training"] = training(name)
        records.append(rec)
        print('%-20s %.1fs' % (name, time.time() - t), flush=True)
    head = {"what": "outputs.json and training.json of the EfficientNet, RegNet and ConvNeXt families in float64",
            "generator": "make_scaled_float64.py", "versions": tvmodels.versions()}
    path = os.path.join(HERE, 'scaled_float64.json')
    text = json.dumps(head, separators=(',', ':'))[:-1] + ',"models":[\n' + \
        ',\n'.join(json.dumps(r, separators=(',', ':')) for r in records) + '\n]}\n'
    with open(path, 'w') as f:
        f.write(text)
    print('wrote', path, os.path.getsize(path), 'bytes in %.1fs' % (time.time() - t0))


if __name__ == '__main__':
    main()
