"""Counter-based random numbers: a PCG hash of (seed, domain, index, counter).

No state, so any sample can be regenerated: renders are reproducible, finite differences
use common random numbers, and Taichi's autodiff never meets `ti.random`. `uniform_numpy`
is a bit-exact NumPy twin used by tests and by host-side code.
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
def hash4(seed: ti.u32, domain: ti.u32, index: ti.u32, counter: ti.u32) -> ti.u32:
    return pcg_hash(counter + pcg_hash(index + pcg_hash(domain + pcg_hash(seed))))


@ti.func
def uniform(seed: ti.u32, domain: ti.u32, index: ti.u32, counter: ti.u32) -> ti.f32:
    """A float32 in [0, 1) from the top 24 bits of the hash."""
    return ti.f32(hash4(seed, domain, index, counter) >> ti.u32(8)) * _TO_UNIT


def _pcg_hash_numpy(v: np.ndarray) -> np.ndarray:
    v = v.astype(np.uint32)
    with np.errstate(over="ignore"):
        state = v * np.uint32(_MUL) + np.uint32(_INC)
        word = ((state >> ((state >> np.uint32(28)) + np.uint32(4))) ^ state) * np.uint32(_OUT)
    return (word >> np.uint32(22)) ^ word


def uniform_numpy(seed, domain, index, counter) -> np.ndarray:
    """NumPy twin of `uniform`, bit-exact; arguments broadcast."""
    u = np.uint32
    with np.errstate(over="ignore"):
        h = _pcg_hash_numpy(np.asarray(seed).astype(u))
        h = _pcg_hash_numpy(np.asarray(domain).astype(u) + h)
        h = _pcg_hash_numpy(np.asarray(index).astype(u) + h)
        h = _pcg_hash_numpy(np.asarray(counter).astype(u) + h)
    return (h >> u(8)).astype(np.float32) * np.float32(_TO_UNIT)


@ti.kernel
def uniform_table(out: ti.types.ndarray(dtype=ti.f32, ndim=2), seed: ti.u32, domain: ti.u32):
    """out[i, c] = uniform(seed, domain, i, c); for tests and inspection."""
    for i, c in ti.ndrange(out.shape[0], out.shape[1]):
        out[i, c] = uniform(seed, domain, ti.u32(i), ti.u32(c))
