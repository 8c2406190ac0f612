"""Writes outputs.json: eval-mode logits of every architecture in tvmodels.NAMES with num_classes=10 and the
deterministic weights of detweights.py, for the deterministic input "input" [2, 3, S, S].

    cd tests/LeNet.Tests/Golden/torchvision && /usr/bin/python3 make_outputs.py [name ...]

Per model: build (weights=None, num_classes=10, init skipped), overwrite every state-dict tensor
(detweights.fill_state), model.eval(), x = detweights.tensor("input", [2,3,S,S]) (raw rule: v);
  output                   model(x) with autograd enabled and torch's default thread count
  output_nograd_1thread    the same under torch.no_grad() with torch.set_num_threads(1)
  max_abs_output, max_abs_diff_between_samples (how much the logits depend on the input at all)
  max_abs_diff_1thread_vs_default, max_abs_diff_2threads_vs_default (no_grad, set_num_threads(2)):
                           float noise of the kernels (this Debian build defaults to 1 thread)
  output_train_bn          an extra check, because with these weights the eval-mode logits of some models hardly
                           depend on the input (see max_abs_diff_between_samples: efficientnet_b* ~3e-7): the same
                           model and input after model.train() with every Dropout / StochasticDepth back in eval(),
                           under no_grad, so BatchNorm normalizes with the batch statistics (biased variance) and the
                           signal survives. googlenet's aux heads run but do not touch the logits (the first element of
                           the returned tuple); inception_v3's AuxLogits is set to None for this pass (at S=80 its
                           5x5 average pool does not fit). Computed after the eval outputs (it updates running stats).
With names given, only those are recomputed and merged into the existing outputs.json.
"""
import gc
import json
import os
import sys
import time

import torch
import torchvision

import detweights
import goldjson
import tvmodels

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {'inception_v3': 80}  # inception_v3 needs >= 75; everything else (googlenet included) runs at 64
DEFAULT_THREADS = torch.get_num_threads()


def run(name):
    t0 = time.time()
    s = SIZES.get(name, 64)
    m = tvmodels.build(name, 10)
    filled = detweights.fill_state(m)
    m.eval()
    t1 = time.time()
    x = detweights.tensor('input', [2, 3, s, s])
    torch.set_num_threads(DEFAULT_THREADS)
    y = m(x)
    assert isinstance(y, torch.Tensor) and list(y.shape) == [2, 10], (name, type(y))
    y = y.detach()
    with torch.no_grad():
        torch.set_num_threads(1)
        y1 = m(x)
        torch.set_num_threads(2)
        y2 = m(x)
    torch.set_num_threads(DEFAULT_THREADS)
    # train-mode BatchNorm pass (last: it updates the running statistics)
    m.train()
    for mod in m.modules():
        if isinstance(mod, (torch.nn.modules.dropout._DropoutNd, torchvision.ops.StochasticDepth)):
            mod.eval()
    if name == 'inception_v3':
        m.AuxLogits = None  # at S=80 its 5x5 avg-pool does not fit; it never feeds the logits
    with torch.no_grad():
        yt = m(x)
    if isinstance(yt, tuple):
        yt = yt[0]  # googlenet in train mode with aux_logits=True: (logits, aux_logits2, aux_logits1)
    assert list(yt.shape) == [2, 10]
    rec = {
        "name": name,
        "input_shape": [2, 3, s, s],
        "output": [goldjson.f32list(r) for r in y],
        "output_nograd_1thread": [goldjson.f32list(r) for r in y1],
        "max_abs_diff_1thread_vs_default": goldjson.f64((y1 - y).abs().max()),
        "max_abs_diff_2threads_vs_default": goldjson.f64((y2 - y).abs().max()),
        "max_abs_output": goldjson.f64(y.abs().max()),
        "max_abs_diff_between_samples": goldjson.f64((y[0] - y[1]).abs().max()),
        "output_train_bn": [goldjson.f32list(r) for r in yt],
        "max_abs_diff_between_samples_train_bn": goldjson.f64((yt[0] - yt[1]).abs().max()),
        "state_elements": filled,
        "torch_version": torch.__version__,
    }
    del m, x, y, y1, y2, yt
    gc.collect()
    print('%-20s S=%d  fill %.1fs  run %.1fs  |y|max %.4g  |y0-y1| %.4g  train-bn |y0-y1| %.4g  d1 %.3g  d2 %.3g' % (
        name, s, t1 - t0, time.time() - t1, rec["max_abs_output"], rec["max_abs_diff_between_samples"],
        rec["max_abs_diff_between_samples_train_bn"],
        rec["max_abs_diff_1thread_vs_default"],
        rec["max_abs_diff_2threads_vs_default"]), flush=True)
    return rec


def main(argv):
    t0 = time.time()
    path = os.path.join(HERE, 'outputs.json')
    names = argv or tvmodels.NAMES
    old = {}
    if argv and os.path.exists(path):
        with open(path) as f:
            old = {r["name"]: r for r in json.load(f)["models"]}
    for name in names:
        old[name] = run(name)
    records = [old[n] for n in tvmodels.NAMES if n in old]
    head = {
        "what": "eval-mode logits [2,10] of torchvision models, num_classes=10, deterministic weights and input",
        "generator": "make_outputs.py",
        "versions": tvmodels.versions(),
        "default_num_threads": DEFAULT_THREADS,
        "input_rule": "detweights raw rule, key 'input', shape input_shape",
        "weights_rule": "detweights state rule on every state_dict entry of the num_classes=10 model",
    }
    text = json.dumps(head, separators=(',', ':'))[:-1] + ',"models":[\n' + \
        ',\n'.join(json.dumps(r, separators=(',', ':')) for r in records) + '\n]}\n'
    with open(path, 'w') as f:
        f.write(text)
    print('wrote', path, os.path.getsize(path), 'bytes,', len(records), 'models in %.1fs' % (time.time() - t0))


if __name__ == '__main__':
    main(sys.argv[1:])
