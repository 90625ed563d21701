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
from reynolds.kernels.buffers import SceneBuffers, SceneView
from reynolds.kernels.coverage import (
    composite,
    fill_color,
    inside_shape,
    overlaps_box,
    pixel_is_uniform,
)
from reynolds.kernels.forward import f32_1, f32_2, i32_1
from reynolds.kernels.runtime import ensure_initialized
from reynolds.kernels.sampling import SAMPLERS, jitter_grid, pixel_sample, pixel_stream

f64_1 = ti.types.ndarray(dtype=ti.f64, ndim=1)
f64_2 = ti.types.ndarray(dtype=ti.f64, ndim=2)
f64_3 = ti.types.ndarray(dtype=ti.f64, ndim=3)
vec3_f64 = ti.types.vector(3, ti.f64)


@ti.func
def d_composite(
    sc: ti.template(),
    tile,
    depth,
    x,
    y,
    background,
    w,
    d_color: ti.template(),
    d_opacity: ti.template(),
    d_background: ti.template(),
):
    """Add w . dC/d(colour parameters) at (x, y) to the gradient arrays (float64).

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
            for ch in ti.static(range(3)):
                d_color[k, ch] += w[ch] * transmittance * a
            d_alpha = vec3_f64(0.0)
            if a < 1.0:
                d_alpha = (transmittance * fill - (c_final - c_above)) / (1.0 - a)
            else:
                c_below = composite(sc, tile, position, x, y, background)
                d_alpha = transmittance * (fill - c_below)
            d_opacity[k] += w.dot(d_alpha)
            c_above += transmittance * a * fill
            transmittance *= 1.0 - a
            if transmittance <= 0.0:
                break
    for ch in ti.static(range(3)):
        d_background[ch] += w[ch] * transmittance


@ti.kernel
def _interior(
    adjoint: f64_3,
    kind: i32_1,
    fill_rule: i32_1,
    color: f32_2,
    opacity: f32_1,
    vert_start: i32_1,
    vert_count: i32_1,
    verts: f32_2,
    circle: f32_2,
    bounds: f32_2,
    tile_start: i32_1,
    tile_shapes: i32_1,
    tile_size: ti.i32,
    tiles_x: ti.i32,
    background: vec3_f64,
    spp: ti.i32,
    grid_x: ti.i32,
    grid_y: ti.i32,
    sampler: ti.i32,
    seed: ti.u32,
    d_color: f64_2,
    d_opacity: f64_1,
    d_background: f64_1,
):
    sc = ti.static(
        SceneView(
            kind,
            fill_rule,
            color,
            opacity,
            vert_start,
            vert_count,
            verts,
            circle,
            bounds,
            tile_start,
            tile_shapes,
        )
    )
    width = adjoint.shape[1]
    for i, j in ti.ndrange(adjoint.shape[0], width):
        w = vec3_f64(adjoint[i, j, 0], adjoint[i, j, 1], adjoint[i, j, 2])
        if w.norm_sqr() > 0:
            tile = (i // tile_size) * tiles_x + j // tile_size
            depth = tile_start[tile + 1] - tile_start[tile]
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
                    d_color,
                    d_opacity,
                    d_background,
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
                        d_color,
                        d_opacity,
                        d_background,
                    )


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
    n = max(buffers.num_shapes, 1)
    d_color = np.zeros((n, 3))
    d_opacity = np.zeros(n)
    d_background = np.zeros(3)
    grid_x, grid_y = jitter_grid(spp)
    _interior(
        np.ascontiguousarray(adjoint, dtype=np.float64),
        *buffers.geometry_args(),
        buffers.tile_size,
        buffers.tiles_x,
        vec3_f64(*buffers.background.tolist()),
        spp,
        grid_x,
        grid_y,
        SAMPLERS[sampler],
        seed & 0xFFFFFFFF,
        d_color,
        d_opacity,
        d_background,
    )
    s = buffers.num_shapes
    return d_color[:s], d_opacity[:s], d_background
