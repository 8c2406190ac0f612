"""Writes training.json: one training step (forward, cross-entropy, backward; no optimizer) of a small set of
torchvision models with num_classes=10 and the deterministic weights of detweights.py.

    cd tests/LeNet.Tests/Golden/torchvision && /usr/bin/python3 make_training.py

Per model: build (weights=None, num_classes=10, init skipped; googlenet with aux_logits=False, init_weights=False),
overwrite every state-dict tensor (detweights.fill_state), model.train(), then every Dropout module (_DropoutNd)
and every torchvision.ops.StochasticDepth module back to eval() so that nothing is random;
x = detweights.tensor("input", [2,3,64,64]).requires_grad_(True), targets = [3, 7];
y = model(x); loss = F.cross_entropy(y, targets) (mean over the batch); loss.backward().
Recorded: output (2x10 logits), loss, input_grad_abs_sum, for every parameter (named_parameters order)
{key, shape, grad_sum, grad_abs_sum, grad_first (first 8 of the flat grad)} and for every BatchNorm buffer after
the step (running stats updated by the train-mode forward, num_batches_tracked = 1) {key, shape, first, sum};
sums are float64 sums of the float32 values. batchnorm_modules lists each BatchNorm's [name, eps, momentum].
"""
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import detweights
import goldjson
import tvmodels

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ['resnet18', 'resnet50', 'mobilenet_v2', 'mobilenet_v3_small', 'squeezenet1_1', 'shufflenet_v2_x0_5',
         'densenet121', 'mnasnet0_5', 'efficientnet_b0', 'regnet_x_400mf', 'regnet_y_400mf', 'convnext_tiny',
         'googlenet']
KWARGS = {'googlenet': {'aux_logits': False, 'init_weights': False}}
TARGETS = [3, 7]


def run(name):
    t0 = time.time()
    m = tvmodels.build(name, 10, **KWARGS.get(name, {}))
    detweights.fill_state(m)
    m.train()
    frozen = []
    for n, mod in m.named_modules():
        if isinstance(mod, (nn.modules.dropout._DropoutNd, torchvision.ops.StochasticDepth)):
            mod.eval()
            frozen.append(n)
    x = detweights.tensor('input', [2, 3, 64, 64]).requires_grad_(True)
    y = m(x)
    assert isinstance(y, torch.Tensor) and list(y.shape) == [2, 10], (name, type(y))
    loss = F.cross_entropy(y, torch.tensor(TARGETS))
    loss.backward()
    params = []
    for k, p in m.named_parameters():
        g = p.grad
        assert g is not None, (name, k)
        params.append({"key": k, "shape": list(p.shape), "grad_sum": goldjson.f64(g.double().sum()),
                       "grad_abs_sum": goldjson.f64(g.double().abs().sum()),
                       "grad_first": goldjson.f32list(g.reshape(-1)[:8])})
    bn_modules = [[n, mod.eps, mod.momentum] for n, mod in m.named_modules()
                  if isinstance(mod, nn.modules.batchnorm._BatchNorm)]
    bn_names = {n for n, _, _ in bn_modules}
    buffers = []
    for k, b in m.named_buffers():
        if k.rsplit('.', 1)[0] not in bn_names:
            continue
        if b.dtype.is_floating_point:
            buffers.append({"key": k, "shape": list(b.shape), "first": goldjson.f32list(b.reshape(-1)[:8]),
                            "sum": goldjson.f64(b.double().sum())})
        else:
            buffers.append({"key": k, "shape": list(b.shape), "first": [int(v) for v in b.reshape(-1)[:8]],
                            "sum": int(b.sum())})
    rec = {
        "name": name,
        "constructor_kwargs": dict(num_classes=10, **KWARGS.get(name, {})),
        "input_shape": [2, 3, 64, 64],
        "targets": TARGETS,
        "eval_modules": frozen,
        "output": [goldjson.f32list(r) for r in y.detach()],
        "loss": goldjson.f32(loss.item()),
        "input_grad_abs_sum": goldjson.f64(x.grad.double().abs().sum()),
        "batchnorm_modules": bn_modules,
        "params": params,
        "bn_buffers": buffers,
    }
    print('%-20s loss %.6f  %d params  %d bn buffers  %d eval modules  %.1fs' % (
        name, loss.item(), len(params), len(buffers), len(frozen), time.time() - t0), flush=True)
    return rec


def main():
    t0 = time.time()
    records = [run(n) for n in NAMES]
    head = {
        "what": "one train-mode step (forward, cross_entropy, backward) of torchvision models, num_classes=10, "
                "deterministic weights and input",
        "generator": "make_training.py",
        "versions": tvmodels.versions(),
        "num_threads": torch.get_num_threads(),
    }
    path = os.path.join(HERE, 'training.json')
    text = json.dumps(head, separators=(',', ':'))[:-1] + ',"models":[\n' + \
        ',\n'.join(json.dumps(r, separators=(',', ':')) for r in records) + '\n]}\n'
    with open(path, 'w') as f:
        f.write(text)
    print('wrote', path, os.path.getsize(path), 'bytes in %.1fs' % (time.time() - t0))


if __name__ == '__main__':
    main()
