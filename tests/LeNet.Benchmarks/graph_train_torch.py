"""The CIFAR ResNet-20's SGD step in PyTorch (libtorch) — the counterpart of `graph-probe train ours resnet20 BATCH
THREADS` (GraphNetworkProbe.Train): same architecture (He et al.'s option-A shortcut), batch, recipe (SGD lr 0.1,
momentum 0.9, weight decay 5e-4, cross-entropy), two warm-up steps then ten timed.
Usage: /usr/bin/python3 tests/LeNet.Benchmarks/graph_train_torch.py BATCH THREADS"""
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, inp, out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.pad = out - inp if stride != 1 or inp != out else 0

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x
        if self.pad:
            s = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad // 2))
        return F.relu(y + s)


class ResNet20(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, inp = [], 16
        for out, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(3):
                layers.append(Block(inp, out, stride if i == 0 else 1))
                inp = out
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


def main():
    batch, threads = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(24)
    model = ResNet20().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.rand(batch, 3, 32, 32) * 2 - 1
    t = torch.tensor([i * 7 % 10 for i in range(batch)])

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), t).backward()
        opt.step()

    step()
    step()
    start = time.perf_counter()
    for _ in range(10):
        step()
    ms = (time.perf_counter() - start) / 10 * 1000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"train resnet20 torch {torch.__version__}: batch {batch}, {threads} threads, {ms:.0f} ms per step, peak {peak:.0f} MB")


main()
