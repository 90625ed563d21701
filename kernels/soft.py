"""The soft rasteriser: a smoothed image and its exact geometry adjoint (docs/design.md §3.8).

Each shape k covers a point x with D_k(x) = sigmoid(s_k(x) / sigma), s_k the signed
distance to its boundary (> 0 inside by its fill rule; `signed_distance`), and the
shapes are composited front to back with alpha a_k D_k (`composite_lanes`), as SoftRas
(Liu et al. 2019) and soft 2D rasterisers do. Every pixel is the mean of its `spp` pixel
samples (the streams of the interior term; no pixel is treated as uniform: the soft
image varies everywhere). The adjoint is the exact derivative of that sampled image with
respect to the world-space geometry, written by hand in float64 (TAICHI_NOTES.md says
why not Taichi's autodiff). It is the gradient of a different image: biased by design,
it tends to the true gradient only as sigma -> 0.

Truncation. Shapes reach the tile lists through their bounds widened by
`SOFT_REACH * sigma` (`reynolds.packing.pack_scene(margin=...)`): beyond that
D_k <= sigmoid(-16) = 1.1e-7, the rounding of a float32 image, and it is taken as 0, in
the image and in its adjoint alike.
"""

import numpy as np
import taichi as ti
from reynolds.kernels.array_types import f64_3, i32_1, vec3_f64
from reynolds.kernels.buffers import KIND_CIRCLE, KIND_POLYGON, SceneArgs, SceneBuffers
from reynolds.kernels.coverage import (
    composite_lanes,
    fill_color,
    over,
    overlaps_box,
    signed_distance,
)
from reynolds.kernels.interior import MAX_SLOTS, items_per_block, tile_batches
from reynolds.kernels.runtime import ensure_initialized
from reynolds.kernels.sampling import SAMPLERS, jitter_grid, pixel_sample, pixel_stream

# Reach of a shape beyond its bounds, in units of sigma: sigmoid(-16) = 1.1e-7.
SOFT_REACH = 16.0


@ti.func
def soft_cover(s, inv_sigma):
    """(D, 1 - D, dD/ds) for D = sigmoid(s / sigma), each without cancellation."""
    z = s * inv_sigma
    e = ti.exp(-ti.abs(z))
    d = 1.0 / (1.0 + e)
    rest = e / (1.0 + e)
    if z < 0:
        d, rest = rest, d
    return d, rest, e / ((1.0 + e) * (1.0 + e)) * inv_sigma


@ti.func
def cover_soft(sc: ti.template(), k, x, y, inv_sigma):
    """One lane for `composite_lanes`: D_k at (x, y), 0 outside k's widened bounds."""
    cover = ti.f64(0.0)
    if overlaps_box(sc, k, x, y, x, y):
        s, _gx, _gy, _a, _b, _t = signed_distance(sc, k, x, y)
        cover, _rest, _d_ds = soft_cover(s, inv_sigma)
    return ti.Vector([cover])


@ti.func
def soft_composite(sc: ti.template(), tile, depth, x, y, background, inv_sigma):
    """Soft colour at (x, y) of the tile's first `depth` shapes (float64)."""
    colour = composite_lanes(
        sc, tile, depth, x, y, background, cover_soft, inv_sigma, 1
    )
    return ti.Vector([colour[0, ch] for ch in ti.static(range(3))])


