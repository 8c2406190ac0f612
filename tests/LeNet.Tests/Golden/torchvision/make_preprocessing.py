"""Golden values for LeNet.Imaging.ClassifierPreprocessor: torchvision's classification preprocessing
(transforms.Resize(int) on a PIL image, CenterCrop, ToTensor, Normalize with ImageNet's mean/std) applied by real
torchvision 0.14.1 / Pillow 9.4 to small synthetic RGB pictures, written to preprocessing.json.

Each case: the picture (width, height, interleaved RGB bytes from a formula with high-frequency content, so the
antialiasing matters), the resize and crop sizes, Pillow's resized bytes (exact: the C# port must match them bit
for bit) and the final float32 tensor [3, H, W] (flat, channels first). The cases cover a landscape and a portrait
picture shrunk by non-integer factors, an upscale, a crop larger than the picture (zero padding), an odd crop
offset (Python's round of a half), and a picture whose shorter side is already the resize size (no resize).
Run: /usr/bin/python3 make_preprocessing.py   (writes preprocessing.json beside it; byte-identical on rerun)
"""
import json
import os

import numpy as np
from PIL import Image
from torchvision import transforms

from goldjson import f32list

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def picture(width, height, seed):
    y, x = np.mgrid[0:height, 0:width]
    channels = [((x * 37 + y * 91 + c * 53 + x * y * 7 + seed * 11) % 256) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.uint8)


def case(name, width, height, resize, crop, seed):
    pixels = picture(width, height, seed)
    image = Image.fromarray(pixels, "RGB")
    resized = transforms.Resize(resize)(image)
    tensor = transforms.Compose([transforms.CenterCrop(crop), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])(resized)
    return {
        "name": name, "width": width, "height": height, "pixels": pixels.reshape(-1).tolist(),
        "resize": resize, "crop": crop,
        "resized": {"width": resized.width, "height": resized.height, "pixels": np.asarray(resized).reshape(-1).tolist()},
        "shape": list(tensor.shape), "output": f32list(tensor),
    }


def main():
    cases = [
        case("landscape shrink", 23, 17, 8, 6, 1),
        case("portrait shrink, odd crop offset", 13, 31, 10, 7, 2),
        case("upscale, crop larger than the picture", 5, 4, 9, 12, 3),
        case("shorter side already the size", 11, 6, 6, 5, 4),
        case("large shrink", 97, 61, 40, 32, 5),
    ]
    out = {"torchvision": __import__("torchvision").__version__, "pillow": Image.__version__, "mean": MEAN, "std": STD, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "preprocessing.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(cases)} cases")


if __name__ == "__main__":
    main()
