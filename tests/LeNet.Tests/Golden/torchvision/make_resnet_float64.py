"""Writes resnet_float64.json: the ResNet and DenseNet families' training-mode results computed in float64 by
PyTorch, the reference for how far float32 arithmetic — PyTorch's own and LeNet's — may be from the exact answer.

    cd tests/LeNet.Tests/Golden/torchvision && /usr/bin/python3 make_resnet_float64.py     # ~5 min

Why: with the deterministic weights (detweights.py), a batch of 2 and 64x64 inputs, the last stages' BatchNorms
normalize over 8 values (2 samples x 2x2) and deep networks amplify rounding through them. PyTorch's own float32
train-mode logits are up to 1.4e-3 (relative to the largest logit) away from the float64 result for resnet152, and
its float32 gradients of resnet50 up to 4e-2 (relative to the tensor's scale): outputs.json and training.json hold
that float32 noise, so comparing another float32 implementation with them at 1e-4 would fail on noise, not on a bug.
This file gives the float64 answer and PyTorch float32's distance from it, measured with the same metrics the C#
tests use, so the tests can ask "is LeNet's float32 as close to the truth as PyTorch's float32?".

The same models, weights and inputs as make_outputs.py / make_training.py (the float32 model filled with
detweights.fill_state, then .double(): the float64 model holds exactly the same values), one thread.

Per model (the 14 torchvision names of the ResNet and DenseNet families):
  output_train_bn: float64 logits [2][10] of make_outputs.py's output_train_bn pass (train(), no_grad);
  float32_output_train_bn_error: max |PyTorch float32 - float64| / max |float64| of those logits;
  float32_matches_outputs_json: whether this float32 run reproduced outputs.json's output_train_bn bit for bit.
For resnet18, resnet50, densenet121 also `training`: make_training.py's step in float64 — output, loss,
input_grad_abs_sum, params [{key, grad_sum, grad_abs_sum, grad_first (8 float64)}], bn_buffers [{key, first, sum}] —
and `float32_training_error`: PyTorch float32's worst distance from it per kind, with the C# test's metrics
(below); `eval_step` / `float32_eval_step_error`: the same step with the model in eval() (BatchNorm the affine map of
its running statistics, so the running buffers stay as filled), a well-conditioned check of the backward itself:
  output: max |d| / max |output|;  loss: |d| / |loss|;  input_grad_abs_sum: |d| / value;
  grad_sum: |d| / grad_abs_sum;  grad_abs_sum: |d| / grad_abs_sum;
  grad_first: max |d| / max(grad_abs_sum / numel, max |grad_first|);
  buffer sum: |d| / Σ|buffer|;  buffer first: |d| / max(Σ|buffer| / numel, |first_i|).
"""
import json
import os
import time

import torch
import torch.nn.functional as F

import detweights
import tvmodels

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d', 'resnext101_32x8d',
         'resnext101_64x4d', 'wide_resnet50_2', 'wide_resnet101_2',
         'densenet121', 'densenet161', 'densenet169', 'densenet201']
TRAINING = ['resnet18', 'resnet50', 'densenet121']
TARGETS = [3, 7]
SHAPE = [2, 3, 64, 64]


def model(name, dtype):
    m = tvmodels.build(name, 10)
    detweights.fill_state(m)
    return m.to(dtype)


def train_bn_logits(name, dtype):
    m = model(name, dtype)
    m.train()
    with torch.no_grad():
        return m(detweights.tensor('input', SHAPE).to(dtype))


def step(name, dtype, train=True):
    m = model(name, dtype)
    m.train(train)
    x = detweights.tensor('input', SHAPE).to(dtype).requires_grad_(True)
    y = m(x)
    loss = F.cross_entropy(y, torch.tensor(TARGETS))
    loss.backward()
    params = [{"key": k, "grad": p.grad.detach().double().reshape(-1)} for k, p in m.named_parameters()]
    bn = {n for n, mod in m.named_modules() if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm)}
    buffers = [{"key": k, "value": b.detach().double().reshape(-1)} for k, b in m.named_buffers()
               if k.rsplit('.', 1)[0] in bn and b.dtype.is_floating_point]
    return {"output": y.detach().double(), "loss": float(loss), "input_grad_abs_sum": float(x.grad.double().abs().sum()),
            "params": params, "buffers": buffers}


