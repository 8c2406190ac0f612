"""PyTorch's numbers for the part-A layers of issue 14 (activations, the Softmax family, padding,
PixelShuffle, Unflatten) and the losses NLLLoss, MSELoss, BCEWithLogitsLoss.

Run with Debian's interpreter, which has PyTorch 1.13.1:
    /usr/bin/python3 tests/LeNet.Tests/Golden/torchnn/make_layers_a.py
For each case it builds the module, runs forward on a seeded input and backward with a seeded random
output gradient, and writes <case>.input, <case>.output, <case>.grad_output, <case>.grad_input (and
<case>.weight / <case>.grad_weight for PReLU) to layers_a.safetensors; the metadata maps each case to
its module's repr. Loss cases hold <case>.input, <case>.target, <case>.loss ([1]) and <case>.grad_input
(the gradient of the loss itself). Dropout is not here: its mask comes from our own Random, so the tests
check its semantics instead of torch's generator.
"""
import os

import torch
import torch.nn as nn

from fixture_io import save

HERE = os.path.dirname(os.path.abspath(__file__))
tensors = {}
metadata = {}


def case(name, module, shape, scale=1.0, weight=None, seed=None):
    g = torch.Generator().manual_seed(seed if seed is not None else len(metadata) + 1)
    x = (torch.randn(shape, generator=g, dtype=torch.float64) * scale).float().requires_grad_(True)
    if weight is not None:
        with torch.no_grad():
            module.weight.copy_(weight)
    y = module(x)
    grad_output = torch.randn(y.shape, generator=g, dtype=torch.float64).float()
    y.backward(grad_output)
    tensors[name + ".input"] = x
    tensors[name + ".output"] = y
    tensors[name + ".grad_output"] = grad_output
    tensors[name + ".grad_input"] = x.grad
    if weight is not None:
        tensors[name + ".weight"] = module.weight
        tensors[name + ".grad_weight"] = module.weight.grad
    metadata[name] = repr(module)


