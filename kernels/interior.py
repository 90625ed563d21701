"""The interior term of the gradient (docs/design.md §2, first integral; §3.2).

d I_k / d theta for colour parameters (fill, opacity, background): the derivative of the
sampled integrand, written by hand as the front-to-back adjoint of "over" compositing,
in float64, without Taichi's autodiff (whose compositing traps TAICHI_NOTES.md lists).
For one sample with adjoint w and shapes k containing it, front to back, with T_k the
transmittance of the shapes above k and C_below the colour composited behind k:

    d C / d fill_k    = T_k a_k
    d C / d a_k       = T_k (fill_k - C_below_k)
    d C / d background = T_total
"""

import numpy as np
import taichi as ti
from reynolds.kernels.array_types import f64_3, vec3_f64
from reynolds.kernels.buffers import SceneArgs, SceneBuffers
from reynolds.kernels.coverage import (
    composite,
    fill_color,
    inside_shape,
    over,
    overlaps_box,
    pixel_is_uniform,
)
from reynolds.kernels.runtime import ensure_initialized
from reynolds.kernels.sampling import SAMPLERS, jitter_grid, pixel_sample, pixel_stream

# Work items (tile rows) of one kernel launch hold at most this many slots, one per
# shape of their tile (32 bytes each): 64 MiB, however many shapes overlap the canvas.
MAX_SLOTS = 1 << 21


def items_per_block() -> int:
    """Work items a thread takes at a time, for `ti.loop_config` at compile time.

    An item owns its output slots, so items are coarse (a tile row, a boundary piece)
    and a scene may have only a few hundred: on the CPU each is scheduled on its own,
    so that they still spread over every thread (Taichi's default takes 32 at a time);
    elsewhere Taichi's default block size.
    """
    config = ti.lang.impl.current_cfg()
    if config.arch in (ti.x64, ti.arm64):
        return 1
    return config.default_gpu_block_dim


@ti.func
def d_composite(
    sc: ti.template(),
    tile,
    depth,
    x,
    y,
    background,
    w,
    d_shapes: ti.template(),
    d_background: ti.template(),
    row,
    shape_slot,
    background_slot,
):
    """Add w . dC/d(colour parameters) at (x, y) to this work item's slots (float64).

    The shape at position p of the tile's list adds dC/d(fill r, g, b) and dC/d(opacity)
    to d_shapes[row, shape_slot + p, 0:4]; the background adds to
    d_background[row, background_slot, 0:3].

    dC/da_k needs C_below_k. With a_k < 1 it follows without another pass from the
    final colour: T_k (fill_k - C_below_k) = (T_k fill_k - (C - C_above_k)) / (1 - a_k),
    exact to ~1e-16 / (1 - a_k) <= 2e-9 in float64 for float32 opacities below 1. Behind
    an opaque shape (a_k = 1) nothing shows, so C_below_k is composited once more there.
    """
    c_final = composite(sc, tile, depth, x, y, background)
    transmittance = ti.f64(1.0)
    c_above = vec3_f64(0.0)
    t0 = sc.tile_start[tile]
    for t in range(depth):
        position = depth - 1 - t
        k = sc.tile_shapes[t0 + position]
        inside = 0
        if overlaps_box(sc, k, x, y, x, y):
            inside = inside_shape(sc, k, x, y)
        if inside:
            a = ti.f64(sc.opacity[k])
            fill = ti.cast(fill_color(sc, k), ti.f64)
            slot = shape_slot + position
            for ch in ti.static(range(3)):
                d_shapes[row, slot, ch] += w[ch] * transmittance * a
            d_alpha = vec3_f64(0.0)
            if a < 1.0:
                d_alpha = (transmittance * fill - (c_final - c_above)) / (1.0 - a)
            else:
                c_below = composite(sc, tile, position, x, y, background)
                d_alpha = transmittance * (fill - c_below)
            d_shapes[row, slot, 3] += w.dot(d_alpha)
            c_above, transmittance = over(c_above, transmittance, a, fill)
            if transmittance <= 0.0:
                break
    for ch in ti.static(range(3)):
        d_background[row, background_slot, ch] += w[ch] * transmittance