def errors(a, b):
    """PyTorch float32 (a) against float64 (b), worst per kind, with the C# test's metrics."""
    worst = {}

    def add(kind, value):
        worst[kind] = max(worst.get(kind, 0.0), float(value))

    add("output", (a["output"] - b["output"]).abs().max() / b["output"].abs().max())
    add("loss", abs(a["loss"] - b["loss"]) / abs(b["loss"]))
    add("input_grad_abs_sum", abs(a["input_grad_abs_sum"] - b["input_grad_abs_sum"]) / b["input_grad_abs_sum"])
    for pa, pb in zip(a["params"], b["params"]):
        ga, gb = pa["grad"], pb["grad"]
        abs_sum = float(gb.abs().sum())
        add("grad_sum", abs(float(ga.sum()) - float(gb.sum())) / abs_sum)
        add("grad_abs_sum", abs(float(ga.abs().sum()) - abs_sum) / abs_sum)
        scale = max(abs_sum / gb.numel(), float(gb[:8].abs().max()))
        add("grad_first", (ga[:8] - gb[:8]).abs().max() / scale)
    for ba, bb in zip(a["buffers"], b["buffers"]):
        va, vb = ba["value"], bb["value"]
        scale = float(vb.abs().sum()) + 1e-12
        add("sum", abs(float(va.sum()) - float(vb.sum())) / scale)
        add("first", max(abs(float(va[i] - vb[i])) / max(scale / vb.numel(), abs(float(vb[i]))) for i in range(min(8, vb.numel()))))
    return worst


def record(s):
    return {
        "output": [[float(v) for v in row] for row in s["output"]],
        "loss": s["loss"],
        "input_grad_abs_sum": s["input_grad_abs_sum"],
        "params": [{"key": p["key"], "grad_sum": float(p["grad"].sum()), "grad_abs_sum": float(p["grad"].abs().sum()),
                    "grad_first": [float(v) for v in p["grad"][:8]]} for p in s["params"]],
        "bn_buffers": [{"key": b["key"], "first": [float(v) for v in b["value"][:8]], "sum": float(b["value"].sum())}
                       for b in s["buffers"]],
    }


def main():
    torch.set_num_threads(1)
    with open(os.path.join(HERE, 'outputs.json')) as f:
        outputs = {m["name"]: m for m in json.load(f)["models"]}
    t0 = time.time()
    models = []
    for name in NAMES:
        t = time.time()
        y32, y64 = train_bn_logits(name, torch.float32), train_bn_logits(name, torch.float64)
        rec = {
            "name": name,
            "output_train_bn": [[float(v) for v in row] for row in y64],
            "float32_output_train_bn_error": float((y32.double() - y64).abs().max() / y64.abs().max()),
            "float32_matches_outputs_json": bool((y32 == torch.tensor(outputs[name]["output_train_bn"], dtype=torch.float32)).all()),
        }
        if name in TRAINING:
            s32, s64 = step(name, torch.float32), step(name, torch.float64)
            rec["training"] = record(s64)
            rec["float32_training_error"] = errors(s32, s64)
            e32, e64 = step(name, torch.float32, train=False), step(name, torch.float64, train=False)
            rec["eval_step"] = record(e64)
            rec["float32_eval_step_error"] = errors(e32, e64)
        models.append(rec)
        print('%-18s float32 train-bn error %.2e%s  %.0fs' % (
            name, rec["float32_output_train_bn_error"],
            '' if "training" not in rec else '\n    training ' + ' '.join('%s %.1e' % kv for kv in rec["float32_training_error"].items())
            + '\n    eval step ' + ' '.join('%s %.1e' % kv for kv in rec["float32_eval_step_error"].items()),
            time.time() - t), flush=True)
    head = {"what": "float64 train-mode references of the ResNet / DenseNet families and PyTorch float32's distance from them",
            "generator": "make_resnet_float64.py", "versions": tvmodels.versions(), "num_threads": 1}
    text = json.dumps(head, separators=(',', ':'))[:-1] + ',"models":[\n' + \
        ',\n'.join(json.dumps(r, separators=(',', ':')) for r in models) + '\n]}\n'
    path = os.path.join(HERE, 'resnet_float64.json')
    with open(path, 'w') as f:
        f.write(text)
    print('wrote', path, os.path.getsize(path), 'bytes in %.0fs' % (time.time() - t0))


if __name__ == '__main__':
    main()
