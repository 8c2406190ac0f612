"""The resnet recipe of `lenet train` in real PyTorch, on Fashion-MNIST: the same network (d2l's Residual blocks,
32/64/128 channels at strides 1/2/2, registered under the same names, so state dicts move both ways), the same
initialisation (torch's default), optimizer (SGD lr 0.1, momentum 0.9, weight decay 5e-4 on every parameter),
schedule (CosineAnnealingLR to 0 over the run's epochs, stepped once per epoch), batch 128, no augmentation,
BatchNorm in training mode while training. Reads Debian's dataset-fashion-mnist files; 2 threads unless --threads.
Pixels are byte/255 (ToTensor), shuffled every epoch, test accuracy after each epoch. The seconds are the training
loop's only (as `lenet train` reports them); per step, the wall-clock median and the CPU time (process_time) mean.
Run: /usr/bin/python3 tests/LeNet.Tests/Golden/torchnn/train_fashion_resnet_reference.py [--epochs 10] [--blocks 1] [--threads 2]
"""
import argparse
import gzip
import json
import statistics
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

FOLDER = "/usr/share/datasets/fashion-mnist"


def read(name, header):
    with gzip.open(f"{FOLDER}/{name}", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load(split):
    images = torch.from_numpy(read(f"{split}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)
    labels = torch.from_numpy(read(f"{split}-labels-idx1-ubyte.gz", 8).astype(np.int64))
    return images, labels


class Residual(nn.Module):
    """d2l's Residual (section 8.6), with the input channels given instead of Lazy layers."""

    def __init__(self, in_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(in_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


class FashionResNet(nn.Module):
    """src/LeNet.Cli/Networks/FashionResNet.cs: stem, three stages, global average pool, linear."""

    def __init__(self, blocks_per_stage=1, num_classes=10, channels=(32, 64, 128)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, channels[0], kernel_size=3, padding=1), nn.BatchNorm2d(channels[0]), nn.ReLU())
        previous = channels[0]
        for s, c in enumerate(channels):
            stride = 1 if s == 0 else 2
            blocks = []
            for b in range(blocks_per_stage):
                first = b == 0
                in_channels = previous if first else c
                blocks.append(Residual(in_channels, c, use_1x1conv=first and (stride != 1 or in_channels != c), strides=stride if first else 1))
            setattr(self, f"stage{s + 1}", nn.Sequential(*blocks))
            previous = c
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(previous, num_classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.stage3(self.stage2(self.stage1(x)))
        return self.fc(self.flatten(self.pool(x)))


def accuracy(net, images, labels):
    net.eval()
    with torch.no_grad():
        correct = sum((net(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum().item() for i in range(0, len(labels), 1000))
    return correct / len(labels)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--blocks", type=int, default=1, help="Residual blocks per stage (the C# recipe's ResNetBlocksPerStage)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (lenet train --threads)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many steps (timing only; 0: the whole epoch)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    torch.manual_seed(0)
    net = FashionResNet(args.blocks)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss = nn.CrossEntropyLoss()
    print(f"{sum(p.numel() for p in net.parameters()):,} parameters", flush=True)
    rows = []
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(train_y))
        steps, cpu_steps = [], []
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(0, len(order), 128):
            if args.max_steps and len(steps) == args.max_steps:
                break
            batch = order[i:i + 128]
            t, c = time.perf_counter(), time.process_time()
            optimizer.zero_grad()
            loss(net(train_x[batch]), train_y[batch]).backward()
            optimizer.step()
            steps.append(time.perf_counter() - t)
            cpu_steps.append(time.process_time() - c)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        schedule.step()
        acc = accuracy(net, test_x, test_y)
        row = {"epoch": epoch, "test_accuracy": acc, "seconds": seconds, "cpu_seconds": cpu, "steps": len(steps),
               "median_step_ms": 1000 * statistics.median(steps), "mean_cpu_step_ms": 1000 * statistics.mean(cpu_steps)}
        rows.append(row)
        print(f"epoch {epoch}: test accuracy {acc:.2%}, {seconds:.1f} s ({cpu:.1f} s CPU) for {len(steps)} steps, "
              f"median {row['median_step_ms']:.0f} ms per step of 128, {row['mean_cpu_step_ms']:.0f} ms CPU", flush=True)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blocks": args.blocks, "results": rows}))


if __name__ == "__main__":
    main()
