"""The forward integrator: Monte Carlo box-filtered pixel values (docs/design.md §1)."""

import numpy as np
import taichi as ti
from reynolds.kernels.array_types import f32_3
from reynolds.kernels.buffers import SceneArgs, SceneBuffers
from reynolds.kernels.coverage import composite, pixel_is_uniform
from reynolds.kernels.runtime import ensure_initialized
from reynolds.kernels.sampling import SAMPLERS, jitter_grid, pixel_sample, pixel_stream


@ti.kernel
def _render(
    image: f32_3,
    sc: SceneArgs,
    background: ti.math.vec3,
    spp: ti.i32,
    grid_x: ti.i32,
    grid_y: ti.i32,
    sampler: ti.i32,
    seed: ti.u32,
):
    width = image.shape[1]
    for i, j in ti.ndrange(image.shape[0], width):
        tile = (i // sc.tile_size) * sc.tiles_x + j // sc.tile_size
        depth = sc.tile_start[tile + 1] - sc.tile_start[tile]
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
        buffers.kernel_args(),
        ti.math.vec3(*buffers.background.tolist()),
        spp,
        grid_x,
        grid_y,
        SAMPLERS[sampler],
        seed & 0xFFFFFFFF,
    )
    return image
