"""Writes ops.json: PyTorch's forward and backward numbers for tensor operations, functionals and the layers that
the torchvision architectures need (broadcasting arithmetic, cat/chunk/split, views, reductions, activations,
pooling, layer norm, StochasticDepth, Flatten, Dropout in eval, plus a few convolutions and constant pads).

    cd tests/LeNet.Tests/Golden/graphs && /usr/bin/python3 make_ops.py

Every case is float32 and holds:
  name, expr (the Python expression evaluated, inputs named a, b, c, ...), attrs,
  inputs  [{shape, values}]         values flat, row-major
  output  {shape, values}           (multi-output ops: outputs [{shape, values}, ...])
  upstream {shape, values}          the gradient fed to backward (multi-output: upstreams, one per output)
  grads   [{shape, values}]         d(sum(output * upstream))/d(input), one per input, same order as inputs
  params / param_grads {name: {shape, values}}   only for module cases (nn.LayerNorm)
Inputs come from ../torchvision/detweights.py, raw rule (value v in [-1, 1)) under the keys "a", "b", "c", ...
(the i-th input of a case is key chr(ord('a') + i)); division denominators are 1.5 + 0.5*v (computed in float64,
rounded to float32); activation inputs are 4*v with the first five elements set to 0, 3, -3, 6, -6.
Upstream gradients: raw rule under key "upstream" (multi-output: "upstream.0", "upstream.1", ...), shaped like the
output. The values are all written out, so a reader never needs to recompute them.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'torchvision'))
import detweights  # noqa: E402
import goldjson  # noqa: E402

CASES = []


def raw(key, shape):
    return detweights.tensor(key, shape)


def denom(key, shape):
    u = detweights._u_range(detweights.fnv1a32(key), 0, int(np.prod(shape)))
    v = 2.0 * u - 1.0
    return torch.from_numpy((1.5 + 0.5 * v).astype(np.float32).reshape(shape))


def act_input(key, shape):
    x = raw(key, shape) * 4
    x.view(-1)[:5] = torch.tensor([0.0, 3.0, -3.0, 6.0, -6.0])
    return x


def affine_1d(key, shape, weight):
    """the 1-D state rule applied whatever the shape: weight 1 + 0.1*v, bias 0.1*v (float64, then float32)."""
    u = detweights._u_range(detweights.fnv1a32(key), 0, int(np.prod(shape)))
    v = 2.0 * u - 1.0
    val = 1.0 + 0.1 * v if weight else 0.1 * v
    return torch.from_numpy(val.astype(np.float32).reshape(shape))


def tj(t):
    return {"shape": list(t.shape), "values": goldjson.f32list(t)}


def case(name, expr, inputs, fn=None, attrs=None, module=None):
    """inputs: list of float32 tensors (become leaves with requires_grad). fn(*inputs) -> tensor or tuple.
    Without fn, expr is evaluated with a, b, c, ... bound to the inputs."""
    leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
    if fn is None:
        env = {chr(ord('a') + i): t for i, t in enumerate(leaves)}
        env.update(torch=torch, F=F, nn=nn, torchvision=torchvision)
        out = eval(expr, env)
    else:
        out = fn(*leaves)
    rec = {"name": name, "expr": expr, "attrs": attrs or {}, "inputs": [tj(t) for t in inputs]}
    if isinstance(out, (tuple, list)):
        ups = [raw('upstream.%d' % i, o.shape) for i, o in enumerate(out)]
        torch.autograd.backward(list(out), ups)
        rec["outputs"] = [tj(o) for o in out]
        rec["upstreams"] = [tj(u) for u in ups]
    else:
        up = raw('upstream', out.shape)
        out.backward(up)
        rec["output"] = tj(out)
        rec["upstream"] = tj(up)
    rec["grads"] = [tj(t.grad if t.grad is not None else torch.zeros_like(t)) for t in leaves]
    if module is not None:
        rec["params"] = {n: tj(p) for n, p in module.named_parameters()}
        rec["param_grads"] = {n: tj(p.grad) for n, p in module.named_parameters()}
    CASES.append(rec)


def binary_cases():
    pairs = [([2, 3, 4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [2, 3, 1, 1]), ([2, 3, 4, 5], [3, 1, 1]),
             ([2, 3, 4, 5], [5]), ([4, 1], [1, 5]), ([2, 1, 4, 1], [3, 1, 5]), ([1], [2, 3])]
    pairs += [(b, a) for a, b in pairs if a != b]          # the same pairs with the operands swapped
    ops = [('add', 'a + b'), ('sub', 'a - b'), ('mul', 'a * b'), ('div', 'a / b')]
    for op, expr in ops:
        for sa, sb in pairs:
            b = denom('b', sb) if op == 'div' else raw('b', sb)
            case('%s_%s_%s' % (op, 'x'.join(map(str, sa)), 'x'.join(map(str, sb))), expr, [raw('a', sa), b],
                 attrs={"op": op})
    for expr in ['a + 2.5', '2.5 + a', 'a - 2.5', '2.5 - a', 'a * 2.5', '2.5 * a', 'a / 2.5', '2.5 / a']:
        a = denom('a', [2, 3, 4, 5]) if expr == '2.5 / a' else raw('a', [2, 3, 4, 5])
        case('scalar_' + expr.replace(' ', '').replace('+', 'plus').replace('-', 'minus').replace('*', 'times')
             .replace('/', 'over'), expr, [a], attrs={"scalar": 2.5})


def shape_cases():
    # cat
    case('cat_dim0', 'torch.cat([a, b, c], dim=0)', [raw('a', [1, 3, 4]), raw('b', [2, 3, 4]), raw('c', [3, 3, 4])],
         attrs={"dim": 0})
    case('cat_dim1', 'torch.cat([a, b, c], dim=1)',
         [raw('a', [2, 1, 4, 5]), raw('b', [2, 3, 4, 5]), raw('c', [2, 2, 4, 5])], attrs={"dim": 1})
    case('cat_dim1_two', 'torch.cat([a, b], dim=1)', [raw('a', [2, 3, 4]), raw('b', [2, 5, 4])], attrs={"dim": 1})
    case('cat_dim3', 'torch.cat([a, b, c], dim=3)',
         [raw('a', [2, 3, 4, 1]), raw('b', [2, 3, 4, 5]), raw('c', [2, 3, 4, 2])], attrs={"dim": 3})
    case('cat_dim-1', 'torch.cat([a, b], dim=-1)', [raw('a', [2, 3]), raw('b', [2, 4])], attrs={"dim": -1})
    case('cat_dim-1_4d', 'torch.cat([a, b, c], dim=-1)',
         [raw('a', [2, 3, 4, 2]), raw('b', [2, 3, 4, 3]), raw('c', [2, 3, 4, 1])], attrs={"dim": -1})
    # chunk / split (multi-output)
    case('chunk3_dim1_2x7x3', 'a.chunk(3, dim=1)', [raw('a', [2, 7, 3])],
         attrs={"chunks": 3, "dim": 1, "sizes": [3, 3, 1]})
    case('chunk2_dim1_2x6x3x3', 'a.chunk(2, dim=1)', [raw('a', [2, 6, 3, 3])],
         attrs={"chunks": 2, "dim": 1, "sizes": [3, 3]})
    case('chunk3_dim1_2x5x3', 'a.chunk(3, dim=1)', [raw('a', [2, 5, 3])],
         attrs={"chunks": 3, "dim": 1, "sizes": [2, 2, 1]})
    case('chunk4_dim1_2x6', 'a.chunk(4, dim=1)', [raw('a', [2, 6])],
         attrs={"chunks": 4, "dim": 1, "sizes": [2, 2, 2],
                "note": "PyTorch gives 3 chunks, not 4: chunk size ceil(6/4)=2"})
    case('split2_dim1_2x5x3', 'a.split(2, dim=1)', [raw('a', [2, 5, 3])],
         attrs={"split_size": 2, "dim": 1, "sizes": [2, 2, 1]})
    case('split_1_3_2_dim2_2x3x6', 'a.split([1, 3, 2], dim=2)', [raw('a', [2, 3, 6])],
         attrs={"split_sizes": [1, 3, 2], "dim": 2})
    # views
    x = [raw('a', [2, 3, 4, 5])]
    case('reshape_2x12x5', 'a.reshape(2, 12, 5)', x, attrs={"shape": [2, 12, 5]})
    case('reshape_2xm1x5', 'a.reshape(2, -1, 5)', x, attrs={"shape": [2, -1, 5]})
    case('reshape_m1', 'a.reshape(-1)', x, attrs={"shape": [-1]})
    case('view_6x20', 'a.view(6, 20)', x, attrs={"shape": [6, 20]})
    case('transpose_1_2', 'a.transpose(1, 2)', x, attrs={"dim0": 1, "dim1": 2})
    case('transpose_0_3', 'a.transpose(0, 3)', x, attrs={"dim0": 0, "dim1": 3})
    case('transpose_1_2_contiguous_add', 'a.transpose(1, 2).contiguous() + 0', x,
         attrs={"note": "same as transpose_1_2, materialized"})
    case('permute_0_2_3_1', 'a.permute(0, 2, 3, 1)', x, attrs={"dims": [0, 2, 3, 1]})
    case('permute_0_3_1_2_of_permute', 'a.permute(0, 2, 3, 1).permute(0, 3, 1, 2)', x,
         attrs={"note": "round trip, as LayerNorm2d does"})
    for sd, ed in [(1, -1), (0, 1), (1, 2), (-2, -1)]:
        case('flatten_%d_%d' % (sd, ed), 'torch.flatten(a, %d, %d)' % (sd, ed), x, attrs={"start_dim": sd, "end_dim": ed})
    case('channel_shuffle_g2', 'a.view(2, 2, 3, 4, 5).transpose(1, 2).reshape(2, 6, 4, 5)', [raw('a', [2, 6, 4, 5])],
         attrs={"groups": 2, "note": "torchvision shufflenetv2.channel_shuffle: view(b, g, c/g, h, w), "
                                     "transpose(1, 2), contiguous, view(b, c, h, w)"})


def reduction_cases():
    x = [raw('a', [2, 3, 4, 5])]
    for op in ['mean', 'sum']:
        for dims, keep in [([2, 3], True), ([2, 3], False), ([1], False), ([1], True), ([-1], False),
                           ([-1], True), ([0], False)]:
            case('%s_%s_keep%d' % (op, '_'.join(map(str, dims)), keep), 'a.%s(%s, keepdim=%s)' % (op, dims, keep), x,
                 attrs={"dim": dims, "keepdim": keep})
        case('%s_all' % op, 'a.%s()' % op, x, attrs={"dim": None})


def activation_cases():
    x = [act_input('a', [2, 3, 4, 5])]
    attrs = {"input": "4*v with elements 0..4 set to 0, 3, -3, 6, -6"}
    for name, expr in [('relu', 'F.relu(a)'), ('relu6', 'F.relu6(a)'), ('sigmoid', 'torch.sigmoid(a)'),
                       ('tanh', 'torch.tanh(a)'), ('hardsigmoid', 'F.hardsigmoid(a)'),
                       ('hardswish', 'F.hardswish(a)'), ('silu', 'F.silu(a)'),
                       ('gelu', "F.gelu(a, approximate='none')"), ('gelu_tanh', "F.gelu(a, approximate='tanh')"),
                       ('softmax_dim1', 'F.softmax(a, dim=1)'), ('softmax_dim-1', 'F.softmax(a, dim=-1)'),
                       ('log_softmax_dim1', 'F.log_softmax(a, dim=1)'),
                       ('log_softmax_dim-1', 'F.log_softmax(a, dim=-1)')]:
        case(name, expr, x, attrs=attrs)
    # the modules torchvision uses, on the same input (identical numbers to the functionals above)
    for name, expr in [('nn.ReLU', 'nn.ReLU()(a)'), ('nn.ReLU6', 'nn.ReLU6()(a)'),
                       ('nn.Hardswish', 'nn.Hardswish()(a)'), ('nn.Hardsigmoid', 'nn.Hardsigmoid()(a)'),
                       ('nn.SiLU', 'nn.SiLU()(a)'), ('nn.GELU', 'nn.GELU()(a)')]:
        case(name, expr, x, attrs=attrs)


def pool_cases():
    x = [raw('a', [2, 3, 7, 9])]
    for out in [1, (2, 3), (3, 4), (5, 7), (7, 9)]:
        case('adaptive_avg_pool2d_%s' % (str(out).replace(' ', '')), 'F.adaptive_avg_pool2d(a, %s)' % (out,), x,
             attrs={"output_size": list(out) if isinstance(out, tuple) else out})
    case('adaptive_max_pool2d_(2,3)', 'F.adaptive_max_pool2d(a, (2, 3))', x, attrs={"output_size": [2, 3]})
    specs = [([2, 3, 9, 9], 3, 2, 1, False), ([2, 3, 9, 9], 3, 2, 1, True),
             ([2, 3, 10, 10], 3, 2, 1, False), ([2, 3, 10, 10], 3, 2, 1, True),
             ([2, 3, 10, 10], 3, 2, 0, False), ([2, 3, 10, 10], 3, 2, 0, True),
             ([2, 3, 9, 9], 2, 2, 0, False), ([2, 3, 9, 9], 2, 2, 0, True),
             ([2, 3, 5, 5], 2, 2, 1, True), ([2, 3, 8, 8], 2, 1, 0, False)]
    for shape, k, s, p, ceil in specs:
        case('max_pool2d_%s_k%d_s%d_p%d%s' % ('x'.join(map(str, shape[2:])), k, s, p, '_ceil' if ceil else ''),
             'F.max_pool2d(a, kernel_size=%d, stride=%d, padding=%d, ceil_mode=%s)' % (k, s, p, ceil),
             [raw('a', shape)], attrs={"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil,
                                       "note": "ceil_mode: a last window that would start in the right padding "
                                               "is dropped" if ceil else ""})
    avg = [([2, 3, 8, 8], 2, None, 0, False, True), ([2, 3, 9, 9], 2, None, 0, False, True),
           ([2, 3, 9, 9], 2, None, 0, True, True), ([2, 3, 9, 9], 3, 2, 1, False, True),
           ([2, 3, 9, 9], 3, 2, 1, False, False), ([2, 3, 10, 10], 3, 2, 1, True, True),
           ([2, 3, 10, 10], 3, 2, 1, True, False), ([2, 3, 9, 9], 3, 1, 1, False, False),
           ([2, 3, 9, 9], 3, 1, 1, False, True)]  # the last: inception_v3's branch_pool
    for shape, k, s, p, ceil, cip in avg:
        sname = 'None' if s is None else str(s)
        case('avg_pool2d_%s_k%d_s%s_p%d%s%s' % ('x'.join(map(str, shape[2:])), k, sname, p, '_ceil' if ceil else '',
                                                '' if cip else '_nopadcount'),
             'F.avg_pool2d(a, kernel_size=%d, stride=%s, padding=%d, ceil_mode=%s, count_include_pad=%s)'
             % (k, sname, p, ceil, cip),
             [raw('a', shape)], attrs={"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil,
                                       "count_include_pad": cip})


def norm_cases():
    x = raw('a', [2, 3, 4, 5])
    for ns in [[5], [4, 5]]:
        for eps in [1e-5, 1e-6]:
            tag = 'x'.join(map(str, ns))
            case('layer_norm_%s_eps%g' % (tag, eps), 'F.layer_norm(a, %s, eps=%r)' % (ns, eps), [x],
                 attrs={"normalized_shape": ns, "eps": eps, "affine": False})
            case('layer_norm_%s_affine_eps%g' % (tag, eps), 'F.layer_norm(a, %s, b, c, eps=%r)' % (ns, eps),
                 [x, affine_1d('weight', ns, True), affine_1d('bias', ns, False)],
                 attrs={"normalized_shape": ns, "eps": eps, "affine": True,
                        "weight_bias": "inputs b (weight = 1 + 0.1*v, key 'weight') and c (bias = 0.1*v, key "
                                       "'bias'), the 1-D rule whatever the shape"})
    for ns, eps in [([5], 1e-6), ([5], 1e-5), ([4, 5], 1e-5)]:
        m = nn.LayerNorm(ns, eps=eps)
        with torch.no_grad():
            m.weight.copy_(affine_1d('weight', ns, True))
            m.bias.copy_(affine_1d('bias', ns, False))
        case('nn.LayerNorm_%s_eps%g' % ('x'.join(map(str, ns)), eps), 'nn.LayerNorm(%s, eps=%r)(a)' % (ns, eps), [x],
             fn=m, module=m, attrs={"normalized_shape": ns, "eps": eps,
                                    "params": "weight = 1 + 0.1*v (key 'weight'), bias = 0.1*v (key 'bias')"})
    # torchvision.models.convnext.LayerNorm2d: permute to NHWC, layer_norm over C, permute back
    from torchvision.models.convnext import LayerNorm2d
    m = LayerNorm2d(3, eps=1e-6)
    with torch.no_grad():
        m.weight.copy_(affine_1d('weight', [3], True))
        m.bias.copy_(affine_1d('bias', [3], False))
    case('convnext.LayerNorm2d_3_eps1e-06', 'torchvision.models.convnext.LayerNorm2d(3, eps=1e-6)(a)', [x], fn=m,
         module=m, attrs={"eps": 1e-6, "same_as": "F.layer_norm(a.permute(0, 2, 3, 1), (3,), w, b, 1e-6)"
                                                  ".permute(0, 3, 1, 2)"})


def misc_cases():
    x = [raw('a', [2, 3, 4, 5])]
    # torchvision.ops.stochastic_depth(input, p, mode, training): returns input unchanged if not training or p == 0;
    # else multiplies by a Bernoulli(1 - p) noise of shape [N, 1, 1, ...] ('row') or [1, 1, ...] ('batch'),
    # divided by (1 - p) when 1 - p > 0. So eval mode and p = 0 are exactly the identity (gradient = upstream).
    sd = torchvision.ops.StochasticDepth(p=0.2, mode='row').eval()
    case('StochasticDepth_p0.2_row_eval', "torchvision.ops.StochasticDepth(p=0.2, mode='row').eval()(a)", x, fn=sd,
         attrs={"p": 0.2, "mode": "row", "training": False})
    sd0 = torchvision.ops.StochasticDepth(p=0.0, mode='row').train()
    case('StochasticDepth_p0_row_train', "torchvision.ops.StochasticDepth(p=0.0, mode='row').train()(a)", x, fn=sd0,
         attrs={"p": 0.0, "mode": "row", "training": True})
    for sdim, edim in [(1, -1), (2, 3), (0, -1), (1, 2)]:
        m = nn.Flatten(sdim, edim)
        case('nn.Flatten_%d_%d' % (sdim, edim), 'nn.Flatten(%d, %d)(a)' % (sdim, edim), x, fn=m,
             attrs={"start_dim": sdim, "end_dim": edim})
    case('dropout_eval', 'F.dropout(a, p=0.5, training=False)', x, attrs={"p": 0.5, "training": False})
    d = nn.Dropout(p=0.2).eval()
    case('nn.Dropout_eval', 'nn.Dropout(p=0.2).eval()(a)', x, fn=d, attrs={"p": 0.2, "training": False})


def pad_cases():
    """F.pad, mode constant: (before, after) pairs from the last dimension; CifarResNet's option-A shortcut pads
    channels only ([0, 0, 0, 0, 4, 4])."""
    specs = [('pad_last_1_2', [2, 3, 4, 5], [1, 2], 0.0),
             ('pad_hw_1_0_2_3_value1.5', [2, 3, 4, 5], [1, 0, 2, 3], 1.5),
             ('pad_channels_0_0_0_0_4_4', [2, 3, 4, 5], [0, 0, 0, 0, 4, 4], 0.0),
             ('pad_all_1_1_0_2_2_0_1_1', [2, 3, 4, 5], [1, 1, 0, 2, 2, 0, 1, 1], -0.5),
             ('pad_rank2_3_1', [4, 6], [3, 1], 0.0)]
    for name, shape, pad, value in specs:
        case(name, 'F.pad(a, %s, mode="constant", value=%s)' % (tuple(pad), value), [raw('a', shape)],
             attrs={"pad": pad, "value": value})


def conv_cases():
    """Extras: the convolution flavours the architectures use (grouped, depthwise, strided, dilated, 1x1).
    Weight is input b (state rule of detweights under key 'weight', fan-in scaled), bias input c (0.1*v)."""
    specs = [('conv_grouped_g2', [2, 4, 7, 7], [6, 2, 3, 3], dict(stride=1, padding=1, groups=2)),
             ('conv_depthwise_s2', [2, 4, 7, 7], [4, 1, 3, 3], dict(stride=2, padding=1, groups=4)),
             ('conv_depthwise_k5_s2', [2, 4, 9, 9], [4, 1, 5, 5], dict(stride=2, padding=2, groups=4)),
             ('conv_dilated_d2', [2, 3, 9, 9], [4, 3, 3, 3], dict(stride=1, padding=2, dilation=2)),
             ('conv_1x1', [2, 3, 5, 5], [4, 3, 1, 1], dict(stride=1, padding=0)),
             ('conv_7x7_s2_p3', [2, 3, 11, 11], [4, 3, 7, 7], dict(stride=2, padding=3)),
             ('conv_k4_s4_patchify', [2, 3, 8, 8], [5, 3, 4, 4], dict(stride=4, padding=0))]
    for name, xs, ws, kw in specs:
        args = ', '.join('%s=%s' % kv for kv in kw.items())
        case(name, 'F.conv2d(a, b, c, %s)' % args,
             [raw('a', xs), detweights.tensor('weight', ws, raw=False), detweights.tensor('bias', [ws[0]], raw=False)],
             attrs=dict(kw, weight_rule="detweights state rule, key 'weight'",
                        bias_rule="detweights state rule, key 'bias' (0.1*v)"))


def main():
    t0 = time.time()
    torch.set_num_threads(1)
    binary_cases()
    shape_cases()
    reduction_cases()
    activation_cases()
    pool_cases()
    norm_cases()
    misc_cases()
    conv_cases()
    pad_cases()
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    head = {"what": "forward and backward numbers of tensor ops, functionals and layers (float32)",
            "generator": "make_ops.py", "torch": torch.__version__, "torchvision": torchvision.__version__,
            "num_threads": 1}
    text = json.dumps(head, separators=(',', ':'))[:-1] + ',"cases":[\n' + \
        ',\n'.join(json.dumps(c, separators=(',', ':')) for c in CASES) + '\n]}\n'
    path = os.path.join(HERE, 'ops.json')
    with open(path, 'w') as f:
        f.write(text)
    print('wrote', path, os.path.getsize(path), 'bytes,', len(CASES), 'cases, %d float32 values checked '
          '(%d written as exact doubles) in %.1fs' % (goldjson.checked() + (time.time() - t0,)))


if __name__ == '__main__':
    main()
