"""Writes manifest.json: every torchvision 0.14.1 classification architecture named in tvmodels.NAMES with
its state-dict layout (keys in state_dict order, shapes, dtypes) and parameter counts for 1000 and 10 classes.

    cd tests/LeNet.Tests/Golden/torchvision && /usr/bin/python3 make_manifest.py

Models are built with torchvision.models.__dict__[name](weights=None, num_classes=...) one at a time and freed;
their init functions are skipped (tvmodels.no_init), which changes no shape.
"""
import gc
import gzip
import json
import os
import time
import warnings

import torch

import detweights
import tvmodels

HERE = os.path.dirname(os.path.abspath(__file__))


def dtype_name(dt):
    return str(dt).replace('torch.', '')


def inception_notes():
    """What googlenet / inception_v3 do with weights=None and no other argument."""
    notes = {}
    for name in ['googlenet', 'inception_v3']:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            with tvmodels.no_init():
                m = tvmodels.tvm.__dict__[name](weights=None)
        dropouts = {n: mod.p for n, mod in m.named_modules() if isinstance(mod, torch.nn.Dropout)}
        notes[name] = {
            "constructor": "torchvision.models.%s(weights=None)" % name,
            "aux_logits": m.aux_logits,
            "transform_input": m.transform_input,
            "init_weights": True,
            "init_weights_why": "the class default is init_weights=None, which warns (FutureWarning) and becomes True: "
                                + ("Conv2d/Linear weights trunc_normal_(mean=0, std=0.01, a=-2, b=2)"
                                   if name == 'googlenet' else
                                   "Conv2d/Linear weights trunc_normal_(mean=0, std=module.stddev if set else 0.1, a=-2, b=2); "
                                   "only AuxLogits.fc has stddev (0.001): the 0.01 set on AuxLogits.conv1, a BasicConv2d, "
                                   "is never read, its inner Conv2d gets 0.1")
                                + ", BatchNorm2d weight 1, bias 0 (irrelevant here: every state tensor is overwritten)",
            "aux_modules": [n for n, _ in m.named_children() if n.startswith('aux') or n == 'AuxLogits'],
            "aux_in_state_dict": any(k.startswith(('aux1.', 'aux2.', 'AuxLogits.')) for k in m.state_dict()),
            "dropout_p": dropouts,
            "warnings": sorted({str(w.category.__name__) + ': ' + str(w.message)[:120] for w in caught}),
            "forward": "eval(): returns the logits tensor only; train() with aux_logits=True returns a named tuple "
                       "(googlenet: logits, aux_logits2, aux_logits1; inception_v3: logits, aux_logits) "
                       "(eager, not scripted)",
        }
        del m
    notes["googlenet"]["weights_builder_note"] = (
        "only when weights is given does the builder force transform_input=True, aux_logits=True, init_weights=False "
        "(and drop aux1/aux2 afterwards unless aux_logits=True was passed)")
    notes["inception_v3"]["weights_builder_note"] = (
        "only when weights is given does the builder force transform_input=True, aux_logits=True, init_weights=False")
    return notes


def module_summary(m):
    """Counts of the hyper-parameterized leaf modules whose settings are not visible in the state dict
    (normalization eps/momentum, dropout p, stochastic depth p, activations, pooling), as their repr-like strings.
    Modules only: functional calls in forward do not show here, e.g. F.relu in googlenet's and inception_v3's
    BasicConv2d and densenet's head, F.dropout in densenet's layers (drop_rate 0), F.avg_pool2d(3, 1, 1) /
    F.max_pool2d(3, 2) in inception_v3's blocks, F.adaptive_avg_pool2d in densenet / inception_v3 / googlenet's aux
    heads, x.mean([2, 3]) in mnasnet, torch.flatten."""
    import torchvision
    counts = {}
    for _, mod in m.named_modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            key = '%s(eps=%g, momentum=%g)' % (type(mod).__name__, mod.eps, mod.momentum)
        elif type(mod).__name__ == 'LayerNorm2d':  # convnext's subclass of nn.LayerNorm (channels of NCHW)
            key = 'LayerNorm2d(eps=%g)' % mod.eps
        elif isinstance(mod, torch.nn.LayerNorm):
            key = 'LayerNorm(eps=%g)' % mod.eps
        elif isinstance(mod, torch.nn.modules.dropout._DropoutNd):
            key = '%s(p=%g)' % (type(mod).__name__, mod.p)
        elif isinstance(mod, torchvision.ops.StochasticDepth):
            key = 'StochasticDepth(mode=%s)' % mod.mode
        elif isinstance(mod, (torch.nn.ReLU, torch.nn.ReLU6, torch.nn.SiLU, torch.nn.Hardswish, torch.nn.Hardsigmoid,
                              torch.nn.Sigmoid, torch.nn.GELU)):
            key = type(mod).__name__ + ('(approximate=%s)' % mod.approximate if isinstance(mod, torch.nn.GELU) else '')
        elif isinstance(mod, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)):
            key = repr(mod)
        elif isinstance(mod, torch.nn.AdaptiveAvgPool2d):
            key = repr(mod)
        else:
            continue
        counts[key] = counts.get(key, 0) + 1
    sd = [mod.p for mod in m.modules() if isinstance(mod, torchvision.ops.StochasticDepth)]
    if sd:
        counts['StochasticDepth p (in module order)'] = [round(p, 10) for p in sd]
    return counts


def main():
    t0 = time.time()
    models = []
    for name in tvmodels.NAMES:
        t = time.time()
        m = tvmodels.build(name, 1000)
        sd = m.state_dict()
        entry = {
            "name": name,
            "num_classes": 1000,
            "parameters": sum(p.numel() for p in m.parameters()),
            "buffers": sum(b.numel() for b in m.buffers()),
            "state_entries": len(sd),
            "modules": module_summary(m),
            "state": [[k, list(v.shape), dtype_name(v.dtype)] for k, v in sd.items()],
        }
        del sd, m
        gc.collect()
        m = tvmodels.build(name, 10)
        entry["parameters_10"] = sum(p.numel() for p in m.parameters())
        del m
        gc.collect()
        models.append(entry)
        print('%-20s %12d %12d %5d entries  %.1fs' % (name, entry["parameters"], entry["parameters_10"],
                                                       entry["state_entries"], time.time() - t), flush=True)

    head = {
        "what": "state-dict layout and parameter counts of torchvision classification models (weights=None)",
        "generator": "make_manifest.py",
        "versions": tvmodels.versions(),
        "names": tvmodels.NAMES,
        "regnets": tvmodels.REGNETS,
        "notes": inception_notes(),
        "detweights_check": detweights.self_check(),
    }
    text = json.dumps(head, separators=(',', ':'))[:-1] + ',"models":[\n' + \
        ',\n'.join(json.dumps(e, separators=(',', ':')) for e in models) + '\n]}\n'
    path = os.path.join(HERE, 'manifest.json')
    if len(text.encode()) > 4 * 1024 * 1024:
        with gzip.GzipFile(path + '.gz', 'wb', mtime=0) as f:
            f.write(text.encode())
        if os.path.exists(path):
            os.remove(path)
        path += '.gz'
    else:
        with open(path, 'w') as f:
            f.write(text)
    print('wrote', path, os.path.getsize(path), 'bytes in %.1fs' % (time.time() - t0))


if __name__ == '__main__':
    main()
