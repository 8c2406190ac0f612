"""Makes the torch.save fixtures of tests/LeNet.Tests/IO/TorchFile*Tests.cs with real PyTorch (1.13.1 here).

Run with Debian's interpreter, which has PyTorch (CI never runs this; the files are committed):
    cd tests/LeNet.Tests/Golden/torch && /usr/bin/python3 make_torch_files.py

Every file is small. Expected float32 values go into *.safetensors files (fixture_io.save), which the C#
tests read with LeNet.IO.SafeTensors.Read, so nothing expected is copied from LeNet's own output.

The script also checks written_by_lenet.pt, a file written by LeNet's TorchFile.Write (regenerate it with
LENET_REGENERATE=1 dotnet test --filter TorchFileWriteTests): torch.load(weights_only=True) must read it back
with the values the C# test wrote. It prints PASS or raises.
"""
import collections
import copy
import os
import struct
import sys
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torchnn"))
from fixture_io import save  # noqa: E402

torch.manual_seed(0)
MARKER = "/tmp/lenet-pwned-XYZ"


class Net(nn.Module):
    """A small mnist_cnn.pt-style model: named attributes, functional activations and pooling in forward."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5)
        self.conv2 = nn.Conv2d(4, 8, 5)
        self.fc1 = nn.Linear(8 * 4 * 4, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class Evil:
    """What a hostile checkpoint holds: unpickling it would run a shell command."""

    def __reduce__(self):
        return (os.system, ("touch " + MARKER,))


class EvilEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch " + MARKER + "')",))


def unicode_op(text):
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def main():
    net = Net().eval()
    sd = net.state_dict()
    x = torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        y = net(x)
    save("net_io.safetensors", {"input": x, "output": y})

    # 0. Nested nn.Sequential(OrderedDict) blocks (the classic LeNet-5 repositories' layout): keys convnet.c1.weight, …
    nested = nn.Sequential(collections.OrderedDict([
        ("convnet", nn.Sequential(collections.OrderedDict([("c1", nn.Conv2d(1, 2, 5)), ("relu1", nn.ReLU()), ("s2", nn.MaxPool2d(2))]))),
        ("fc", nn.Sequential(collections.OrderedDict([("flat", nn.Flatten()), ("f6", nn.Linear(2 * 12 * 12, 10))]))),
    ])).eval()
    with torch.no_grad():
        nested_y = nested(x)
    torch.save(nested.state_dict(), "nested.pt")
    save("nested_io.safetensors", {"input": x, "output": nested_y})
    assert list(nested.state_dict()) == ["convnet.c1.weight", "convnet.c1.bias", "fc.f6.weight", "fc.f6.bias"]

    # 1. The zip format (PyTorch >= 1.6); 1.13 names the folder after the file ("net_zip/data.pkl") and writes no byteorder record.
    torch.save(sd, "net_zip.pt")
    # 2. The legacy format.
    torch.save(sd, "net_legacy.pt", _use_new_zipfile_serialization=False)
    # 3. A file saved from the GPU: PyTorch 1.13 here has no CUDA, so the location tag 'cpu' is rewritten to
    #    'cuda:0' in data.pkl (BINUNICODE 'cpu' -> BINUNICODE 'cuda:0'); torch.load(map_location='cpu') reads it.
    #    The folder is renamed too ("archive", as PyTorch 2 names it) and a byteorder record added.
    torch.save(sd, "tmp.pt")
    with zipfile.ZipFile("tmp.pt") as zin, zipfile.ZipFile("net_cuda.pth", "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            name = "archive/" + info.filename.split("/", 1)[1]
            if name == "archive/data.pkl":
                assert data.count(unicode_op("cpu")) == 1  # memoized after its first use
                data = data.replace(unicode_op("cpu"), unicode_op("cuda:0"))
            zout.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
            if name == "archive/data.pkl":
                zout.writestr(zipfile.ZipInfo("archive/byteorder", date_time=(1980, 1, 1, 0, 0, 0)), b"little")
    os.remove("tmp.pt")
    loaded = torch.load("net_cuda.pth", map_location="cpu")
    assert all(torch.equal(loaded[k], sd[k]) for k in sd)
    assert b"cuda:0" in zipfile.ZipFile("net_cuda.pth").read("archive/data.pkl")

    # 4. A training checkpoint, as the PyTorch tutorials save one.
    trained = copy.deepcopy(net).train()  # one Adam step on a copy: the optimizer gets state, sd stays as it is
    optimizer = torch.optim.Adam(trained.parameters(), lr=1e-3)
    F.cross_entropy(trained(x), torch.tensor([3, 7])).backward()
    optimizer.step()
    torch.save({"epoch": 3, "model_state_dict": sd, "optimizer_state_dict": optimizer.state_dict(), "loss": 0.25}, "net_checkpoint.pt")
    # 4b. A checkpoint with two model-sized state dicts (a model and its EMA copy): ambiguous.
    torch.save({"model": sd, "ema": sd}, "net_two_models.pt")

    # 5. DataParallel: keys gain a "module." prefix.
    torch.save(nn.DataParallel(net).state_dict(), "net_dataparallel.pt")
    assert next(iter(torch.load("net_dataparallel.pt"))).startswith("module.")

    # 6. A whole pickled model (torch.save(model)): the pickle names __main__.Net.
    torch.save(net, "net_module.pt")

    # 7. Dtypes: float64, float16, bfloat16, int64, int32, uint8, bool; expected float32 values beside them.
    dt = collections.OrderedDict()
    dt["f64"] = torch.randn(3, 2, dtype=torch.float64)
    dt["f16"] = torch.randn(2, 3).half()
    dt["bf16"] = torch.randn(5).bfloat16()
    dt["i64"] = torch.tensor([[-3, 0], [16777216, 42]], dtype=torch.int64)
    dt["i32"] = torch.tensor([7, -8], dtype=torch.int32)
    dt["u8"] = torch.tensor([0, 255], dtype=torch.uint8)
    dt["b"] = torch.tensor([True, False])
    dt["scalar"] = torch.tensor(2.5)
    torch.save(dt, "dtypes.pt")
    save("dtypes_expected.safetensors", {k: v.float() for k, v in dt.items()})
    torch.save({"big": torch.tensor([2 ** 40 + 1])}, "int_inexact.pt")

    # 8. BatchNorm buffers: running stats and the int64 num_batches_tracked.
    bn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    bn.train()
    bn(torch.randn(4, 1, 6, 6))
    bn(torch.randn(4, 1, 6, 6))
    torch.save(bn.state_dict(), "batchnorm.pt")
    save("batchnorm_expected.safetensors", {k: v.float() for k, v in bn.state_dict().items()})
    assert bn.state_dict()["1.num_batches_tracked"].dtype == torch.int64

    # 9. Shared storage and views: a base tensor, slices, a transpose, a column, a row at an offset.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    views = collections.OrderedDict()
    views["base"] = base
    views["block"] = base[1:3, 2:5]
    views["transposed"] = base.t()
    views["column"] = base[:, 3]
    views["row2"] = base[2]
    views["strided"] = base[::2, ::3]
    assert views["row2"].storage_offset() == 12 and not views["transposed"].is_contiguous()
    torch.save(views, "views.pt")
    torch.save(views, "views_legacy.pt", _use_new_zipfile_serialization=False)
    save("views_expected.safetensors", {k: v.contiguous() for k, v in views.items()})
    back = torch.load("views.pt")
    assert back["block"].storage().data_ptr() == back["base"].storage().data_ptr()  # one storage, shared

    # 10. Hostile pickles: os.system (pickled as posix.system on Linux), builtins.eval, both formats.
    torch.save({"w": torch.ones(2), "payload": Evil()}, "evil_system.pt")
    torch.save({"w": torch.ones(2), "payload": Evil()}, "evil_system_legacy.pt", _use_new_zipfile_serialization=False)
    torch.save({"w": torch.ones(2), "payload": EvilEval()}, "evil_eval.pt")
    assert b"posix" in zipfile.ZipFile("evil_system.pt").read("evil_system/data.pkl")
    assert not os.path.exists(MARKER), "generating must not run the payload"

    # 10b. The state dict TorchFileWriteTests writes, saved by torch itself: the C# test compares its records.
    save_known()

    # 11. Our own writer's file, read back by real PyTorch.
    if os.path.exists("written_by_lenet.pt"):
        got = torch.load("written_by_lenet.pt", weights_only=True)
        assert isinstance(got, collections.OrderedDict), type(got)
        assert list(got) == ["conv1.weight", "conv1.bias", "fc.weight", "bn.num_batches_tracked", "empty"], list(got)
        # The C# test writes element i of each float tensor as (i + 1) / 8 - 1 (exact in float32).
        for k in ["conv1.weight", "conv1.bias", "fc.weight", "empty"]:
            t = got[k]
            assert t.dtype == torch.float32, (k, t.dtype)
            expected = (torch.arange(t.numel(), dtype=torch.float32) + 1) / 8 - 1
            assert torch.equal(t.flatten(), expected), k
        assert got["conv1.weight"].shape == (2, 1, 3, 3) and got["conv1.bias"].shape == (2,)
        assert got["fc.weight"].shape == (3, 4) and got["empty"].shape == (0, 3)
        assert got["bn.num_batches_tracked"].dtype == torch.int64 and got["bn.num_batches_tracked"].shape == ()
        assert got["bn.num_batches_tracked"].item() == 12345
        m = nn.Module()
        m.conv1 = nn.Conv2d(1, 2, 3)
        m.fc = nn.Linear(4, 3, bias=False)
        m.load_state_dict({k: got[k] for k in ["conv1.weight", "conv1.bias", "fc.weight"]})
        print("written_by_lenet.pt: PASS (torch.load(weights_only=True) in PyTorch " + torch.__version__ + ")")

    total = sum(os.path.getsize(f) for f in os.listdir(".") if f.endswith((".pt", ".pth", ".safetensors")))
    print(f"fixtures: {total} bytes")


def save_known():
    """known_by_torch.pt: torch.save of the state dict TorchFileWriteTests.Known() builds (element i of each float
    tensor (i + 1) / 8 - 1, a 0-d int64 counter 12345); TorchFile.Write must store the same records, byte for byte."""
    def ramp(*shape):
        n = 1
        for s in shape:
            n *= s
        return ((torch.arange(n, dtype=torch.float32) + 1) / 8 - 1).reshape(*shape)

    known = collections.OrderedDict()
    known["conv1.weight"] = ramp(2, 1, 3, 3)
    known["conv1.bias"] = ramp(2)
    known["fc.weight"] = ramp(3, 4)
    known["bn.num_batches_tracked"] = torch.tensor(12345)
    known["empty"] = ramp(0, 3)
    torch.save(known, "known_by_torch.pt")


if __name__ == "__main__":
    main()
