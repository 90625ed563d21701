"""Numeric limits: the magnitudes the float32 kernels resolve, the integer widths they
count in, and the checks that refuse what lies beyond (scene format, "Limits").

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
from reynolds.frames import Frames, frames_of
from reynolds.scene import Circle, Scene

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


def _first_outside(values: np.ndarray, low: float, high: float) -> int | None:
    """Index of the first row of `values` with a component outside [low, high] (or NaN)."""
    if values.ndim == 1:
        values = values[:, None]
    bad = np.flatnonzero(~np.all((values >= low) & (values <= high), axis=1))
    return int(bad[0]) if bad.size else None


def _component(values: np.ndarray, low: float, high: float) -> tuple[int, float]:
    """(index, value) of the first component of a 1-D row outside [low, high]."""
    c = int(np.flatnonzero(~((values >= low) & (values <= high)))[0])
    return c, float(values[c])


def _range_text(low: float, high: float, unit: str) -> str:
    return f"in [{low:g}, {high:g}]{unit}"


def check_scene_limits(scene: Scene, frames: Frames | None = None) -> None:
    """Refuse a scene with a value beyond the supported magnitudes (module docstring).

    Checks the canvas side, colours, coordinates, radii, transforms, and every point
    each shape reaches after its transform. NaN and infinities fail too (a `Scene` built
    in code has not been through the loader).

    Raises:
        SceneError: for the first faulty shape in the list, with the JSON path of the
            value (`shapes[2].radius`, `canvas.width`).
    """
    canvas = scene.canvas
    for side in ("width", "height"):
        if getattr(canvas, side) > MAX_CANVAS_SIDE:
            raise SceneError(
                f"must be at most {MAX_CANVAS_SIDE} px (float32 resolves sample "
                f"positions to 1/128 px up to there), got {getattr(canvas, side)}",
                where=f"canvas.{side}",
            )
    background = np.array(canvas.background, dtype=np.float64)
    if _first_outside(background[None], -MAX_COLOUR, MAX_COLOUR) is not None:
        c, value = _component(background, -MAX_COLOUR, MAX_COLOUR)
        raise SceneError(
            f"must lie {_range_text(-MAX_COLOUR, MAX_COLOUR, '')}, got {value:g}",
            where=f"canvas.background[{c}]",
        )
    shapes = scene.shapes
    if not shapes:
        return
    for k, shape in enumerate(shapes):
        if not isinstance(shape, Circle) and len(shape.points) > MAX_POLYGON_POINTS:
            raise SceneError(
                f"a polygon has at most {MAX_POLYGON_POINTS:,} points (the kernels' "
                f"cost grows with them), got {len(shape.points):,}",
                where=f"shapes[{k}].points",
            )

    # Values may be beyond float64's comfort (1e308): the checks below decide, quietly.
    def quiet():
        return np.errstate(over="ignore", invalid="ignore")

    if frames is None:
        with quiet():
            frames = frames_of(scene)
    starts = frames.starts
    is_circle = np.array([isinstance(s, Circle) for s in shapes])
    faults: list[tuple[int, int, str, str]] = []  # (shape, check order, path, message)

    def per_shape(order, values, low, high, attribute, unit, mask=None):
        # values: [S] for a number per shape, [S, n] for a vector; mask: shapes to check.
        if mask is not None:
            keep = mask.reshape(-1, *[1] * (values.ndim - 1))
            values = np.where(keep, values, 0.5 * (low + high))
        k = _first_outside(values, low, high)
        if k is None:
            return
        c, value = _component(np.atleast_1d(values[k]), low, high)
        index = f"[{c}]" if values.ndim == 2 else ""
        faults.append(
            (
                k,
                order,
                f"shapes[{k}].{attribute}{index}",
                f"must lie {_range_text(low, high, unit)}, got {value:g}",
            )
        )

    fills = np.array([s.fill for s in shapes], dtype=np.float64)
    per_shape(0, fills, -MAX_COLOUR, MAX_COLOUR, "fill", "")
    v = _first_outside(frames.local, -MAX_COORDINATE, MAX_COORDINATE)
    if v is not None:
        k = int(frames.owner[v])
        c, value = _component(frames.local[v], -MAX_COORDINATE, MAX_COORDINATE)
        faults.append(
            (
                k,
                1,
                f"shapes[{k}].points[{v - starts[k]}][{c}]",
                f"must lie {_range_text(-MAX_COORDINATE, MAX_COORDINATE, ' px')}, "
                f"got {value:g}",
            )
        )
    per_shape(
        1, frames.pivot, -MAX_COORDINATE, MAX_COORDINATE, "center", " px", is_circle
    )
    per_shape(2, frames.radius, MIN_RADIUS, MAX_COORDINATE, "radius", " px", is_circle)
    per_shape(
        3,
        frames.translate,
        -MAX_COORDINATE,
        MAX_COORDINATE,
        "transform.translate",
        " px",
    )
    rotate = np.array([s.transform.rotate for s in shapes], dtype=np.float64)
    per_shape(4, rotate, -MAX_ROTATE, MAX_ROTATE, "transform.rotate", " degrees")
    per_shape(5, frames.scale, MIN_SCALE, MAX_SCALE, "transform.scale", "")
    if not faults:
        # Only now are the world coordinates sure to be finite and worth checking.
        with quiet():
            bounds = frames.world_bounds()
        k = _first_outside(bounds, -MAX_COORDINATE, MAX_COORDINATE)
        if k is not None:
            far = float(bounds[k][np.argmax(np.abs(bounds[k]))])
            faults.append(
                (
                    k,
                    6,
                    f"shapes[{k}]",
                    f"after its transform the shape reaches {far:g} px; every point "
                    f"must lie {_range_text(-MAX_COORDINATE, MAX_COORDINATE, ' px')}",
                )
            )
    if faults:
        _, _, where, message = min(faults)
        raise SceneError(message, where=where)
