"""The forward integrator: Monte Carlo box-filtered pixel values (docs/design.md §1)."""

import numpy as np
import taichi as ti
from reynolds.kernels.buffers import SceneBuffers, SceneView
from reynolds.kernels.coverage import composite, pixel_is_uniform
from reynolds.kernels.runtime import ensure_initialized
from reynolds.kernels.sampling import SAMPLERS, jitter_grid, pixel_sample, pixel_stream

f32_1 = ti.types.ndarray(dtype=ti.f32, ndim=1)
f32_2 = ti.types.ndarray(dtype=ti.f32, ndim=2)
f32_3 = ti.types.ndarray(dtype=ti.f32, ndim=3)
i32_1 = ti.types.ndarray(dtype=ti.i32, ndim=1)


@ti.kernel
def _render(
    image: f32_3,
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
    background: ti.math.vec3,
    spp: ti.i32,
    grid_x: ti.i32,
    grid_y: ti.i32,
    sampler: ti.i32,
    seed: ti.u32,
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
    width = image.shape[1]
    for i, j in ti.ndrange(image.shape[0], width):
        tile = (i // tile_size) * tiles_x + j // tile_size
        depth = tile_start[tile + 1] - tile_start[tile]
        total = ti.math.vec3(0.0, 0.0, 0.0)
        if pixel_is_uniform(sc, tile, i, j):
            x, y = ti.f32(j) + 0.5, ti.f32(i) + 0.5
            total = composite(sc, tile, depth, x, y, background)
        else:
            stream = pixel_stream(seed, ti.u32(i * width + j))
            for s in range(spp):
                u = pixel_sample(sampler, stream, s, grid_x, grid_y)
                x, y = ti.f32(j) + u[0], ti.f32(i) + u[1]
                total += composite(sc, tile, depth, x, y, background)
            total /= ti.f32(spp)
        for ch in ti.static(range(3)):
            image[i, j, ch] = total[ch]


def render_image(
    buffers: SceneBuffers, *, spp: int, seed: int, sampler: str, arch: str = "auto"
) -> np.ndarray:
    """Monte Carlo estimate of every pixel's box-filtered integral.

    Args:
        buffers: the scene as flat arrays.
        spp: samples per pixel (>= 1) where a boundary crosses the pixel; a pixel that no
            boundary crosses is evaluated once, exactly.
        seed: 32-bit seed of the counter-based RNG; the same seed gives the same image.
        sampler: "jitter", "iid" or "r2" (see `reynolds.kernels.sampling.pixel_sample`).
        arch: Taichi backend choice for the first kernel call of the process.
    Returns:
        `[height, width, 3]` float32 image, row 0 at the top.
    """
    ensure_initialized(arch)
    image = np.zeros((buffers.height, buffers.width, 3), dtype=np.float32)
    grid_x, grid_y = jitter_grid(spp)
    _render(
        image,
        *buffers.geometry_args(),
        buffers.tile_size,
        buffers.tiles_x,
        ti.math.vec3(*buffers.background.tolist()),
        spp,
        grid_x,
        grid_y,
        SAMPLERS[sampler],
        seed & 0xFFFFFFFF,
    )
    return image
