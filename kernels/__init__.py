"""Taichi kernels of Reynolds: arrays in, arrays out. Only `renderer` imports this package."""

import os

# Taichi prints a banner on import unless told not to; this must run before its import.
os.environ.setdefault("ENABLE_TAICHI_HEADER_PRINT", "0")

from reynolds.kernels.binning import bin_shapes, choose_tile_size  # noqa: E402
from reynolds.kernels.boundary import boundary_adjoint, boundary_tangent  # noqa: E402
from reynolds.kernels.buffers import (  # noqa: E402
    KIND_CIRCLE,
    KIND_POLYGON,
    RULE_EVENODD,
    RULE_NONZERO,
    SceneBuffers,
)
from reynolds.kernels.edges import (  # noqa: E402
    EdgePieces,
    build_edge_pieces,
    importance_mass,
)
from reynolds.kernels.forward import render_image  # noqa: E402
from reynolds.kernels.interior import interior_adjoint  # noqa: E402
from reynolds.kernels.runtime import ensure_initialized  # noqa: E402
from reynolds.kernels.sampling import SAMPLERS  # noqa: E402
from reynolds.kernels.soft import (  # noqa: E402
    SOFT_REACH,
    render_soft_image,
    soft_adjoint,
)

__all__ = [
    "KIND_CIRCLE",
    "KIND_POLYGON",
    "RULE_EVENODD",
    "RULE_NONZERO",
    "SAMPLERS",
    "SOFT_REACH",
    "EdgePieces",
    "SceneBuffers",
    "bin_shapes",
    "boundary_adjoint",
    "boundary_tangent",
    "build_edge_pieces",
    "choose_tile_size",
    "ensure_initialized",
    "importance_mass",
    "interior_adjoint",
    "render_image",
    "render_soft_image",
    "soft_adjoint",
]
