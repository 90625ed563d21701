"""Scene -> flat world-space arrays for the kernels (transforms applied, tiles binned)."""

from __future__ import annotations

import numpy as np

from kernels import (
    KIND_CIRCLE,
    KIND_POLYGON,
    RULE_EVENODD,
    RULE_NONZERO,
    SceneBuffers,
    bin_shapes,
    choose_tile_size,
)
from renderer.geometry import circle_world, polygon_world, world_bounds
from renderer.scene import Circle, Polygon, Scene


def _nonempty(array: np.ndarray, dtype, shape_tail: tuple[int, ...] = ()) -> np.ndarray:
    # Taichi refuses zero-sized array arguments; one unused element stands in.
    array = np.ascontiguousarray(array, dtype=dtype)
    return array if array.shape[0] else np.zeros((1, *shape_tail), dtype=dtype)


def pack_scene(scene: Scene, *, tile_size: int | None = None) -> SceneBuffers:
    """The kernels' view of `scene`: world-space geometry and per-tile shape lists.

    Args:
        scene: a validated scene.
        tile_size: tile edge in pixels (default: `kernels.choose_tile_size`).
    """
    width, height = scene.canvas.width, scene.canvas.height
    tile_size = tile_size or choose_tile_size(width, height)
    n = len(scene.shapes)
    kind = np.zeros(n, np.int32)
    fill_rule = np.zeros(n, np.int32)
    color = np.zeros((n, 3), np.float32)
    opacity = np.zeros(n, np.float32)
    vert_start = np.zeros(n, np.int32)
    vert_count = np.zeros(n, np.int32)
    circle = np.zeros((n, 3), np.float32)
    bounds = np.zeros((n, 4))
    polygons = []
    offset = 0
    for k, shape in enumerate(scene.shapes):
        color[k] = shape.fill
        opacity[k] = shape.opacity
        bounds[k] = world_bounds(shape)
        if isinstance(shape, Polygon):
            kind[k] = KIND_POLYGON
            fill_rule[k] = RULE_EVENODD if shape.fill_rule == "evenodd" else RULE_NONZERO
            pts = polygon_world(shape)
            polygons.append(pts)
            vert_start[k], vert_count[k] = offset, len(pts)
            offset += len(pts)
        elif isinstance(shape, Circle):
            kind[k] = KIND_CIRCLE
            center, radius = circle_world(shape)
            circle[k] = (center[0], center[1], radius)
    verts = np.concatenate(polygons) if polygons else np.zeros((0, 2))
    tile_start, tile_shapes, tiles_x, tiles_y = bin_shapes(bounds, width, height, tile_size)
    return SceneBuffers(
        width=width,
        height=height,
        background=np.asarray(scene.canvas.background, np.float32),
        kind=_nonempty(kind, np.int32),
        fill_rule=_nonempty(fill_rule, np.int32),
        color=_nonempty(color, np.float32, (3,)),
        opacity=_nonempty(opacity, np.float32),
        vert_start=_nonempty(vert_start, np.int32),
        vert_count=_nonempty(vert_count, np.int32),
        verts=_nonempty(verts, np.float32, (2,)),
        circle=_nonempty(circle, np.float32, (3,)),
        tile_size=tile_size,
        tiles_x=tiles_x,
        tiles_y=tiles_y,
        tile_start=tile_start,
        tile_shapes=_nonempty(tile_shapes, np.int32),
        num_shapes=n,
    )
