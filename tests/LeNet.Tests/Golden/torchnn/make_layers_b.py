"""Golden fixture for the layers of issue 14 part B, made by real PyTorch (1.13.1):
Conv2d (rectangular, dilated, grouped, depthwise, strided), ConvTranspose2d, MaxPool2d and AvgPool2d
with padding/ceil_mode/dilation/count_include_pad (square and rectangular), AdaptiveAvgPool2d, BatchNorm1d and BatchNorm2d.

Run with Debian's interpreter (which has torch):
    /usr/bin/python3 tests/LeNet.Tests/Golden/torchnn/make_layers_b.py
Writes layers_b.safetensors beside this script. For each case `c`, the metadata maps `c` to a JSON
config {"type", "args", "input"}; tensors are named `c.x`, `c.y`, `c.dy`, `c.dx` (train step k of a
BatchNorm: `c.x{k}` …), the parameters `c.weight`, `c.bias` (their values before the steps) and
gradients `c.weight.grad`, `c.bias.grad` (accumulated over all steps), BatchNorm's buffers after the
steps `c.running_mean`, `c.running_var`, `c.num_batches_tracked`, and its evaluation-mode pass
`c.x_eval` → `c.y_eval`.
"""
import json
import os

import torch
import torch.nn as nn

from fixture_io import save

HERE = os.path.dirname(os.path.abspath(__file__))
tensors = {}
metadata = {}


def case(name, type_name, args, input_shape, steps=1):
    torch.manual_seed(len(metadata) + 1)
    module = getattr(nn, type_name)(**args)
    for p_name, p in module.named_parameters():
        if type_name.startswith("BatchNorm"):
            # Non-default affine values, so every gradient term is exercised.
            with torch.no_grad():
                p.uniform_(0.5, 1.5) if p_name == "weight" else p.uniform_(-0.5, 0.5)
        tensors[f"{name}.{p_name}"] = p.detach().clone()
    module.train()
    for k in range(steps):
        suffix = "" if steps == 1 else str(k + 1)
        x = (torch.randn(*input_shape) * 1.5 + 0.3).requires_grad_(True)
        y = module(x)
        dy = torch.randn_like(y)
        y.backward(dy)
        tensors[f"{name}.x{suffix}"] = x.detach()
        tensors[f"{name}.y{suffix}"] = y.detach()
        tensors[f"{name}.dy{suffix}"] = dy
        tensors[f"{name}.dx{suffix}"] = x.grad.detach()
    for p_name, p in module.named_parameters():
        tensors[f"{name}.{p_name}.grad"] = p.grad.detach().clone()
    for b_name, b in module.named_buffers():
        tensors[f"{name}.{b_name}"] = b.detach().clone()
    if type_name.startswith("BatchNorm"):
        module.eval()
        x = torch.randn(*input_shape) * 1.5 + 0.3
        with torch.no_grad():
            tensors[f"{name}.x_eval"] = x
            tensors[f"{name}.y_eval"] = module(x)
    metadata[name] = json.dumps({"type": type_name, "args": args, "input": list(input_shape), "steps": steps})


# Conv2d
case("conv_rect", "Conv2d", dict(in_channels=2, out_channels=3, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2)), (2, 2, 7, 9))
case("conv_dilated", "Conv2d", dict(in_channels=2, out_channels=4, kernel_size=3, padding=2, dilation=2), (2, 2, 8, 8))
case("conv_grouped", "Conv2d", dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, bias=False), (2, 4, 6, 7))
case("conv_depthwise", "Conv2d", dict(in_channels=3, out_channels=3, kernel_size=3, padding=1, groups=3), (2, 3, 5, 6))
case("conv_depthwise_x2", "Conv2d", dict(in_channels=3, out_channels=6, kernel_size=(2, 3), stride=2, groups=3), (3, 3, 7, 8))
case("conv_all", "Conv2d", dict(in_channels=4, out_channels=8, kernel_size=3, stride=2, padding=2, bias=False, dilation=2, groups=2), (2, 4, 9, 11))
case("conv_dilation_rect", "Conv2d", dict(in_channels=2, out_channels=2, kernel_size=(3, 2), stride=(2, 1), padding=(0, 1), dilation=(1, 3)), (1, 2, 8, 9))
case("conv_wide", "Conv2d", dict(in_channels=6, out_channels=10, kernel_size=3, padding=1, groups=2, dilation=(2, 1)), (2, 6, 10, 13))
case("conv_plain_rect_input", "Conv2d", dict(in_channels=3, out_channels=5, kernel_size=3, stride=2, padding=1), (17, 3, 6, 9))

