"""Writes the Fashion-MNIST excerpt beside this script: the first 400 training and 200 test records of
Debian's dataset-fashion-mnist files (/usr/share/datasets/fashion-mnist), header counts rewritten,
gzip-compressed with mtime 0 so the output is reproducible. Run: /usr/bin/python3 make_fashion_subset.py"""
import gzip
import hashlib
import os
import struct

SOURCE = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
COUNTS = {"train": 400, "t10k": 200}

for split, count in COUNTS.items():
    for kind, header, record in (("images-idx3-ubyte", 16, 784), ("labels-idx1-ubyte", 8, 1)):
        name = f"{split}-{kind}.gz"
        with gzip.open(os.path.join(SOURCE, name), "rb") as f:
            data = f.read()
        magic, total = struct.unpack(">II", data[:8])
        assert total >= count
        out = data[:4] + struct.pack(">I", count) + data[8:header] + data[header:header + count * record]
        packed = gzip.compress(out, compresslevel=9, mtime=0)
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(packed)
        print(name, count, len(packed), hashlib.sha256(packed).hexdigest())
