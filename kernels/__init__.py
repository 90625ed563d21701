"""Taichi kernels of Reynolds: arrays in, arrays out. Only `renderer` imports this package."""

from kernels.binning import bin_shapes, choose_tile_size
from kernels.buffers import (
    KIND_CIRCLE,
    KIND_POLYGON,
    RULE_EVENODD,
    RULE_NONZERO,
    SceneBuffers,
)
from kernels.forward import render_image
from kernels.runtime import (
    ensure_initialized,  # first: it silences Taichi's import banner
)
from kernels.sampling import SAMPLERS

__all__ = [
    "KIND_CIRCLE",
    "KIND_POLYGON",
    "RULE_EVENODD",
    "RULE_NONZERO",
    "SAMPLERS",
    "SceneBuffers",
    "bin_shapes",
    "choose_tile_size",
    "ensure_initialized",
    "render_image",
]
