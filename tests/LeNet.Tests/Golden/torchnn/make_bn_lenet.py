"""d2l's BatchNorm LeNet (the batch-normalization chapter, concise version) in PyTorch, for
LeNetFactory.CreateBatchNorm's golden test. Run: /usr/bin/python3 tests/LeNet.Tests/Golden/torchnn/make_bn_lenet.py

Writes beside this script:
  bn_lenet.safetensors     the state dict (0.weight ... 15.bias, running statistics and num_batches_tracked
                           as float32) after 5 SGD steps (lr 1.0, batch 32, d2l's xavier_uniform_ init), so
                           the running statistics are not their initial 0 and 1;
  bn_lenet-io.safetensors  input [8,1,28,28]; eval_output (evaluation mode, running statistics);
                           train_output (training mode, batch statistics) and after.<key>, the buffers after
                           that training-mode forward (running statistics updated once more).
"""
import os

import torch
from torch import nn

import fixture_io

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
    nn.Linear(84, 10))


def init_weights(m):
    # d2l's train_ch6
    if type(m) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)


net.apply(init_weights)
optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
loss = nn.CrossEntropyLoss()
net.train()
for step in range(5):
    # Inputs with a per-step offset and scale, so the batch statistics differ from step to step.
    x = torch.rand(32, 1, 28, 28) * (0.5 + 0.1 * step) + 0.05 * step
    y = torch.randint(0, 10, (32,))
    optimizer.zero_grad()
    loss(net(x), y).backward()
    optimizer.step()

state = {k: v.clone() for k, v in net.state_dict().items()}
x = torch.rand(8, 1, 28, 28)
with torch.no_grad():
    net.eval()
    eval_output = net(x)
    net.train()
    train_output = net(x)
after = net.state_dict()

fixture_io.save(os.path.join(HERE, "bn_lenet.safetensors"), state, {"format": "pt", "source": "make_bn_lenet.py", "torch": torch.__version__})
io = {"input": x, "eval_output": eval_output, "train_output": train_output}
io.update({"after." + k: v for k, v in after.items() if "running" in k or "num_batches" in k})
fixture_io.save(os.path.join(HERE, "bn_lenet-io.safetensors"), io, {"source": "make_bn_lenet.py", "torch": torch.__version__})
print("keys:", list(state.keys()))
print("running_mean 1:", state["1.running_mean"][:3].tolist(), "num_batches_tracked:", int(state["1.num_batches_tracked"]))
