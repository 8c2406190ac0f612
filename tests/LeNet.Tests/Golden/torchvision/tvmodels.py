"""The torchvision 0.14.1 classification architectures covered by the golden files, and how they are built.

Shared by make_manifest.py, make_outputs.py and make_training.py (run with /usr/bin/python3).
"""
import contextlib
import warnings

import torch
import torchvision
import torchvision.models as tvm
import torchvision.models.regnet as tv_regnet

REGNETS = [n for n in tv_regnet.__all__ if n.startswith('regnet_')]
REGNETS = sorted([n for n in REGNETS if n.startswith('regnet_x_')], key=REGNETS.index) + \
          sorted([n for n in REGNETS if n.startswith('regnet_y_')], key=REGNETS.index)

NAMES = (
    ['alexnet']
    + ['vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19', 'vgg19_bn']
    + ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152']
    + ['resnext50_32x4d', 'resnext101_32x8d', 'resnext101_64x4d']
    + ['wide_resnet50_2', 'wide_resnet101_2']
    + ['squeezenet1_0', 'squeezenet1_1']
    + ['densenet121', 'densenet161', 'densenet169', 'densenet201']
    + ['googlenet', 'inception_v3']
    + ['shufflenet_v2_x0_5', 'shufflenet_v2_x1_0', 'shufflenet_v2_x1_5', 'shufflenet_v2_x2_0']
    + ['mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large']
    + ['mnasnet0_5', 'mnasnet0_75', 'mnasnet1_0', 'mnasnet1_3']
    + ['efficientnet_b%d' % i for i in range(8)]
    + ['efficientnet_v2_s', 'efficientnet_v2_m', 'efficientnet_v2_l']
    + REGNETS
    + ['convnext_tiny', 'convnext_small', 'convnext_base', 'convnext_large']
)


@contextlib.contextmanager
def no_init():
    """Turns every torch.nn.init.*_ function into a no-op while models are built: the parameters keep
    torch.empty's contents. Only for speed (regnet_y_128gf has ~645M parameters); every state-dict tensor
    is overwritten afterwards (detweights.fill_state) or only its shape is read (manifest)."""
    saved = {}
    for name in dir(torch.nn.init):
        f = getattr(torch.nn.init, name)
        if name.endswith('_') and not name.startswith('_') and callable(f):
            saved[name] = f
            setattr(torch.nn.init, name, lambda tensor, *a, **k: tensor)
    try:
        yield
    finally:
        for name, f in saved.items():
            setattr(torch.nn.init, name, f)


def build(name, num_classes=1000, fast=True, **kwargs):
    """torchvision.models.__dict__[name](weights=None, num_classes=..., **kwargs)."""
    ctor = tvm.__dict__[name]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        if fast:
            with no_init():
                return ctor(weights=None, num_classes=num_classes, **kwargs)
        return ctor(weights=None, num_classes=num_classes, **kwargs)


def versions():
    """torch.__version__ / torchvision.__version__ of Debian's build read 1.13.0a0 / 0.14.1a0; the Debian
    package versions say which upstream release it is (PyTorch 1.13.1, torchvision 0.14.1)."""
    import subprocess
    out = {"torch": torch.__version__, "torchvision": torchvision.__version__}
    for pkg in ["python3-torch", "python3-torchvision", "python3-numpy"]:
        try:
            out[pkg] = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                                      text=True).stdout.strip()
        except OSError:
            pass
    return out
