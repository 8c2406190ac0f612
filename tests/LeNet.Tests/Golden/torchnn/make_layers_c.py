"""PyTorch's numbers for the part-C layers: ReLU6, Hardsigmoid, Hardswish, SiLU, GELU (exact and tanh), LayerNorm,
torchvision.ops.StochasticDepth (evaluation mode, and p = 0 in training mode) and Flatten with any start_dim/end_dim.

Run with Debian's interpreter, which has PyTorch 1.13.1 and torchvision 0.14.1:
    /usr/bin/python3 tests/LeNet.Tests/Golden/torchnn/make_layers_c.py
For each case it builds the module, runs forward on a seeded input and backward with a seeded random output
gradient, and writes <case>.input, <case>.output, <case>.grad_output, <case>.grad_input to layers_c.safetensors;
LayerNorm cases also hold <case>.weight, <case>.bias (their values, random, set before the forward) and
<case>.grad_weight, <case>.grad_bias. The metadata maps each case to its module's repr.

"layer_norm_offset" (rows of 100 ± 0.01) also holds the same computation in float64 (<case>.output_f64,
<case>.grad_input_f64, <case>.grad_weight_f64, <case>.grad_bias_f64, stored as float32): float32 PyTorch normalizes as
x·rstd − mean·rstd, whose terms near 1e4 keep only 1e-3 of absolute precision (its output is 1.2e-3 off the float64
result and its input gradient 4e-2), so the test checks LeNet against the float64 numbers there.

The "_kinks" cases put the inputs exactly on the activations' corners (0 and 6; ±3). ATen's CPU loops run 16 floats at a
time through the vectorized kernel (AVX2) and the rest through the scalar one, and the two disagree on Hardswish's gradient
at x = 3 (the scalar `hardswish_backward` takes x <= 3 -> dy·(x/3 + 0.5) = 1.5·dy, the vectorized one takes x >= 3 -> dy).
Every element of a real network's tensor but the last few goes through the vectorized kernel, so LeNet follows it, and
"hardswish_kinks" repeats its values three times and pads them to 32 (two full vectors, no scalar tail) to pin that convention.
"""
import copy
import os

import torch
import torch.nn as nn
from torchvision.ops import StochasticDepth

from fixture_io import save

HERE = os.path.dirname(os.path.abspath(__file__))
tensors = {}
metadata = {}


def case(name, module, shape=None, scale=1.0, offset=0.0, values=None, affine=False, train=True, float64=False):
    g = torch.Generator().manual_seed(len(metadata) + 1)
    if values is not None:
        x = torch.tensor(values, dtype=torch.float32)
    else:
        x = (torch.randn(shape, generator=g, dtype=torch.float64) * scale + offset).float()
    x.requires_grad_(True)
    if affine:
        with torch.no_grad():
            module.weight.copy_((torch.rand(module.weight.shape, generator=g, dtype=torch.float64) + 0.5).float())
            module.bias.copy_((torch.randn(module.bias.shape, generator=g, dtype=torch.float64) * 0.5).float())
        tensors[name + ".weight"] = module.weight.detach().clone()
        tensors[name + ".bias"] = module.bias.detach().clone()
    module.train(train)
    y = module(x)
    grad_output = torch.randn(y.shape, generator=g, dtype=torch.float64).float()
    y.backward(grad_output)
    tensors[name + ".input"] = x
    tensors[name + ".output"] = y
    tensors[name + ".grad_output"] = grad_output
    tensors[name + ".grad_input"] = x.grad
    if affine:
        tensors[name + ".grad_weight"] = module.weight.grad
        tensors[name + ".grad_bias"] = module.bias.grad
    if float64:
        # The same case in double precision: the truth where float32 PyTorch itself loses digits.
        module64 = copy.deepcopy(module).double()
        module64.zero_grad()
        x64 = x.detach().double().requires_grad_(True)
        y64 = module64(x64)
        y64.backward(grad_output.double())
        tensors[name + ".output_f64"] = y64
        tensors[name + ".grad_input_f64"] = x64.grad
        if affine:
            tensors[name + ".grad_weight_f64"] = module64.weight.grad
            tensors[name + ".grad_bias_f64"] = module64.bias.grad
    metadata[name] = repr(module) + ("" if train else " (eval)")


case("relu6", nn.ReLU6(), (2, 3, 4, 5), scale=5)
case("relu6_kinks", nn.ReLU6(), values=[-1.0, 0.0, 1e-7, 3.0, 6.0, 6.5, -0.0, 5.9999995])
case("hardsigmoid", nn.Hardsigmoid(), (2, 3, 4, 5), scale=4)
case("hardsigmoid_kinks", nn.Hardsigmoid(), values=[-4.0, -3.0, -2.9999998, 0.0, 2.9999998, 3.0, 4.0])
case("hardswish", nn.Hardswish(), (2, 3, 4, 5), scale=4)
case("hardswish_kinks", nn.Hardswish(), values=[-4.0, -3.0, -3.0000002, -2.9999998, 0.0, 2.9999998, 3.0, 3.0000002, 4.0] * 3 + [-5.0, -1.0, 1.0, 2.0, 5.0])
case("silu", nn.SiLU(), (2, 3, 4, 5), scale=4)
case("silu_wide", nn.SiLU(), values=[-100.0, -90.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 90.0, 100.0])
case("gelu", nn.GELU(), (2, 3, 4, 5), scale=3)
case("gelu_wide", nn.GELU(), values=[-12.0, -8.0, -5.5, -4.0, -1.3, -1e-4, 0.0, 1e-4, 0.66, 1.3, 4.0, 5.5, 8.0, 12.0])
case("gelu_tanh", nn.GELU(approximate="tanh"), (2, 3, 4, 5), scale=3)
case("gelu_tanh_wide", nn.GELU(approximate="tanh"), values=[-12.0, -8.0, -5.5, -4.0, -1.3, -1e-4, 0.0, 1e-4, 0.66, 1.3, 4.0, 5.5, 8.0, 12.0])
case("layer_norm_5", nn.LayerNorm(5), (3, 5), scale=2, affine=True)
case("layer_norm_34", nn.LayerNorm([3, 4]), (2, 3, 3, 4), scale=2, offset=0.5, affine=True)
case("layer_norm_no_affine", nn.LayerNorm(6, elementwise_affine=False), (2, 4, 6), scale=3)
case("layer_norm_eps", nn.LayerNorm(7, eps=1e-3), (4, 7), scale=0.05, affine=True)
case("layer_norm_offset", nn.LayerNorm(64), (3, 64), scale=0.01, offset=100.0, affine=True, float64=True)
case("layer_norm_wide", nn.LayerNorm(300), (2, 2, 300), scale=1.5, affine=True)
case("stochastic_depth_row_eval", StochasticDepth(0.5, "row"), (4, 3, 2, 2), train=False)
case("stochastic_depth_batch_eval", StochasticDepth(0.3, "batch"), (4, 5), train=False)
case("stochastic_depth_p0", StochasticDepth(0.0, "row"), (4, 3, 2, 2))
case("flatten_0", nn.Flatten(0), (2, 3, 4))
case("flatten_2_3", nn.Flatten(2, 3), (2, 3, 4, 5, 2))
case("flatten_-3_-2", nn.Flatten(-3, -2), (2, 3, 4, 5))
case("flatten_1_1", nn.Flatten(1, 1), (2, 3, 4))
case("flatten_rank1", nn.Flatten(0, -1), (6,))

save(os.path.join(HERE, "layers_c.safetensors"), tensors, metadata)
print(f"{len(metadata)} cases, {len(tensors)} tensors")
