"""The sRGB transfer curve (IEC 61966-2-1): SVG colours are sRGB, Reynolds colours linear.

Both functions take and return values in [0, 1] (the caller clamps); they are exact
inverses of each other up to float rounding (about 1e-15), apart from a sliver of width
5e-9 around the knee where the standard's two thresholds disagree (an error of at most
1e-9 there).
"""

from __future__ import annotations

import math


def srgb_to_linear(value: float) -> float:
    """Linear intensity of an sRGB-encoded component in [0, 1]."""
    if value <= 0.04045:
        return value / 12.92
    return math.pow((value + 0.055) / 1.055, 2.4)


def linear_to_srgb(value: float) -> float:
    """sRGB encoding of a linear component in [0, 1]."""
    if value <= 0.0031308:
        return value * 12.92
    return 1.055 * math.pow(value, 1.0 / 2.4) - 0.055
