"""ONNX files at the opsets where operator signatures changed, for OnnxOpsetTests, made with real PyTorch 1.13.1 and
Debian's python3-onnx 1.12 (whose own opset stops at 17).

Run with Debian's interpreter:  /usr/bin/python3 make_opset_fixtures.py

opsetnet_opset<k>.onnx (k = 7 … 16), exported by torch.onnx from OpsetNet in evaluation mode with a static batch of 2:
  Conv, Relu, BatchNormalization (outputs at 7/9, not folded: it follows a Relu), MaxPool and AveragePool with
  rectangular windows, Split ('split' attribute < 13, input ≥ 13), Clip (min/max attributes < 11, inputs ≥ 11), Pad
  (pads attribute < 11, input ≥ 11), ReduceMean (axes attribute), Squeeze/Unsqueeze (axes attribute < 13, input ≥
  13), Sigmoid, Mul with broadcasting, Concat, Flatten, Gemm.
  opsetnet.input.pb / opsetnet.output.pb: an input and PyTorch's output for it.
bn_training_opset15.onnx: Conv → Relu → BatchNormalization exported with training=TrainingMode.TRAINING (the node's
  training_mode = 1, with running-statistics outputs); bn_training.input.pb / .output.pb: PyTorch's train-mode output
  (batch statistics) for a batch of 4.
handmade_opset<k>.onnx (k = 18 … 21), built node by node with onnx.helper (no exporter writes these opsets here):
  ReduceMean and ReduceSum with axes as an input (18+), Split with num_outputs (18+), Pad with an axes input (18+),
  Squeeze/Unsqueeze with axes inputs, Clip with min/max inputs, MaxPool (dilations, ceil_mode) and AveragePool
  (opset 19: dilations [1, 1] written explicitly), Concat, Relu; OnnxOpsetTests compares them with ONNX Runtime.
  handmade.input.pb: the input.
"""
import copy
import os

import numpy as np
import onnx
import onnx.helper as h
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class OpsetNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 6 * 13, 5)

    def forward(self, x):
        y = self.bn(torch.relu(self.conv(x)))                                  # [2, 8, 12, 14]
        y = F.max_pool2d(y, (2, 3), stride=(2, 1), padding=(1, 1))             # [2, 8, 7, 14]
        a, b = torch.split(y, [3, 5], dim=1)
        a = F.hardtanh(a, -0.5, 0.75)                                          # Clip
        b = F.pad(b, (1, 1, 0, 0))                                             # [2, 5, 7, 16]
        b = F.avg_pool2d(b, (2, 4), stride=(1, 1), padding=(1, 1))            # [2, 5, 8, 15]
        b = b[:, :, :7, :14]
        y = torch.cat([a, b], 1)                                               # [2, 8, 7, 14]
        s = y.mean(dim=(2, 3), keepdim=True).squeeze(3).squeeze(2)             # ReduceMean, Squeeze
        y = y * torch.sigmoid(s).unsqueeze(2).unsqueeze(3)                     # Unsqueeze, broadcast Mul
        y = F.avg_pool2d(y, 2, ceil_mode=False)[:, :, :, :]                    # [2, 8, 3, 7]
        y = F.pad(y, (3, 3, 2, 1))                                             # [2, 8, 6, 13]
        return self.fc(torch.flatten(y, 1))


def save_tensor(array, path):
    with open(path, "wb") as f:
        f.write(onnx.numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32)).SerializeToString())


def randomise_bn(bn, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        bn.running_mean.copy_(torch.rand(bn.num_features, generator=g) - 0.5)
        bn.running_var.copy_(torch.rand(bn.num_features, generator=g) + 0.5)
        bn.weight.copy_(torch.rand(bn.num_features, generator=g) + 0.5)
        bn.bias.copy_(torch.rand(bn.num_features, generator=g) - 0.5)


def opset_net():
    torch.manual_seed(7)
    model = OpsetNet().eval()
    randomise_bn(model.bn, 8)
    x = torch.randn(2, 3, 12, 14)
    with torch.no_grad():
        y = model(x)
    save_tensor(x.numpy(), os.path.join(HERE, "opsetnet.input.pb"))
    save_tensor(y.numpy(), os.path.join(HERE, "opsetnet.output.pb"))
    for opset in range(7, 17):
        path = os.path.join(HERE, f"opsetnet_opset{opset}.onnx")
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["output"])
        ops = sorted({n.op_type for n in onnx.load(path).graph.node})
        print(opset, os.path.getsize(path), ops)


