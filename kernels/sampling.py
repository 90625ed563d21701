"""Sample positions inside a pixel: stratified jitter, i.i.d., or shifted R2 points."""

import math

import taichi as ti
from reynolds.kernels.rng import (
    DOMAIN_PIXEL,
    DOMAIN_SHIFT,
    bits_at,
    stream_key,
    uniform_at,
)

SAMPLERS = {"jitter": 0, "iid": 1, "r2": 2}

# R2 sequence (Roberts 2018): frac(i * (1/g, 1/g^2)) with g the plastic number, in u32
# fixed point so that the sequence stays exact for any sample index.
_PLASTIC = 1.32471795724474602596
_R2_A1 = int(round(2**32 / _PLASTIC)) % 2**32
_R2_A2 = int(round(2**32 / _PLASTIC**2)) % 2**32
_TO_UNIT = 1.0 / 16777216.0


def jitter_grid(spp: int) -> tuple[int, int]:
    """Strata `(nx, ny)` with nx * ny = spp and the cells as square as possible."""
    ny = math.isqrt(spp)
    while spp % ny:
        ny -= 1
    return spp // ny, ny


@ti.dataclass
class PixelStream:
    """Random state of one pixel: its key and, for R2, its random shift (u32 fixed point)."""

    key: ti.u32
    shift_x: ti.u32
    shift_y: ti.u32


@ti.func
def pixel_stream(seed: ti.u32, pixel: ti.u32) -> PixelStream:
    shift_key = stream_key(seed, DOMAIN_SHIFT, pixel)
    return PixelStream(
        stream_key(seed, DOMAIN_PIXEL, pixel),
        bits_at(shift_key, 0),
        bits_at(shift_key, 1),
    )


@ti.func
def pixel_sample(
    sampler: ti.i32, stream: PixelStream, s: ti.i32, grid_x: ti.i32, grid_y: ti.i32
) -> ti.math.vec2:
    """Position of sample `s` inside its pixel, in [0, 1)^2 pixel-local coordinates.

    jitter: one uniform point in each cell of a grid_x x grid_y grid (grid_x * grid_y = spp).
    iid: independent uniform points. r2: the R2 sequence shifted by a per-pixel random offset.
    Every sampler gives each point a uniform marginal, so pixel means are unbiased.
    """
    u = ti.math.vec2(0.0, 0.0)
    c = ti.u32(2 * s)
    if sampler == 0:
        u = ti.math.vec2(
            (ti.f32(s % grid_x) + uniform_at(stream.key, c)) / ti.f32(grid_x),
            (ti.f32(s // grid_x) + uniform_at(stream.key, c + ti.u32(1)))
            / ti.f32(grid_y),
        )
    elif sampler == 1:
        u = ti.math.vec2(
            uniform_at(stream.key, c), uniform_at(stream.key, c + ti.u32(1))
        )
    else:
        x = stream.shift_x + ti.u32(s) * ti.u32(_R2_A1)
        y = stream.shift_y + ti.u32(s) * ti.u32(_R2_A2)
        u = ti.math.vec2(
            ti.f32(x >> ti.u32(8)) * _TO_UNIT, ti.f32(y >> ti.u32(8)) * _TO_UNIT
        )
    return u


@ti.kernel
def sample_positions(
    out: ti.types.ndarray(dtype=ti.f32, ndim=4),
    sampler: ti.i32,
    seed: ti.u32,
    grid_x: ti.i32,
    grid_y: ti.i32,
):
    """out[i, j, s] = canvas position (x, y) in pixels of sample s of pixel (row i, column j)."""
    for i, j, s in ti.ndrange(out.shape[0], out.shape[1], out.shape[2]):
        stream = pixel_stream(seed, ti.u32(i * out.shape[1] + j))
        u = pixel_sample(sampler, stream, s, grid_x, grid_y)
        out[i, j, s, 0] = ti.f32(j) + u[0]
        out[i, j, s, 1] = ti.f32(i) + u[1]