@ti.kernel
def _interior(
    adjoint: f64_3,
    sc: SceneArgs,
    background: vec3_f64,
    spp: ti.i32,
    grid_x: ti.i32,
    grid_y: ti.i32,
    sampler: ti.i32,
    seed: ti.u32,
    first_tile: ti.i32,
    num_tiles: ti.i32,
    d_shapes: f64_3,
    d_background: f64_3,
):
    """Tiles first_tile .. first_tile + num_tiles - 1, one work item per tile row.

    Work items run in parallel, but each owns its slots and adds to them in a fixed
    order (pixels left to right, samples in order), so the sums are the same bits in
    every run (no atomics). Row r of tile t holds, for the shape at entry e of
    tile_shapes, d_shapes[r, e - tile_start[first_tile], 0:4] (dL/d fill r, g, b and
    dL/d opacity), and d_background[r, t - first_tile, 0:3].
    """
    height, width = adjoint.shape[0], adjoint.shape[1]
    size, columns = sc.tile_size, sc.tiles_x
    first_entry = sc.tile_start[first_tile]
    ti.loop_config(block_dim=ti.static(items_per_block()))
    for item in range(num_tiles * size):
        tile = first_tile + item // size
        row = item % size
        depth = sc.tile_start[tile + 1] - sc.tile_start[tile]
        shape_slot = sc.tile_start[tile] - first_entry
        background_slot = tile - first_tile
        for p in range(depth):
            for c in ti.static(range(4)):
                d_shapes[row, shape_slot + p, c] = 0.0
        for ch in ti.static(range(3)):
            d_background[row, background_slot, ch] = 0.0
        i = (tile // columns) * size + row
        j0 = (tile % columns) * size
        if i < height:
            for j in range(j0, ti.min(j0 + size, width)):
                w = vec3_f64(adjoint[i, j, 0], adjoint[i, j, 1], adjoint[i, j, 2])
                if w.norm_sqr() > 0:
                    if pixel_is_uniform(sc, tile, i, j):
                        x, y = ti.f32(j) + 0.5, ti.f32(i) + 0.5
                        d_composite(
                            sc,
                            tile,
                            depth,
                            x,
                            y,
                            background,
                            w,
                            d_shapes,
                            d_background,
                            row,
                            shape_slot,
                            background_slot,
                        )
                    else:
                        stream = pixel_stream(seed, ti.u32(i * width + j))
                        for s in range(spp):
                            u = pixel_sample(sampler, stream, s, grid_x, grid_y)
                            x, y = ti.f32(j) + u[0], ti.f32(i) + u[1]
                            d_composite(
                                sc,
                                tile,
                                depth,
                                x,
                                y,
                                background,
                                w / spp,
                                d_shapes,
                                d_background,
                                row,
                                shape_slot,
                                background_slot,
                            )


def tile_batches(tile_start: np.ndarray, max_entries: int) -> list[tuple[int, int]]:
    """Consecutive tile ranges [first, last) whose shape lists hold at most `max_entries`
    entries and `max_entries` tiles (a single tile may hold more), covering every tile."""
    batches = []
    first, num_tiles = 0, tile_start.size - 1
    while first < num_tiles:
        limit = int(tile_start[first]) + max_entries
        fits = np.searchsorted(tile_start, limit, side="right") - 1
        last = min(max(int(fits), first + 1), first + max_entries, num_tiles)
        batches.append((first, last))
        first = last
    return batches


def interior_adjoint(
    buffers: SceneBuffers,
    adjoint: np.ndarray,
    *,
    spp: int,
    seed: int,
    sampler: str,
    arch: str = "auto",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interior term of sum(adjoint * dI/d colour parameters), by pixel sampling.

    Args:
        buffers: the scene as flat arrays.
        adjoint: `[height, width, 3]` dL/dI.
        spp, seed, sampler: as for the forward render; a pixel no boundary crosses is
            evaluated once, exactly.
    Returns:
        (d_color `[S, 3]`, d_opacity `[S]`, d_background `[3]`), float64.
    """
    ensure_initialized(arch)
    n = buffers.num_shapes
    ts = buffers.tile_size
    d_shapes = np.zeros((n, 4))
    d_background = np.zeros(3)
    grid_x, grid_y = jitter_grid(spp)
    adjoint = np.ascontiguousarray(adjoint, dtype=np.float64)
    background = vec3_f64(*buffers.background.tolist())
    scene_args = buffers.kernel_args()
    for first, last in tile_batches(buffers.tile_start, MAX_SLOTS // ts):
        entries = int(buffers.tile_start[last] - buffers.tile_start[first])
        slots = np.empty((ts, max(entries, 1), 4))
        background_slots = np.empty((ts, last - first, 3))
        _interior(
            adjoint,
            scene_args,
            background,
            spp,
            grid_x,
            grid_y,
            SAMPLERS[sampler],
            seed & 0xFFFFFFFF,
            first,
            last - first,
            slots,
            background_slots,
        )
        # Fixed-order reduction: rows of a tile in order, then the tiles' entries in
        # order for each shape (bincount adds in index order), then batch after batch.
        per_entry = slots[:, :entries].sum(axis=0)
        owner = buffers.tile_shapes[
            buffers.tile_start[first] : buffers.tile_start[last]
        ]
        for c in range(4):
            d_shapes[:, c] += np.bincount(owner, weights=per_entry[:, c], minlength=n)
        d_background += background_slots.sum(axis=(0, 1))
    return np.ascontiguousarray(d_shapes[:, :3]), d_shapes[:, 3].copy(), d_background
