"""Numeric limits: the magnitudes the float32 kernels resolve, the integer widths they
count in, and the range checks that refuse what lies beyond (scene format, "Limits";
a whole scene is checked by `reynolds.scene_limits`).

Geometry. The kernels hold coordinates in float32 (a 24-bit significand) and classify
points by products that cancel (edge functions, squared distances), so the error of an
edge's position grows with the magnitude B of the coordinates involved. Measured over
random segments and arcs that cross a 4096 px canvas, with both ends (or the centre and
radius) near magnitude B, the largest misplacement of the edge is about 1.1e-7 B:
0.01 px at B = 1e5, 0.1 px at 1e6, a whole pixel at 1e7 (`tools/float32_resolution.py`);
at 2e19 the products overflow and a shape vanishes. `MAX_COORDINATE` = 1e5 px keeps every edge within 0.01 px of its
float64 position. Pixel samples sit at `column + u` in float32: on a canvas side of at
most 65,536 px they are resolved to 1/128 px or better.

Radii and scales. A circle's world radius, radius x scale, is at least
`MIN_RADIUS` x `MIN_SCALE` = 1e-12 px: a normal float32 number whose square is one too
(a radius of 1e-300 px would be 0 in float32, and the arc sampler would divide by it).

Colours. Compositing is a convex combination, so pixel values stay within the largest
colour magnitude; `MAX_COLOUR` = 1e6 keeps an L2 loss over the largest canvas (16.7M
pixels, 3 channels) below 1e20, far inside float64, and every float32 pixel finite.

Sample counts. The kernels count pixel samples and edge samples in 32-bit signed
integers (`ti.i32`), and the allocation of edge samples to boundary pieces adds at most
one sample per piece: counts stay at or below `MAX_SAMPLES` = 2**31 - 1. Seeds are
32-bit (`ti.u32`); `repeat` runs use seeds seed, seed + 1, ... modulo 2**32, so more than
2**32 repeats would reuse a seed.
"""

from __future__ import annotations

import numpy as np
from reynolds.errors import SceneError
from reynolds.shape_protocol import Fault

MAX_COORDINATE = (
    1e5  # px: |x|, |y| of every point a shape reaches, before and after its transform
)
MAX_CANVAS_SIDE = 65_536  # px: width and height
MIN_RADIUS = 1e-6  # px: with MIN_SCALE, a world radius stays a normal float32 number
MAX_COLOUR = 1e6  # |component| of a fill or the background
MIN_SCALE, MAX_SCALE = 1e-6, 1e6
MAX_ROTATE = 1e6  # degrees: float64 still resolves such an angle to 1e-10 degrees
MAX_SAMPLES = 2**31 - 1
MAX_REPEAT = 2**32
# Points of one polygon. The kernels test a sample against every edge of each shape in
# its tile, and the edge sampler gives every boundary piece at least one sample, so a
# polygon's cost grows with its vertex count: 100k vertices render in ~10 s and
# differentiate in ~50 s on 2 cores (tools/bench_limits.py); a million would not.
MAX_POLYGON_POINTS = 100_000


def check_count(
    value, name: str, *, minimum: int = 1, maximum: int = MAX_SAMPLES
) -> int:
    """`value` as an int if it is an integer in [minimum, maximum].

    Raises:
        SceneError: naming `name` (an option or argument), saying why.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SceneError(f"expected an integer, got {value!r}", where=name)
    if not minimum <= value <= maximum:
        reason = " (the kernels count in 32-bit integers)" if value > maximum else ""
        raise SceneError(
            f"must be an integer in [{minimum}, {maximum}]{reason}, got {value}",
            where=name,
        )
    return int(value)


def first_outside(values: np.ndarray, low: float, high: float) -> int | None:
    """Index of the first row of `values` with a component outside [low, high] (or NaN)."""
    if values.ndim == 1:
        values = values[:, None]
    bad = np.flatnonzero(~np.all((values >= low) & (values <= high), axis=1))
    return int(bad[0]) if bad.size else None


def component_outside(values: np.ndarray, low: float, high: float) -> tuple[int, float]:
    """(index, value) of the first component of a 1-D row outside [low, high]."""
    c = int(np.flatnonzero(~((values >= low) & (values <= high)))[0])
    return c, float(values[c])


def range_text(low: float, high: float, unit: str) -> str:
    """The allowed range as a message says it: "in [low, high] unit"."""
    return f"in [{low:g}, {high:g}]{unit}"


def range_fault(
    order: int,
    values: np.ndarray,
    low: float,
    high: float,
    attribute: str,
    unit: str,
    mask: np.ndarray | None = None,
) -> Fault | None:
    """The fault of the first shape whose `attribute` lies outside [low, high].

    Args:
        order: the check's rank among a shape's checks (`Fault`).
        values: `[S]` a number per shape, or `[S, n]` a vector per shape.
        attribute: JSON path of the value below `shapes[k]`; unit: for the message.
        mask: `[S]` bool, the shapes to check (default all).
    """
    if mask is not None:
        keep = mask.reshape(-1, *[1] * (values.ndim - 1))
        values = np.where(keep, values, 0.5 * (low + high))
    k = first_outside(values, low, high)
    if k is None:
        return None
    c, value = component_outside(np.atleast_1d(values[k]), low, high)
    index = f"[{c}]" if values.ndim == 2 else ""
    return (
        k,
        order,
        f"shapes[{k}].{attribute}{index}",
        f"must lie {range_text(low, high, unit)}, got {value:g}",
    )
