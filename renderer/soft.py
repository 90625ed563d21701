"""The soft rasteriser baseline (docs/design.md §3.8): a smoothed image and its gradient.

`backward(..., edge_sampling="soft", soft_sigma=sigma)` differentiates, for geometry,
the image `render_soft(scene, sigma=sigma)` returns instead of the true one: biased by
design, the baseline of soft rasterisers (SoftRas, Liu et al. 2019), kept for
comparison. Both draw the pixel samples of the interior term for the same seed, so a
central difference of `render_soft` checks the gradient with common random numbers.
"""

from __future__ import annotations

import math

import numpy as np
from reynolds.errors import SceneError
from reynolds.kernels import SOFT_REACH, render_soft_image, soft_adjoint
from reynolds.kernels.rng import derive_seed
from reynolds.limits import MAX_COORDINATE
from reynolds.packing import pack_scene
from reynolds.render import check_sampling
from reynolds.scene import Scene

# Default temperature, pixels: half a pixel keeps the sigmoid's 10-90 % ramp
# (4.4 sigma = 2.2 px) about two pixels wide, so the gradient reaches the pixels next
# to an edge, while a shape one pixel wide still reaches 73 % of its opacity.
SOFT_SIGMA = 0.5
# Smallest temperature, pixels: far below any useful one (only samples within a few
# sigma of an edge carry gradient, so the variance grows like 1 / sigma), it keeps
# s / sigma finite. The largest is MAX_COORDINATE, which keeps the binning margin finite.
MIN_SOFT_SIGMA = 1e-6


def check_soft_sigma(sigma: float) -> float:
    """`sigma` as a float if it is a finite temperature in [1e-6, MAX_COORDINATE] px.

    Raises:
        SceneError (a ValueError): naming soft_sigma, saying why.
    """
    try:
        value = float(sigma)
    except (TypeError, ValueError):
        raise SceneError(
            f"must be a number of pixels, got {sigma!r}", where="soft_sigma"
        ) from None
    if not math.isfinite(value) or not MIN_SOFT_SIGMA <= value <= MAX_COORDINATE:
        raise SceneError(
            f"must be finite, in [{MIN_SOFT_SIGMA:g}, {MAX_COORDINATE:g}] px, "
            f"got {sigma!r}",
            where="soft_sigma",
        )
    return value


def _pixel_seed(seed: int) -> int:
    # The interior term's stream (purpose 0 in `reynolds.backward.backward`).
    return derive_seed(seed, 0)


def soft_geometry_adjoint(
    scene: Scene,
    adjoint: np.ndarray,
    *,
    sigma: float,
    spp: int,
    seed: int,
    sampler: str,
    arch: str,
) -> tuple[np.ndarray, np.ndarray]:
    """sum(adjoint * d(render_soft(scene, ...))/d(world geometry)), exactly.

    Args:
        adjoint: `[height, width, 3]` float64 dL/dI, already checked.
        sigma, spp, seed, sampler, arch: as in `render_soft`, already checked.
    Returns:
        (d_verts `[V, 2]`, d_circle `[S, 3]`) world space, float64, as
        `reynolds.frames.Frames.chain` takes them; V counts every polygon point.
    """
    buffers = pack_scene(scene, margin=SOFT_REACH * sigma)
    return soft_adjoint(
        buffers,
        adjoint,
        spp=spp,
        seed=_pixel_seed(seed),
        sampler=sampler,
        sigma=sigma,
        arch=arch,
    )


def render_soft(
    scene: Scene,
    *,
    sigma: float = SOFT_SIGMA,
    spp: int = 16,
    seed: int = 0,
    sampler: str = "jitter",
    arch: str = "auto",
) -> np.ndarray:
    """The soft image whose geometry gradient `backward(edge_sampling="soft")` returns.

    Each shape covers a point x with sigmoid(s(x) / sigma), s the signed distance to its
    boundary in pixels (> 0 inside by its fill rule), composited front to back with
    "over" at alpha = opacity x cover (docs/design.md §3.8). Every pixel is the mean of
    `spp` samples, the ones `backward(scene, ..., spp=spp, seed=seed, sampler=sampler)`
    draws for its interior term: central differences of this image in a parameter use
    the same samples as the gradient.

    Args:
        sigma: temperature, pixels (default 0.5).
        spp, seed, sampler, arch: as in `reynolds.render`.
    Returns:
        `[height, width, 3]` float64 linear RGB.
    Raises:
        SceneError: a sigma, spp or seed the kernels cannot honour.
    """
    check_sampling(spp=spp, seed=seed, sampler=sampler, arch=arch)
    sigma = check_soft_sigma(sigma)
    buffers = pack_scene(scene, margin=SOFT_REACH * sigma)
    return render_soft_image(
        buffers,
        spp=int(spp),
        seed=_pixel_seed(int(seed)),
        sampler=sampler,
        sigma=sigma,
        arch=arch,
    )