# ConvTranspose2d
case("convt_basic", "ConvTranspose2d", dict(in_channels=2, out_channels=3, kernel_size=3), (2, 2, 4, 5))
case("convt_stride", "ConvTranspose2d", dict(in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1, output_padding=1), (2, 3, 4, 4))
case("convt_rect", "ConvTranspose2d", dict(in_channels=2, out_channels=4, kernel_size=(2, 3), stride=(2, 1), padding=(0, 1)), (1, 2, 3, 5))
case("convt_dilation", "ConvTranspose2d", dict(in_channels=2, out_channels=2, kernel_size=3, stride=2, dilation=2, output_padding=1), (2, 2, 3, 4))
case("convt_groups", "ConvTranspose2d", dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2, bias=False), (2, 4, 3, 3))
case("convt_depthwise", "ConvTranspose2d", dict(in_channels=3, out_channels=3, kernel_size=4, stride=2, padding=1, groups=3), (1, 3, 4, 5))
case("convt_outpad_dilation", "ConvTranspose2d", dict(in_channels=2, out_channels=3, kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), output_padding=(1, 1), dilation=(2, 1)), (2, 2, 4, 3))

# MaxPool2d
case("max_pad", "MaxPool2d", dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 8))
case("max_ceil", "MaxPool2d", dict(kernel_size=2, ceil_mode=True), (1, 2, 5, 7))
case("max_dilation", "MaxPool2d", dict(kernel_size=3, stride=1, dilation=2), (1, 2, 7, 8))
case("max_all", "MaxPool2d", dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True), (2, 2, 8, 9))
case("max_ceil_drop", "MaxPool2d", dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), (1, 1, 4, 5))
case("max_ceil_stride3", "MaxPool2d", dict(kernel_size=2, stride=3, ceil_mode=True), (1, 2, 7, 8))

# AvgPool2d
case("avg_pad", "AvgPool2d", dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 8))
case("avg_pad_exclude", "AvgPool2d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), (2, 3, 7, 8))
case("avg_ceil", "AvgPool2d", dict(kernel_size=2, ceil_mode=True), (1, 2, 5, 7))
case("avg_ceil_pad", "AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (1, 2, 6, 8))
case("avg_ceil_pad_exclude", "AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (1, 2, 6, 8))
case("avg_stride1_pad", "AvgPool2d", dict(kernel_size=2, stride=1, padding=1), (1, 2, 4, 5))
case("avg_ceil_stride3", "AvgPool2d", dict(kernel_size=2, stride=3, ceil_mode=True), (1, 2, 7, 8))

# AdaptiveAvgPool2d
case("adaptive_1", "AdaptiveAvgPool2d", dict(output_size=1), (2, 3, 5, 7))
case("adaptive_divisible", "AdaptiveAvgPool2d", dict(output_size=(2, 3)), (2, 2, 6, 9))
case("adaptive_uneven", "AdaptiveAvgPool2d", dict(output_size=(3, 4)), (1, 2, 7, 9))
case("adaptive_up", "AdaptiveAvgPool2d", dict(output_size=5), (1, 1, 3, 4))

# BatchNorm: two training steps, then evaluation
case("bn2d", "BatchNorm2d", dict(num_features=3), (4, 3, 5, 6), steps=2)
case("bn2d_noaffine", "BatchNorm2d", dict(num_features=3, affine=False), (4, 3, 5, 6), steps=2)
case("bn2d_notrack", "BatchNorm2d", dict(num_features=3, track_running_stats=False), (2, 3, 4, 5), steps=2)
case("bn2d_eps_momentum", "BatchNorm2d", dict(num_features=2, eps=1e-3, momentum=0.3), (3, 2, 4, 4), steps=2)
case("bn1d_nc", "BatchNorm1d", dict(num_features=5), (8, 5), steps=2)
case("bn1d_ncl", "BatchNorm1d", dict(num_features=4), (3, 4, 6), steps=2)
case("bn1d_bare", "BatchNorm1d", dict(num_features=3, affine=False, track_running_stats=False), (6, 3), steps=2)

# Rectangular pooling (issue 22): a (height, width) pair for kernel, stride, padding and dilation
case("max_rect", "MaxPool2d", dict(kernel_size=(2, 3), stride=(1, 2)), (2, 2, 6, 9))
case("max_rect_all", "MaxPool2d", dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), (2, 3, 7, 8))
case("max_rect_ceil", "MaxPool2d", dict(kernel_size=(3, 4), stride=(2, 3), padding=(1, 2), dilation=(2, 1), ceil_mode=True), (1, 2, 8, 11))
case("max_rect_square_stride", "MaxPool2d", dict(kernel_size=2, stride=(2, 1)), (1, 2, 5, 6))
case("avg_rect", "AvgPool2d", dict(kernel_size=(2, 3), stride=(1, 2)), (2, 2, 6, 9))
case("avg_rect_pad", "AvgPool2d", dict(kernel_size=(3, 5), stride=(2, 3), padding=(1, 2)), (2, 3, 7, 10))
case("avg_rect_pad_exclude", "AvgPool2d", dict(kernel_size=(3, 5), stride=(2, 3), padding=(1, 2), count_include_pad=False), (2, 3, 7, 10))
case("avg_rect_ceil", "AvgPool2d", dict(kernel_size=(2, 4), stride=(3, 2), padding=(1, 1), ceil_mode=True), (1, 2, 8, 9))
case("avg_rect_ceil_exclude", "AvgPool2d", dict(kernel_size=(2, 4), stride=(3, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False), (1, 2, 8, 9))

save(os.path.join(HERE, "layers_b.safetensors"), tensors, metadata)
print(f"{len(metadata)} cases, {len(tensors)} tensors")
