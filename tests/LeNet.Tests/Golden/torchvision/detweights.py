"""Deterministic weights and inputs shared by the torchvision / graphs golden generators.

Run with Debian's interpreter (PyTorch 1.13.1, torchvision 0.14.1):
    /usr/bin/python3 tests/LeNet.Tests/Golden/torchvision/detweights.py      # prints the self-check

Every state-dict tensor of a model is overwritten with values from this function, so no weights are
committed; the C# side reimplements it exactly. THE SPEC (all integer arithmetic on unsigned 32 bits):

    def fnv1a32(key: str) -> int:
        h = 0x811C9DC5
        for b in key.encode('utf-8'):
            h ^= b
            h = (h * 0x01000193) & 0xFFFFFFFF
        return h

    def fmix32(x):
        x ^= x >> 16; x = (x * 0x85EBCA6B) & 0xFFFFFFFF
        x ^= x >> 13; x = (x * 0xC2B2AE35) & 0xFFFFFFFF
        x ^= x >> 16
        return x

    element i (0-based, flat row-major index) of tensor `key` with shape `shape` (numel elements):
      x = fmix32((fnv1a32(key) ^ ((i * 0x9E3779B9) & 0xFFFFFFFF)) & 0xFFFFFFFF)
      u = (x >> 8) / 16777216.0          # in [0, 1), exact (24-bit integer / 2^24)
      v = 2*u - 1                        # in [-1, 1), exact in float64
      if key endswith 'num_batches_tracked': value = 0
      elif key endswith 'running_var':       value = 0.5 + u
      elif key endswith 'running_mean':      value = 0.1 * v
      elif len(shape) <= 1:                  value = 1 + 0.1*v if key endswith 'weight' else 0.1*v
      else: fan_in = numel // shape[0];     value = v * sqrt(3.0/fan_in) if fan_in > 1 else 0.5 + 0.1*v
      computed in float64, then rounded (round-to-nearest-even) to float32
      (integer buffers: cast to their dtype, i.e. num_batches_tracked = 0 as int64).

    Inputs ("raw" rule): key "input" (or "a", "b", "upstream", ...), value = v for every element,
    whatever the shape (the len(shape) <= 1 rule is NOT applied), float64 -> float32.
    Division denominators in graphs/ops.json use 1.5 + 0.5*v (raw rule, then this affine map, in float64).

    Notes for a port: the multiplications are 32x32 -> low 32 bits (C#: uint arithmetic, unchecked);
    i * 0x9E3779B9 is taken modulo 2^32 (i as uint is enough, tensors here have < 2^32 elements);
    0.1*v, 1 + 0.1*v, v * Math.Sqrt(3.0 / fan_in) are plain float64 operations, no FMA; then (float).
    fan_in uses integer division numel / shape[0] (e.g. ConvNeXt layer_scale [C,1,1] -> fan_in 1 ->
    0.5 + 0.1*v; depthwise conv [C,1,3,3] -> fan_in 9).

Vectorized with numpy, uint64 arithmetic masked to 32 bits, in chunks (models up to ~650M parameters).
"""
import math

import numpy as np

M32 = np.uint64(0xFFFFFFFF)
_CHUNK = 1 << 22


def fnv1a32(key: str) -> int:
    h = 0x811C9DC5
    for b in key.encode('utf-8'):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def fmix32(x: int) -> int:
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & 0xFFFFFFFF
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & 0xFFFFFFFF
    x ^= x >> 16
    return x


def scalar_u(key: str, i: int) -> float:
    """Pure-Python reference of u for one element (used to cross-check the vectorized code)."""
    x = fmix32((fnv1a32(key) ^ ((i * 0x9E3779B9) & 0xFFFFFFFF)) & 0xFFFFFFFF)
    return (x >> 8) / 16777216.0


def scalar_value(key: str, shape, i: int) -> float:
    """Pure-Python reference of the state-dict rule for one element (float64, before float32 rounding)."""
    shape = list(shape)
    numel = int(np.prod(shape)) if shape else 1
    u = scalar_u(key, i)
    v = 2 * u - 1
    if key.endswith('num_batches_tracked'):
        return 0.0
    if key.endswith('running_var'):
        return 0.5 + u
    if key.endswith('running_mean'):
        return 0.1 * v
    if len(shape) <= 1:
        return 1 + 0.1 * v if key.endswith('weight') else 0.1 * v
    fan_in = numel // shape[0]
    return v * math.sqrt(3.0 / fan_in) if fan_in > 1 else 0.5 + 0.1 * v


