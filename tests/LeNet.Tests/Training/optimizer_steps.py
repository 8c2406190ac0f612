#!/usr/bin/env python3
"""Generator of OptimizerTests' expected steps: three steps of torch.optim on f(p) = p0^2 + 2*p1^2 from
p = (1, -2), in float64, printed as the literals the tests carry. PyTorch 1.13.1 (Debian's python3-torch):
    /usr/bin/python3 tests/LeNet.Tests/Training/optimizer_steps.py
CI never runs it; rerun it when an optimizer's test changes."""
import torch

def run(make):
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = make([p])
    steps = []
    for _ in range(3):
        opt.zero_grad()
        (p[0] ** 2 + 2 * p[1] ** 2).backward()
        opt.step()
        steps.append([round(v, 8) for v in p.detach().tolist()])
    return steps

cases = {
    "Sgd_Momentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
    "Sgd_NesterovWithWeightDecay": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    "Sgd_Plain": lambda ps: torch.optim.SGD(ps, lr=0.25),
    "Adam": lambda ps: torch.optim.Adam(ps, lr=0.1),
    "AdamW_DecoupledDecay": lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1),
}
print("torch", torch.__version__)
for name, make in cases.items():
    for i, step in enumerate(run(make)):
        print(f"{name} step {i + 1}: [{step[0]:.8f}f, {step[1]:.8f}f]")
