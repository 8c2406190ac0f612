"""Writes test fixtures as safetensors files without the safetensors package (not in Debian 12).

Shared by the generator scripts beside it; run them with Debian's interpreter, which has PyTorch:
    /usr/bin/python3 tests/LeNet.Tests/Golden/torchnn/<script>.py
The C# tests read the files with LeNet.IO.SafeTensors.Read, so fixtures are float32 (F32) tensors,
plus a string→string __metadata__ map for each case's settings.
"""
import json
import struct

import torch


def save(path, tensors, metadata=None):
    """tensors: name -> torch tensor (converted to contiguous float32); metadata: str -> str."""
    header = {}
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