@ti.func
def d_soft_composite(
    sc: ti.template(),
    tile,
    depth,
    x,
    y,
    background,
    inv_sigma,
    w,
    slot_start: ti.template(),
    first_slot,
    slots: ti.template(),
    row,
):
    """Add w . dC/d(world geometry) at (x, y) to this work item's slots (float64).

    The walk repeats `composite_lanes` with `over`, front to back. With T_k the
    transmittance in front of shape k and C_above,k the colour in front of it,
    dC/dalpha_k = T_k (c_k - C_below,k) = (T_k c_k - (C - C_above,k)) / (1 - alpha_k)
    (§3.2), 1 - alpha_k = (1 - a_k) + a_k (1 - D_k) formed without cancellation. Its
    rounding, ~1e-16 / (1 - alpha_k), is multiplied by
    dalpha_k/ds = a_k D_k (1 - D_k) / sigma <= (1 - alpha_k) / sigma, so the product is
    accurate even as alpha_k -> 1. Then, with h = w . dC/dalpha_k a_k dD_k/ds:
        polygon, nearest edge (A, B) at t:  dL/dA += -h (1 - t) grad_x s,
                                            dL/dB += -h t grad_x s;
        circle:                             dL/dc += -h grad_x s,  dL/dr += h.
    Shape k at entry e of tile_shapes owns slots slot_start[e] - first_slot + v of row
    `row`: one per vertex v of a polygon, (x, y, 0) each, or one (cx, cy, r) for a circle.
    """
    c_final = soft_composite(sc, tile, depth, x, y, background, inv_sigma)
    transmittance = ti.f64(1.0)
    c_above = vec3_f64(0.0)
    t0 = sc.tile_start[tile]
    for t in range(depth):
        entry = t0 + depth - 1 - t
        k = sc.tile_shapes[entry]
        if overlaps_box(sc, k, x, y, x, y):
            s, gx, gy, a, b, te = signed_distance(sc, k, x, y)
            d, d_rest, d_ds = soft_cover(s, inv_sigma)
            opacity = ti.f64(sc.opacity[k])
            fill = ti.cast(fill_color(sc, k), ti.f64)
            if d_ds > 0:
                rest = (1.0 - opacity) + opacity * d_rest
                d_alpha = (transmittance * fill - (c_final - c_above)) / rest
                h = w.dot(d_alpha) * opacity * d_ds
                slot = slot_start[entry] - first_slot
                if sc.kind[k] == KIND_POLYGON:
                    va = slot + a - sc.vert_start[k]
                    vb = slot + b - sc.vert_start[k]
                    slots[row, va, 0] -= h * (1.0 - te) * gx
                    slots[row, va, 1] -= h * (1.0 - te) * gy
                    slots[row, vb, 0] -= h * te * gx
                    slots[row, vb, 1] -= h * te * gy
                elif sc.kind[k] == KIND_CIRCLE:
                    slots[row, slot, 0] -= h * gx
                    slots[row, slot, 1] -= h * gy
                    slots[row, slot, 2] += h
            if d > 0:
                c_above, transmittance = over(c_above, transmittance, opacity * d, fill)
            if transmittance <= 0.0:
                break


