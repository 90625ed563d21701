"""Flat arrays that describe a scene to the kernels (no names, no JSON, world space)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

# The arrays every scene-reading kernel takes, in order; inside a kernel they travel as
# one compile-time `SceneView` (`ti.static(SceneView(*args))`) to the Taichi functions.
GEOMETRY_FIELDS = (
    "kind",
    "fill_rule",
    "color",
    "opacity",
    "vert_start",
    "vert_count",
    "verts",
    "circle",
    "bounds",
    "tile_start",
    "tile_shapes",
)
SceneView = namedtuple("SceneView", GEOMETRY_FIELDS)

KIND_POLYGON = 0
KIND_CIRCLE = 1
RULE_NONZERO = 0
RULE_EVENODD = 1


@dataclass(frozen=True)
class SceneBuffers:
    """A scene as arrays, shapes indexed back to front.

    Attributes:
        width, height: canvas size in pixels.
        background: `[3]` float32 RGB.
        kind: `[S]` int32, KIND_POLYGON or KIND_CIRCLE.
        fill_rule: `[S]` int32, RULE_NONZERO or RULE_EVENODD (polygons only).
        color: `[S, 3]` float32 RGB fill.
        opacity: `[S]` float32 in [0, 1].
        vert_start, vert_count: `[S]` int32 slice of `verts` for each polygon.
        verts: `[V, 2]` float32 world-space vertices (x, y), pixels.
        circle: `[S, 3]` float32 world-space (cx, cy, radius), pixels.
        bounds: `[S, 4]` float32 world bounds (xmin, ymin, xmax, ymax), pixels, widened
            by a little so that float32 rounding never cuts off a point of the shape.
        tile_size: edge of a square tile in pixels.
        tiles_x, tiles_y: tile grid size.
        tile_start: `[tiles_x * tiles_y + 1]` int32 CSR offsets into `tile_shapes`.
        tile_shapes: int32 shape indices whose bounds overlap each tile, ascending
            (back to front).
        num_shapes: S, the number of real shapes.
    Arrays with no entries hold one unused element: Taichi refuses empty arguments.
    """

    width: int
    height: int
    background: np.ndarray
    kind: np.ndarray
    fill_rule: np.ndarray
    color: np.ndarray
    opacity: np.ndarray
    vert_start: np.ndarray
    vert_count: np.ndarray
    verts: np.ndarray
    circle: np.ndarray
    bounds: np.ndarray
    tile_size: int
    tiles_x: int
    tiles_y: int
    tile_start: np.ndarray
    tile_shapes: np.ndarray

    num_shapes: int

    def geometry_args(self) -> tuple:
        """The arguments every scene-reading kernel takes, in kernel order."""
        return tuple(getattr(self, name) for name in GEOMETRY_FIELDS)