case("tanh", nn.Tanh(), (2, 3, 4, 5), scale=2)
case("leaky_relu", nn.LeakyReLU(), (2, 3, 4), scale=2)
case("leaky_relu_0.2", nn.LeakyReLU(0.2), (2, 3, 4), scale=2)
case("elu", nn.ELU(), (2, 3, 4), scale=2)
case("elu_0.5", nn.ELU(alpha=0.5), (2, 3, 4), scale=2)
case("selu", nn.SELU(), (2, 3, 4), scale=2)
case("prelu", nn.PReLU(), (2, 3, 4, 4), scale=2)
case("prelu_3", nn.PReLU(3, init=0.1), (2, 3, 4, 4), scale=2, weight=torch.tensor([0.1, -0.3, 0.7]))
case("prelu_3_2d", nn.PReLU(3), (4, 3), scale=2, weight=torch.tensor([0.5, 0.05, -1.2]))
case("softplus", nn.Softplus(), (2, 3, 4), scale=12)
case("softplus_2_5", nn.Softplus(beta=2.0, threshold=5.0), (2, 3, 4), scale=4)
case("softsign", nn.Softsign(), (2, 3, 4), scale=3)
case("glu", nn.GLU(), (2, 3, 8), scale=2)
case("glu_1", nn.GLU(dim=1), (2, 4, 3, 3), scale=2)
case("glu_-2", nn.GLU(dim=-2), (2, 6, 5), scale=2)
case("identity", nn.Identity(), (2, 3, 4))
case("softmax_1", nn.Softmax(dim=1), (2, 5, 3, 4), scale=3)
case("softmax_-1", nn.Softmax(dim=-1), (3, 7), scale=3)
case("softmax_0", nn.Softmax(dim=0), (4, 3, 2), scale=3)
case("softmax_large", nn.Softmax(dim=1), (3, 6), scale=60)
case("log_softmax_1", nn.LogSoftmax(dim=1), (2, 5, 3, 4), scale=3)
case("log_softmax_-1", nn.LogSoftmax(dim=-1), (3, 7), scale=3)
case("log_softmax_2", nn.LogSoftmax(dim=2), (2, 3, 4, 2), scale=3)
case("log_softmax_large", nn.LogSoftmax(dim=-1), (3, 6), scale=60)
case("softmin_1", nn.Softmin(dim=1), (2, 5, 3), scale=3)
case("softmin_-1", nn.Softmin(dim=-1), (3, 7), scale=3)
case("zero_pad_2", nn.ZeroPad2d(2), (2, 3, 4, 5))
case("zero_pad_1203", nn.ZeroPad2d((1, 2, 0, 3)), (2, 3, 4, 5))
case("zero_pad_3d", nn.ZeroPad2d((2, 0, 1, 1)), (3, 4, 5))
case("constant_pad_2130", nn.ConstantPad2d((2, 1, 3, 0), 1.5), (2, 3, 4, 5))
case("constant_pad_1", nn.ConstantPad2d(1, -0.25), (1, 2, 3, 3))
case("reflection_pad_2", nn.ReflectionPad2d(2), (2, 2, 4, 5))
case("reflection_pad_3120", nn.ReflectionPad2d((3, 1, 2, 0)), (1, 2, 4, 5))
case("reflection_pad_3d", nn.ReflectionPad2d((1, 2, 3, 1)), (2, 4, 5))
case("replication_pad_3", nn.ReplicationPad2d(3), (1, 2, 3, 4))
case("replication_pad_0241", nn.ReplicationPad2d((0, 2, 4, 1)), (2, 3, 3, 3))
case("replication_pad_3d", nn.ReplicationPad2d((2, 1, 0, 2)), (2, 3, 4))
case("pixel_shuffle_2", nn.PixelShuffle(2), (2, 8, 3, 3))
case("pixel_shuffle_3", nn.PixelShuffle(3), (1, 9, 2, 4))
case("pixel_shuffle_3d", nn.PixelShuffle(2), (4, 2, 3))
case("unflatten_1", nn.Unflatten(1, (2, 3)), (4, 6))
case("unflatten_-1", nn.Unflatten(-1, (2, -1)), (2, 3, 8))
case("unflatten_1_223", nn.Unflatten(1, (2, 2, 3)), (2, 12, 5))


def loss_case(name, module, x, target):
    x = x.float().requires_grad_(True)
    loss = module(x, target)
    loss.backward()
    tensors[name + ".input"] = x
    tensors[name + ".target"] = target.float()
    tensors[name + ".loss"] = loss.reshape(1)
    tensors[name + ".grad_input"] = x.grad
    metadata[name] = repr(module) + " reduction=" + module.reduction


g = torch.Generator().manual_seed(100)
log_probs = torch.log_softmax(torch.randn(5, 4, generator=g) * 2, dim=1)
classes = torch.tensor([3, 0, 1, 3, 2])
loss_case("nll_mean", nn.NLLLoss(), log_probs, classes)
loss_case("nll_sum", nn.NLLLoss(reduction="sum"), log_probs, classes)
prediction, wanted = torch.randn(3, 4, 2, generator=g), torch.randn(3, 4, 2, generator=g)
loss_case("mse_mean", nn.MSELoss(), prediction, wanted)
loss_case("mse_sum", nn.MSELoss(reduction="sum"), prediction, wanted)
logits = torch.randn(4, 3, generator=g) * 4
logits[0, 0], logits[1, 1], logits[2, 2] = 40.0, -40.0, 90.0
soft = torch.rand(4, 3, generator=g)
soft[3] = torch.tensor([0.0, 1.0, 1.0])
loss_case("bce_mean", nn.BCEWithLogitsLoss(), logits, soft)
loss_case("bce_sum", nn.BCEWithLogitsLoss(reduction="sum"), logits, soft)

save(os.path.join(HERE, "layers_a.safetensors"), tensors, metadata)
print(f"{len(metadata)} cases, {len(tensors)} tensors")