def _u_range(h: int, start: int, count: int) -> np.ndarray:
    i = np.arange(start, start + count, dtype=np.uint64)
    x = (i * np.uint64(0x9E3779B9)) & M32
    x ^= np.uint64(h)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & M32
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & M32
    x ^= x >> np.uint64(16)
    return (x >> np.uint64(8)).astype(np.float64) / 16777216.0


def values(key: str, shape, raw: bool = False) -> np.ndarray:
    """float32 numpy array of the given shape. raw=True: the input rule (value = v)."""
    shape = [int(s) for s in shape]
    numel = int(np.prod(shape)) if shape else 1
    out = np.empty(numel, dtype=np.float32)
    h = fnv1a32(key)
    if not raw and key.endswith('num_batches_tracked'):
        out[:] = 0
        return out.reshape(shape)
    if not raw and len(shape) > 1:
        fan_in = numel // shape[0]
    for start in range(0, numel, _CHUNK):
        count = min(_CHUNK, numel - start)
        u = _u_range(h, start, count)
        v = 2.0 * u - 1.0
        if raw:
            val = v
        elif key.endswith('running_var'):
            val = 0.5 + u
        elif key.endswith('running_mean'):
            val = 0.1 * v
        elif len(shape) <= 1:
            val = 1.0 + 0.1 * v if key.endswith('weight') else 0.1 * v
        elif fan_in > 1:
            val = v * math.sqrt(3.0 / fan_in)
        else:
            val = 0.5 + 0.1 * v
        out[start:start + count] = val.astype(np.float32)
    return out.reshape(shape)


def tensor(key: str, shape, raw: bool = True):
    """torch float32 tensor; raw=True (default) is the input rule, as used for "input", "a", "upstream"."""
    import torch
    return torch.from_numpy(values(key, shape, raw=raw).copy())


def fill_state(model) -> int:
    """Overwrites every state-dict entry of model in place; returns the number of elements written.
    Also checks that every parameter and buffer is reachable through the state dict."""
    import torch
    sd = model.state_dict(keep_vars=True)
    names = set(sd)
    for n, _ in model.named_parameters():
        assert n in names, n
    for n, _ in model.named_buffers():
        assert n in names, n
    total = 0
    with torch.no_grad():
        for key, t in sd.items():
            arr = values(key, t.shape)
            if t.dtype.is_floating_point:
                t.copy_(torch.from_numpy(arr).to(t.dtype))
            else:
                t.copy_(torch.from_numpy(arr.astype(np.int64)).to(t.dtype))
            total += t.numel()
    return total


def f32repr(x) -> float:
    """A Python float equal to the float32 value x; json writes it with repr, which round-trips."""
    return float(np.float32(x))


def self_check():
    """The first 4 values of "conv1.weight" [64,3,7,7] and of "input" [2,3,8,8] (raw), as floats of the float32s,
    plus a few more probes; cross-checked against the pure-Python scalar reference."""
    probes = [("conv1.weight", [64, 3, 7, 7], False), ("input", [2, 3, 8, 8], True),
              ("bn1.weight", [64], False), ("bn1.bias", [64], False), ("bn1.running_mean", [64], False),
              ("bn1.running_var", [64], False), ("fc.weight", [10, 512], False),
              ("features.1.0.layer_scale", [96, 1, 1], False)]
    out = {}
    for key, shape, raw in probes:
        arr = values(key, shape, raw=raw).reshape(-1)
        first = [float(a) for a in arr[:4]]
        for i in range(4):
            ref = 2 * scalar_u(key, i) - 1 if raw else scalar_value(key, shape, i)
            assert float(np.float32(ref)) == first[i], (key, i, ref, first[i])
        out[key] = {"shape": shape, "rule": "raw" if raw else "state", "first4": first,
                    "fnv1a32": fnv1a32(key),
                    "x_first4": [fmix32((fnv1a32(key) ^ ((i * 0x9E3779B9) & 0xFFFFFFFF)) & 0xFFFFFFFF)
                                 for i in range(4)]}
    # a far index exercises the 32-bit wrap of i * 0x9E3779B9
    far = 123456789
    arr = values("x", [far + 1], raw=True)
    assert float(arr[far]) == float(np.float32(2 * scalar_u("x", far) - 1))
    out["x"] = {"shape": [far + 1], "rule": "raw", "index": far, "value": float(arr[far])}
    return out


if __name__ == "__main__":
    import json
    for k, v in self_check().items():
        print(k, json.dumps(v))
