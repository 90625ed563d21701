"""Scene -> flat world-space arrays for the kernels (transforms applied, tiles binned).

Vectorised over shapes: the only per-shape Python work is reading attributes.
"""

from __future__ import annotations

import numpy as np
from reynolds.frames import frames_of
from reynolds.kernels import (
    RULE_EVENODD,
    RULE_NONZERO,
    SceneBuffers,
    bin_shapes,
    choose_tile_size,
)
from reynolds.scene import Scene
from reynolds.scene_limits import check_scene_limits
from reynolds.shape_kinds import evenodd_mask


def _nonempty(array: np.ndarray, dtype) -> np.ndarray:
    # Taichi refuses zero-sized array arguments; one unused element stands in.
    array = np.ascontiguousarray(array, dtype=dtype)
    return array if array.shape[0] else np.zeros((1, *array.shape[1:]), dtype=dtype)


def pack_scene(
    scene: Scene, *, tile_size: int | None = None, margin: float = 0.0
) -> SceneBuffers:
    """The kernels' view of `scene`: world-space geometry and per-tile shape lists.

    Args:
        scene: a validated scene.
        tile_size: tile edge in pixels (default: `reynolds.kernels.choose_tile_size`).
        margin: pixels added to every side of each shape's bounds before binning: the
            reach of a shape whose cover extends beyond its boundary (the soft
            rasteriser's).
    """
    width, height = scene.canvas.width, scene.canvas.height
    tile_size = tile_size or choose_tile_size(width, height)
    shapes = scene.shapes
    frames = frames_of(scene)
    # A scene built in code has not been through the loader: the float32 kernels need
    # its magnitudes within the limits as much as a file's.
    check_scene_limits(scene, frames)
    counts = frames.counts
    verts = frames.world_vertices()
    circle = frames.world_circles()
    bounds = frames.world_bounds(verts)
    fill_rule = np.where(evenodd_mask(shapes), RULE_EVENODD, RULE_NONZERO)
    # Widen bounds so that the float32 kernels never cut off a point of a shape, then
    # by the margin.
    widen = 1e-5 * (np.abs(bounds) + 1.0) + margin
    bounds = bounds + np.where(np.arange(4) < 2, -1.0, 1.0) * widen
    tile_start, tile_shapes, tiles_x, tiles_y = bin_shapes(
        bounds, width, height, tile_size
    )
    return SceneBuffers(
        width=width,
        height=height,
        background=np.asarray(scene.canvas.background, np.float32),
        kind=_nonempty(frames.primitive, np.int32),
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
