"""Flat arrays that describe a scene to the kernels (no names, no JSON, world space)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import taichi as ti
from reynolds.kernels.array_types import f32_1, f32_2, i32_1

KIND_POLYGON = 0
KIND_CIRCLE = 1
# Every kind code the kernels know; each kernel function that depends on the kind
# branches on these names and treats any other code as "no shape" (packing refuses it).
SHAPE_KINDS = (KIND_POLYGON, KIND_CIRCLE)
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
            by a little so that float32 rounding never cuts off a point of the shape,
            and by the packing margin (0, or the soft rasteriser's reach).
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

    def kernel_args(self):
        """The scene as the one typed argument (`SceneArgs`) every scene-reading kernel
        takes. Members are bound by name, so no kernel can receive them in the wrong
        order; Taichi checks each array's dtype and rank. Taichi must be initialised
        first. The pack is shared (`reused_argpack`): build it right before the launches
        that use it.
        """
        return reused_argpack(
            SceneArgs,
            kind=self.kind,
            fill_rule=self.fill_rule,
            color=self.color,
            opacity=self.opacity,
            vert_start=self.vert_start,
            vert_count=self.vert_count,
            verts=self.verts,
            circle=self.circle,
            bounds=self.bounds,
            tile_start=self.tile_start,
            tile_shapes=self.tile_shapes,
            tile_size=self.tile_size,
            tiles_x=self.tiles_x,
        )


# The scene as kernels see it (members as in `SceneBuffers`): a kernel declares one
# parameter `sc: SceneArgs` and hands `sc` to Taichi functions as a template.
SceneArgs = ti.types.argpack(
    kind=i32_1,
    fill_rule=i32_1,
    color=f32_2,
    opacity=f32_1,
    vert_start=i32_1,
    vert_count=i32_1,
    verts=f32_2,
    circle=f32_2,
    bounds=f32_2,
    tile_start=i32_1,
    tile_shapes=i32_1,
    tile_size=ti.i32,
    tiles_x=ti.i32,
)

_shared_packs: dict = {}


def reused_argpack(pack_type, **members):
    """One argument pack of `pack_type` per process, its members replaced on every call.

    Creating a Taichi argpack costs ~0.3 ms (a device allocation and a new Python class
    per instance), about a third of a small scene's backward pass; replacing members
    costs microseconds. The pack passes arrays by reference, so it is valid until the
    next call for the same type: callers build it right before the launches that use it
    and do not hold two of one type at once.
    """
    pack = _shared_packs.get(pack_type)
    if pack is None:
        pack = _shared_packs[pack_type] = pack_type(**members)
    else:
        for name, value in members.items():
            pack[name] = value
    return pack
