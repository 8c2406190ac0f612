"""float32 values for the golden JSON files: each is written as the shortest decimal that round-trips
to the float32 (numpy's repr of the float32), and every written string is checked to give back exactly
that float32 both when parsed directly as float32 (float.Parse, Utf8JsonReader.GetSingle) and when parsed
as float64 and then rounded to float32 (GetDouble then (float)), so either reading is exact. Where the shortest decimal is a tie between two float32s, the float32's
exact value (as the shortest float64 decimal) is written instead.
"""
from fractions import Fraction

import numpy as np

_checked = 0
_fallbacks = 0


def _ok(s: str, f: np.float32) -> bool:
    if np.float32(float(s)) != f:                  # double parse, then round to float32
        return False
    if f != 0:                                     # direct parse: f must be the nearest float32 to s, no tie
        q = Fraction(s)
        fv = Fraction(float(f))
        up = Fraction(float(np.nextafter(f, np.float32(np.inf))))
        dn = Fraction(float(np.nextafter(f, np.float32(-np.inf))))
        e = abs(q - fv)
        return e < abs(q - up) and e < abs(q - dn)
    return True


def f32(x) -> float:
    """A Python float whose repr (what json writes) is the shortest float32 round-trip decimal of x."""
    f = np.float32(x)
    assert np.isfinite(f), x
    global _checked, _fallbacks
    s = repr(float(repr(f)))
    if not _ok(s, f):
        # the shortest float32 decimal can sit exactly halfway between two float32s (e.g. 38728050.0 for
        # 38728052.0f); then write the float32's exact value as a double instead, which is unambiguous
        s = repr(float(f))
        _fallbacks += 1
        assert _ok(s, f), (s, f)
    _checked += 1
    return float(s)


def f32list(t) -> list:
    """Flat row-major list of a tensor / array, float32 shortest decimals."""
    a = t.detach().cpu().contiguous().numpy() if hasattr(t, 'detach') else np.asarray(t)
    return [f32(v) for v in a.astype(np.float32).reshape(-1)]


def f64(x) -> float:
    """float64 values (sums) are written with Python's repr (shortest round-trip of the double)."""
    x = float(x)
    assert np.isfinite(x), x
    return x


def checked():
    return _checked, _fallbacks
