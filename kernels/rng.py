"""Counter-based random numbers: a PCG hash of (seed, domain, index, counter).

No state, so any sample can be regenerated: renders are reproducible, finite differences
use common random numbers, and Taichi's autodiff never meets `ti.random`. A stream key
is hashed once per (seed, domain, index), e.g. once per pixel; each random number then
costs one more hash of (key + counter). `uniform_numpy` is a bit-exact NumPy twin.
"""

import numpy as np
import taichi as ti

# Domains keep the streams of different consumers independent.
DOMAIN_PIXEL = 0  # per-pixel sample positions
DOMAIN_SHIFT = 1  # per-pixel shift of the low-discrepancy sequence
DOMAIN_EDGE = 2  # edge samples of the boundary term

_MUL = 747796405
_INC = 2891336453
_OUT = 277803737
_TO_UNIT = 1.0 / 16777216.0  # 2^-24: the top 24 bits give every float32 step in [0, 1)


@ti.func
def pcg_hash(v: ti.u32) -> ti.u32:
    """PCG-RXS-M-XS permutation of 32-bit integers (Jarzynski & Olano 2020)."""
    state = v * ti.u32(_MUL) + ti.u32(_INC)
    word = ((state >> ((state >> ti.u32(28)) + ti.u32(4))) ^ state) * ti.u32(_OUT)
    return (word >> ti.u32(22)) ^ word


@ti.func
def stream_key(seed: ti.u32, domain: ti.u32, index: ti.u32) -> ti.u32:
    """Key of the random stream of one consumer (a pixel, an edge sample, ...)."""
    return pcg_hash(index + pcg_hash(domain + pcg_hash(seed)))


@ti.func
def bits_at(key: ti.u32, counter: ti.u32) -> ti.u32:
    return pcg_hash(key + counter)


@ti.func
def uniform_at(key: ti.u32, counter: ti.u32) -> ti.f32:
    """A float32 in [0, 1): the top 24 bits of hash(key + counter), times 2^-24."""
    return ti.f32(bits_at(key, counter) >> ti.u32(8)) * _TO_UNIT


def _pcg_hash_numpy(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v).astype(np.uint32)
    with np.errstate(over="ignore"):
        state = v * np.uint32(_MUL) + np.uint32(_INC)
        word = (
            (state >> ((state >> np.uint32(28)) + np.uint32(4))) ^ state
        ) * np.uint32(_OUT)
    return (word >> np.uint32(22)) ^ word


def stream_key_numpy(seed, domain, index) -> np.ndarray:
    """NumPy twin of `stream_key`; arguments broadcast."""
    u = np.uint32
    with np.errstate(over="ignore"):
        h = _pcg_hash_numpy(np.asarray(seed).astype(u))
        h = _pcg_hash_numpy(np.asarray(domain).astype(u) + h)
        return _pcg_hash_numpy(np.asarray(index).astype(u) + h)


def uniform_numpy(seed, domain, index, counter) -> np.ndarray:
    """NumPy twin of `uniform_at(stream_key(seed, domain, index), counter)`, bit-exact."""
    with np.errstate(over="ignore"):
        h = _pcg_hash_numpy(
            stream_key_numpy(seed, domain, index)
            + np.asarray(counter).astype(np.uint32)
        )
    return (h >> np.uint32(8)).astype(np.float32) * np.float32(_TO_UNIT)


@ti.kernel
def uniform_table(
    out: ti.types.ndarray(dtype=ti.f32, ndim=2), seed: ti.u32, domain: ti.u32
):
    """out[i, c] = uniform_at(stream_key(seed, domain, i), c); for tests and inspection."""
    for i, c in ti.ndrange(out.shape[0], out.shape[1]):
        out[i, c] = uniform_at(stream_key(seed, domain, ti.u32(i)), ti.u32(c))


def derive_seed(seed: int, purpose: int) -> int:
    """An independent 32-bit seed for one use of a user's seed (hashing, not offsetting),
    so that e.g. the image and the gradient of a loss never share samples."""
    return int(stream_key_numpy(seed, 0xD5, purpose))
