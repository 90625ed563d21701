"""Forward rendering: the Monte Carlo image and the exact reference image."""

from __future__ import annotations

import numpy as np
from reynolds.exact import DEFAULT_CIRCLE_TOLERANCE, render_exact_image
from reynolds.kernels import SAMPLERS, render_image
from reynolds.limits import check_count
from reynolds.packing import pack_scene
from reynolds.scene import Scene
from reynolds.scene_limits import check_scene_limits

ARCHES = ("auto", "cpu", "gpu")


def check_sampling(*, spp: int, seed: int, sampler: str, arch: str) -> None:
    """Refuse option values the kernels cannot honour, with a message naming the option.

    Raises:
        SceneError (a ValueError): spp outside [1, 2**31 - 1] or seed outside
            [0, 2**32 - 1], the kernels' integer widths (`reynolds.limits`).
        ValueError: an unknown sampler or arch.
    """
    check_count(spp, "spp")
    check_count(seed, "seed", minimum=0, maximum=2**32 - 1)
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {tuple(SAMPLERS)}, got {sampler!r}")
    if arch not in ARCHES:
        raise ValueError(f"arch must be one of {ARCHES}, got {arch!r}")


def render(
    scene: Scene,
    *,
    spp: int = 16,
    seed: int = 0,
    sampler: str = "jitter",
    arch: str = "auto",
) -> np.ndarray:
    """Monte Carlo estimate of the box-filtered image (docs/design.md §1).

    Args:
        scene: a validated scene.
        spp: samples per pixel.
        seed: seed in [0, 2**32) of the counter-based RNG; equal seeds give equal images.
        sampler: "jitter" (stratified, default), "iid", or "r2" (shifted low-discrepancy).
        arch: "auto" or "gpu" (CUDA, then Vulkan, else CPU) or "cpu"; only the first
            render of a process chooses the backend.
    Returns:
        `[height, width, 3]` float32 linear RGB, row 0 at the top; pixel (i, j) estimates
        the integral of the picture over [j, j+1] x [i, i+1].
    """
    check_sampling(spp=spp, seed=seed, sampler=sampler, arch=arch)
    return render_image(
        pack_scene(scene), spp=int(spp), seed=int(seed), sampler=sampler, arch=arch
    )


def render_exact(
    scene: Scene, *, circle_tolerance: float = DEFAULT_CIRCLE_TOLERANCE
) -> np.ndarray:
    """Exact box-filtered image: polygon areas in float64, circles within `circle_tolerance`.

    Returns:
        `[height, width, 3]` float64 linear RGB.
    """
    check_scene_limits(scene)
    return render_exact_image(scene, circle_tolerance=circle_tolerance)
