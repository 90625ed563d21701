"""Scene -> flat world-space arrays for the kernels (transforms applied, tiles binned).

Vectorised over shapes: the only per-shape Python work is reading attributes.
"""

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
from renderer.scene import Circle, Polygon, Scene


def _nonempty(array: np.ndarray, dtype) -> np.ndarray:
    # Taichi refuses zero-sized array arguments; one unused element stands in.
    array = np.ascontiguousarray(array, dtype=dtype)
    return array if array.shape[0] else np.zeros((1, *array.shape[1:]), dtype=dtype)


def world_geometry(
    scene: Scene,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """World-space geometry of every shape, transforms applied, float64 pixels.

    Returns:
        verts `[V, 2]` (polygon vertices, shape after shape), vert_count `[S]` (0 for
        circles), circle `[S, 3]` (cx, cy, radius; zeros for polygons), bounds `[S, 4]`.
    """
    shapes = scene.shapes
    n = len(shapes)
    is_polygon = np.array([isinstance(s, Polygon) for s in shapes], dtype=bool)
    counts = np.array(
        [len(s.points) if isinstance(s, Polygon) else 0 for s in shapes], dtype=np.int64
    )
    translate = np.array(
        [s.transform.translate for s in shapes], dtype=np.float64
    ).reshape(n, 2)
    angle = np.radians([s.transform.rotate for s in shapes])
    scale = np.array([s.transform.scale for s in shapes], dtype=np.float64)

    local = np.array(
        [p for s in shapes if isinstance(s, Polygon) for p in s.points],
        dtype=np.float64,
    ).reshape(-1, 2)
    owner = np.repeat(np.arange(n), counts)
    pivots = np.zeros((n, 2))
    if local.size:
        np.add.at(pivots, owner, local)
        pivots[is_polygon] /= counts[is_polygon, None]
    # x' = R (s (x - pivot)) + pivot + t, R clockwise on screen (y down).
    rel = (local - pivots[owner]) * scale[owner, None]
    cos, sin = np.cos(angle)[owner], np.sin(angle)[owner]
    verts = np.column_stack(
        [cos * rel[:, 0] - sin * rel[:, 1], sin * rel[:, 0] + cos * rel[:, 1]]
    )
    verts += pivots[owner] + translate[owner]

    circle = np.zeros((n, 3))
    circ = [k for k, s in enumerate(shapes) if isinstance(s, Circle)]
    if circ:
        circle[circ, :2] = np.array([shapes[k].center for k in circ]) + translate[circ]
        circle[circ, 2] = np.array([shapes[k].radius for k in circ]) * scale[circ]

    bounds = np.column_stack(
        [circle[:, :2] - circle[:, 2:], circle[:, :2] + circle[:, 2:]]
    )
    if verts.size:
        starts = np.cumsum(counts) - counts
        poly = np.nonzero(is_polygon)[0]
        bounds[poly, :2] = np.minimum.reduceat(verts, starts[poly], axis=0)
        bounds[poly, 2:] = np.maximum.reduceat(verts, starts[poly], axis=0)
    return verts, counts, circle, bounds


def pack_scene(scene: Scene, *, tile_size: int | None = None) -> SceneBuffers:
    """The kernels' view of `scene`: world-space geometry and per-tile shape lists.

    Args:
        scene: a validated scene.
        tile_size: tile edge in pixels (default: `kernels.choose_tile_size`).
    """
    width, height = scene.canvas.width, scene.canvas.height
    tile_size = tile_size or choose_tile_size(width, height)
    shapes = scene.shapes
    verts, counts, circle, bounds = world_geometry(scene)
    kind = np.where(counts > 0, KIND_POLYGON, KIND_CIRCLE)
    evenodd = [isinstance(s, Polygon) and s.fill_rule == "evenodd" for s in shapes]
    fill_rule = np.where(np.array(evenodd, dtype=bool), RULE_EVENODD, RULE_NONZERO)
    # Widen bounds so that the float32 kernels never cut off a point of a shape.
    margin = 1e-5 * (np.abs(bounds) + 1.0)
    bounds = bounds + np.where(np.arange(4) < 2, -1.0, 1.0) * margin
    tile_start, tile_shapes, tiles_x, tiles_y = bin_shapes(
        bounds, width, height, tile_size
    )
    return SceneBuffers(
        width=width,
        height=height,
        background=np.asarray(scene.canvas.background, np.float32),
        kind=_nonempty(kind.reshape(-1), np.int32),
        fill_rule=_nonempty(fill_rule.reshape(-1), np.int32),
        color=_nonempty(np.array([s.fill for s in shapes]).reshape(-1, 3), np.float32),
        opacity=_nonempty(
            np.array([s.opacity for s in shapes]).reshape(-1), np.float32
        ),
        vert_start=_nonempty(np.cumsum(counts) - counts, np.int32),
        vert_count=_nonempty(counts, np.int32),
        verts=_nonempty(verts, np.float32),
        circle=_nonempty(circle, np.float32),
        bounds=_nonempty(bounds, np.float32),
        tile_size=tile_size,
        tiles_x=tiles_x,
        tiles_y=tiles_y,
        tile_start=tile_start,
        tile_shapes=_nonempty(tile_shapes, np.int32),
        num_shapes=len(shapes),
    )
