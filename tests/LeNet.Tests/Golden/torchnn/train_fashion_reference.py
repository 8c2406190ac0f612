"""The d2l and bn recipes of `lenet train` in real PyTorch, on Fashion-MNIST, for the side-by-side table
in the README. Reads Debian's dataset-fashion-mnist files; 2 threads; the same hyper-parameters as the CLI:
  d2l: the sigmoid LeNet (Conv2d(1,6,5,padding=2) ...), xavier_uniform_ weights and zero biases, SGD lr 0.9, batch 256
  bn:  d2l's BatchNorm LeNet, xavier_uniform_ weights (biases at torch's default, as d2l's train_ch6), SGD lr 1.0, batch 256
Pixels are byte/255 (ToTensor), shuffled every epoch, test accuracy after each epoch; the seconds are the
training loop's only (as `lenet train` reports them).
Run: /usr/bin/python3 tests/LeNet.Tests/Golden/torchnn/train_fashion_reference.py [--epochs 10] [--recipes d2l,bn]
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
from torch import nn

FOLDER = "/usr/share/datasets/fashion-mnist"


def read(name, header):
    with gzip.open(f"{FOLDER}/{name}", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load(split):
    images = torch.from_numpy(read(f"{split}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)
    labels = torch.from_numpy(read(f"{split}-labels-idx1-ubyte.gz", 8).astype(np.int64))
    return images, labels


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def bn_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(), nn.Linear(84, 10))


def build(recipe):
    net = lenet() if recipe == "d2l" else bn_lenet()
    for m in net:
        if type(m) in (nn.Linear, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            if recipe == "d2l":
                nn.init.zeros_(m.bias)
    return net, (0.9 if recipe == "d2l" else 1.0)


def accuracy(net, images, labels):
    net.eval()
    with torch.no_grad():
        correct = sum((net(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum().item() for i in range(0, len(labels), 1000))
    return correct / len(labels)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--recipes", default="d2l,bn")
    args = parser.parse_args()
    torch.set_num_threads(2)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    results = {}
    for recipe in args.recipes.split(","):
        torch.manual_seed(0)
        net, lr = build(recipe)
        optimizer = torch.optim.SGD(net.parameters(), lr=lr)
        loss = nn.CrossEntropyLoss()
        rows = []
        for epoch in range(1, args.epochs + 1):
            net.train()
            order = torch.randperm(len(train_y))
            start = time.perf_counter()
            for i in range(0, len(order), 256):
                batch = order[i:i + 256]
                optimizer.zero_grad()
                loss(net(train_x[batch]), train_y[batch]).backward()
                optimizer.step()
            seconds = time.perf_counter() - start
            acc = accuracy(net, test_x, test_y)
            rows.append({"epoch": epoch, "test_accuracy": acc, "seconds": seconds})
            print(f"{recipe} epoch {epoch}: test accuracy {acc:.2%}, {seconds:.2f} s", flush=True)
        results[recipe] = rows
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))


if __name__ == "__main__":
    main()