@ti.kernel
def _soft_render(
    image: f64_3,
    sc: SceneArgs,
    background: vec3_f64,
    spp: ti.i32,
    grid_x: ti.i32,
    grid_y: ti.i32,
    sampler: ti.i32,
    seed: ti.u32,
    inv_sigma: ti.f64,
):
    width = image.shape[1]
    for i, j in ti.ndrange(image.shape[0], width):
        tile = (i // sc.tile_size) * sc.tiles_x + j // sc.tile_size
        depth = sc.tile_start[tile + 1] - sc.tile_start[tile]
        stream = pixel_stream(seed, ti.u32(i * width + j))
        total = vec3_f64(0.0)
        for s in range(spp):
            u = pixel_sample(sampler, stream, s, grid_x, grid_y)
            x, y = ti.f64(ti.f32(j) + u[0]), ti.f64(ti.f32(i) + u[1])
            total += soft_composite(sc, tile, depth, x, y, background, inv_sigma)
        for ch in ti.static(range(3)):
            image[i, j, ch] = total[ch] / spp


@ti.kernel
def _soft_adjoint(
    adjoint: f64_3,
    sc: SceneArgs,
    background: vec3_f64,
    spp: ti.i32,
    grid_x: ti.i32,
    grid_y: ti.i32,
    sampler: ti.i32,
    seed: ti.u32,
    inv_sigma: ti.f64,
    slot_start: i32_1,
    first_tile: ti.i32,
    num_tiles: ti.i32,
    slots: f64_3,
):
    """Tiles first_tile .. first_tile + num_tiles - 1, one work item per tile row.

    Each item zeroes and then owns slots[row, slot_start[e] - slot_start[e0] + v, :] for
    the entries e of its tile (e0 = tile_start[first_tile]), adding its pixels left to
    right and their samples in order: the same bits in every run, no atomics.
    """
    height, width = adjoint.shape[0], adjoint.shape[1]
    size, columns = sc.tile_size, sc.tiles_x
    first_slot = slot_start[sc.tile_start[first_tile]]
    ti.loop_config(block_dim=ti.static(items_per_block()))
    for item in range(num_tiles * size):
        tile = first_tile + item // size
        row = item % size
        depth = sc.tile_start[tile + 1] - sc.tile_start[tile]
        lo = slot_start[sc.tile_start[tile]] - first_slot
        hi = slot_start[sc.tile_start[tile + 1]] - first_slot
        for v in range(lo, hi):
            for c in ti.static(range(3)):
                slots[row, v, c] = 0.0
        i = (tile // columns) * size + row
        j0 = (tile % columns) * size
        if i < height and depth > 0:
            for j in range(j0, ti.min(j0 + size, width)):
                w = vec3_f64(adjoint[i, j, 0], adjoint[i, j, 1], adjoint[i, j, 2])
                if w.norm_sqr() > 0:
                    stream = pixel_stream(seed, ti.u32(i * width + j))
                    for s in range(spp):
                        u = pixel_sample(sampler, stream, s, grid_x, grid_y)
                        x, y = ti.f64(ti.f32(j) + u[0]), ti.f64(ti.f32(i) + u[1])
                        d_soft_composite(
                            sc,
                            tile,
                            depth,
                            x,
                            y,
                            background,
                            inv_sigma,
                            w / spp,
                            slot_start,
                            first_slot,
                            slots,
                            row,
                        )


def _sampling_args(buffers: SceneBuffers, spp: int, seed: int, sampler: str, sigma):
    """The arguments after the scene that both soft kernels take, in kernel order."""
    grid_x, grid_y = jitter_grid(spp)
    return (
        vec3_f64(*buffers.background.tolist()),
        spp,
        grid_x,
        grid_y,
        SAMPLERS[sampler],
        seed & 0xFFFFFFFF,
        1.0 / sigma,
    )


def render_soft_image(
    buffers: SceneBuffers,
    *,
    spp: int,
    seed: int,
    sampler: str,
    sigma: float,
    arch: str = "auto",
) -> np.ndarray:
    """The soft image: every pixel the mean of its `spp` samples of the soft colour.

    Args:
        buffers: the scene, packed with bounds widened by `SOFT_REACH * sigma`.
        spp, seed, sampler: pixel samples, as for the interior term (`pixel_stream`).
        sigma: temperature of the sigmoid, pixels.
    Returns:
        `[height, width, 3]` float64.
    """
    ensure_initialized(arch)
    image = np.zeros((buffers.height, buffers.width, 3))
    _soft_render(
        image,
        buffers.kernel_args(),
        *_sampling_args(buffers, spp, seed, sampler, sigma),
    )
    return image


def _slot_layout(buffers: SceneBuffers) -> tuple[np.ndarray, np.ndarray]:
    """Slots of the tile entries: (slot_start `[E + 1]` int32, target `[slots]` int64).

    Entry e (a shape k) owns slots slot_start[e] .. slot_start[e + 1] - 1: one per vertex
    of a polygon, whose target is its row in `verts`, or one for a circle, whose target
    is row V + k (V = the rows of `verts`).
    """
    entries = int(buffers.tile_start[-1])
    shape = buffers.tile_shapes[:entries].astype(np.int64)
    polygon = buffers.kind[shape] == KIND_POLYGON
    sizes = np.where(polygon, buffers.vert_count[shape], 1).astype(np.int64)
    slot_start = np.zeros(entries + 1, dtype=np.int64)
    np.cumsum(sizes, out=slot_start[1:])
    owner = np.repeat(np.arange(entries), sizes)
    local = np.arange(slot_start[-1]) - slot_start[owner]
    k = shape[owner]
    target = np.where(
        polygon[owner],
        buffers.vert_start[k] + local,
        buffers.verts.shape[0] + k,
    )
    if slot_start[-1] >= 2**31:
        raise ValueError("the soft adjoint's slots exceed 32-bit indices")
    return slot_start.astype(np.int32), target


def soft_adjoint(
    buffers: SceneBuffers,
    adjoint: np.ndarray,
    *,
    spp: int,
    seed: int,
    sampler: str,
    sigma: float,
    arch: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """sum(adjoint * d(soft image)/d(world geometry)), exactly, for the samples drawn.

    Args:
        buffers: the scene, packed with bounds widened by `SOFT_REACH * sigma`.
        adjoint: `[height, width, 3]` dL/dI.
        spp, seed, sampler: the pixel samples, as in `render_soft_image`.
        sigma: temperature of the sigmoid, pixels.
    Returns:
        (d_verts `[V, 2]` dL/d(world vertex), d_circle `[S, 3]` dL/d(world cx, cy,
        radius)), float64, summed in a fixed order (equal inputs, equal bits).
    """
    ensure_initialized(arch)
    ts = buffers.tile_size
    n_verts = buffers.verts.shape[0]
    rows = n_verts + buffers.num_shapes
    total = np.zeros((rows, 3))
    slot_start, target = _slot_layout(buffers)
    adjoint = np.ascontiguousarray(adjoint, dtype=np.float64)
    tile_slots = slot_start[buffers.tile_start]
    args = _sampling_args(buffers, spp, seed, sampler, sigma)
    for first, last in tile_batches(tile_slots, MAX_SLOTS // ts):
        lo, hi = int(tile_slots[first]), int(tile_slots[last])
        slots = np.empty((ts, max(hi - lo, 1), 3))
        _soft_adjoint(
            adjoint,
            buffers.kernel_args(),
            *args,
            slot_start,
            first,
            last - first,
            slots,
        )
        # Fixed-order reduction: rows of a tile in order, then the slots in order
        # (bincount adds in index order), then batch after batch.
        per_slot = slots[:, : hi - lo].sum(axis=0)
        for ch in range(3):
            total[:, ch] += np.bincount(
                target[lo:hi], weights=per_slot[:, ch], minlength=rows
            )
    return total[:n_verts, :2].copy(), total[n_verts:].copy()