def bn_training():
    torch.manual_seed(9)
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.BatchNorm2d(4))
    randomise_bn(model[2], 10)
    exported = copy.deepcopy(model).train()
    x = torch.randn(4, 2, 6, 7)
    model.train()
    with torch.no_grad():
        y = model(x)  # batch statistics
    path = os.path.join(HERE, "bn_training_opset15.onnx")
    torch.onnx.export(exported, x, path, opset_version=15, input_names=["input"], output_names=["output"],
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    save_tensor(x.numpy(), os.path.join(HERE, "bn_training.input.pb"))
    save_tensor(y.numpy(), os.path.join(HERE, "bn_training.output.pb"))
    print("bn_training", [(n.op_type, [a.name for a in n.attribute], list(n.output)) for n in onnx.load(path).graph.node])


def i64(name, values):
    return onnx.numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def f32(name, values):
    return onnx.numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def handmade(opset):
    """x [2, 4, 9, 10] → Split(num_outputs 2) → (a: Clip(min, max inputs) → MaxPool(3×2, dilated, ceil),
    b: Pad(axes input) → AveragePool(2×3, pads, count_include_pad)) → Concat → ReduceMean(axes input, keepdims) ·
    Squeeze/Unsqueeze(axes inputs) → Mul → ReduceSum(axes input [3], keepdims 0) → Relu → Flatten."""
    nodes = [
        h.make_node("Split", ["x"], ["a", "b"], name="split", axis=1, num_outputs=2),
        h.make_node("Clip", ["a", "lo", "hi"], ["a1"], name="clip"),
        h.make_node("MaxPool", ["a1"], ["a2"], name="maxpool", kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 1, 0], dilations=[1, 2], ceil_mode=1),
        h.make_node("Pad", ["b", "pads", "zero", "pad_axes"], ["b1"], name="pad", mode="constant"),
        h.make_node("AveragePool", ["b1"], ["b2"], name="avgpool", kernel_shape=[2, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1,
                    **({"dilations": [1, 1]} if opset >= 19 else {})),
        h.make_node("Concat", ["a2", "b2"], ["c"], name="concat", axis=1),
        h.make_node("ReduceMean", ["c", "hw"], ["m"], name="mean", keepdims=1),
        h.make_node("Squeeze", ["m", "hw"], ["s"], name="squeeze"),
        h.make_node("Sigmoid", ["s"], ["g"], name="sigmoid"),
        h.make_node("Unsqueeze", ["g", "hw"], ["u"], name="unsqueeze"),
        h.make_node("Mul", ["c", "u"], ["d"], name="mul"),
        h.make_node("ReduceSum", ["d", "w"], ["e"], name="sum", keepdims=0),
        h.make_node("Relu", ["e"], ["f"], name="relu"),
        h.make_node("Flatten", ["f"], ["out"], name="flatten", axis=1),
    ]
    inits = [f32("lo", -0.4), f32("hi", 0.9), i64("pads", [0, 2, 0, 3]), f32("zero", 0.0), i64("pad_axes", [2, 3]), i64("hw", [2, 3]), i64("w", [3])]
    graph = h.make_graph(nodes, f"handmade opset {opset}", [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 4, 9, 10])],
                         [h.make_tensor_value_info("out", onnx.TensorProto.FLOAT, None)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="make_opset_fixtures.py")
    model.ir_version = 8 if opset < 19 else 9 if opset < 21 else 10
    onnx.save(model, os.path.join(HERE, f"handmade_opset{opset}.onnx"))


def main():
    opset_net()
    bn_training()
    for opset in (18, 19, 20, 21):
        handmade(opset)
    x = torch.randn(2, 4, 9, 10, generator=torch.Generator().manual_seed(3))
    save_tensor(x.numpy(), os.path.join(HERE, "handmade.input.pb"))


if __name__ == "__main__":
    main()
