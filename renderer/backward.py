"""Gradients of scalar functions of the image: the backward pass (docs/design.md §2-§3).

`backward` returns sum(adjoint * dI/dtheta) for named parameters as the sum of two
estimators with their own sample budgets, like Mitsuba's projective integrator:
- the interior term (pixel samples, `spp`): derivative of the composited colour for fill,
  opacity and background;
- the boundary term (edge samples, `edge_samples`): the Reynolds transport term for every
  geometric parameter — polygon points, circle centre and radius, translate, rotate,
  scale — through the transform chain.
`estimator="naive"` keeps the interior term only: what automatic differentiation of the
pixel samples gives, right for colours and zero for geometry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from reynolds.errors import SceneError
from reynolds.estimators import boundary_estimator, estimator_pieces
from reynolds.frames import frames_of
from reynolds.kernels import EdgePieces, boundary_adjoint, interior_adjoint
from reynolds.kernels.rng import derive_seed
from reynolds.limits import MAX_REPEAT, MAX_SAMPLES, check_count
from reynolds.packing import pack_scene
from reynolds.params import ParamRef, param_names, parse_name
from reynolds.render import check_sampling, render
from reynolds.scene import Scene
from reynolds.soft import SOFT_SIGMA, check_soft_sigma, soft_geometry_adjoint

ESTIMATORS = ("reynolds", "naive")
LOSSES = ("l2", "l1")
EDGE_SAMPLES_PER_PIXEL = 16  # default edge samples per pixel of boundary length


def default_edge_samples(pieces: EdgePieces) -> int:
    """16 edge samples per pixel of boundary length inside the canvas (at least 1024)."""
    return max(1024, int(math.ceil(EDGE_SAMPLES_PER_PIXEL * pieces.total_length)))


def edge_sample_count(edge_samples: int | None, pieces: EdgePieces) -> int:
    """The number of edge samples to draw: `edge_samples`, or `default_edge_samples`.

    Stratified allocation gives every boundary piece at least one sample, so the count
    plus the number of pieces must fit the kernels' 32-bit sample index
    (`reynolds.limits.MAX_SAMPLES`).

    Raises:
        SceneError (a ValueError): a count that is not an integer, negative, or too large.
    """
    room = MAX_SAMPLES - pieces.count
    if edge_samples is None:
        return min(default_edge_samples(pieces), room)
    samples = check_count(edge_samples, "edge_samples", minimum=0)
    if samples > room:
        raise SceneError(
            f"{samples} samples plus one per boundary piece ({pieces.count}) exceed "
            f"the kernels' 32-bit sample index ({MAX_SAMPLES})",
            where="edge_samples",
        )
    return samples


def check_adjoint(
    scene: Scene, adjoint: np.ndarray, *, what: str = "adjoint"
) -> np.ndarray:
    """The adjoint as float64 `[H, W, 3]`, or a SceneError saying what is wrong with it."""
    array = np.asarray(adjoint, dtype=np.float64)
    expected = (scene.canvas.height, scene.canvas.width, 3)
    if array.shape != expected:
        raise SceneError(
            f"{what} has shape {array.shape}, the scene's image is {expected}"
        )
    if not np.all(np.isfinite(array)):
        raise SceneError(f"{what} holds NaN or infinite values")
    return array


def check_gradient_options(
    *, estimator: str, edge_sampling: str, edge_samples: int | None
) -> None:
    """Refuse backward-pass option values `backward` cannot honour, naming the option."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    boundary_estimator(edge_sampling)
    if edge_samples is not None:
        check_count(edge_samples, "edge_samples", minimum=0)


def _resolve(scene: Scene, params: Sequence[str] | None) -> list[ParamRef]:
    names = param_names(scene) if params is None else list(dict.fromkeys(params))
    return [parse_name(scene, name) for name in names]


def backward(
    scene: Scene,
    adjoint: np.ndarray,
    *,
    params: Sequence[str] | None = None,
    spp: int = 16,
    edge_samples: int | None = None,
    seed: int = 0,
    estimator: str = "reynolds",
    sampler: str = "jitter",
    edge_sampling: str = "stratified",
    soft_sigma: float = SOFT_SIGMA,
    arch: str = "auto",
) -> dict[str, np.ndarray]:
    """Unbiased estimate of sum(adjoint * dI/dtheta) for each named parameter theta.

    Args:
        scene: a validated scene.
        adjoint: `[height, width, 3]` weights w = dL/dI of each pixel value.
        params: parameter names (default: every parameter of the scene).
        spp: pixel samples per pixel for the interior term.
        edge_samples: edge samples over the whole boundary for the boundary term
            (default `default_edge_samples`: 16 per pixel of boundary length).
        seed: seed in [0, 2**32); equal seeds give equal gradients.
        estimator: "reynolds" (interior + boundary term) or "naive" (interior only).
        sampler: pixel sampler of the interior term ("jitter", "iid", "r2").
        edge_sampling: the boundary estimator, one of EDGE_SAMPLINGS
            (`reynolds.estimators`, docs/design.md §3.7): "stratified" (default) along
            pieces cut at pixel lines, "iid", "length", "antithetic", "importance",
            "epsilon", diffvg's rule, the jump evaluated a step of 1e-4 px off each side
            of the edge (biased where edges coincide: §4.6; for comparison),
            "analytic", each piece cut at pixel lines and crossings integrated exactly
            (deterministic: edge_samples unused), or "soft", the exact geometry gradient of the soft rasteriser's image
            `reynolds.render_soft` with this call's pixel samples (biased by design:
            §3.8; for comparison; edge_samples unused).
        soft_sigma: temperature of "soft", pixels (finite, > 0; default 0.5).
        arch: Taichi backend choice for the first kernel call of the process.
    Returns:
        {name: float64 array shaped like the parameter}. Rotation gradients are per
        degree; positions per pixel.
    Raises:
        SceneError: unknown parameter name, an adjoint of the wrong shape, a scene
            beyond the limits, or a sample count or seed beyond the kernels' integers.
    """
    check_sampling(spp=spp, seed=seed, sampler=sampler, arch=arch)
    check_gradient_options(
        estimator=estimator, edge_sampling=edge_sampling, edge_samples=edge_samples
    )
    soft_sigma = check_soft_sigma(soft_sigma)
    adjoint = check_adjoint(scene, adjoint)
    refs = _resolve(scene, params)
    buffers = pack_scene(scene)
    frames = frames_of(scene)
    d_color, d_opacity, d_background = interior_adjoint(
        buffers, adjoint, spp=spp, seed=derive_seed(seed, 0), sampler=sampler, arch=arch
    )
    n_verts = int(frames.counts.sum())
    d_verts = np.zeros((n_verts, 2))
    d_circle = np.zeros((len(scene.shapes), 3))
    d_joint = d_verts
    wants_geometry = any(ref.is_geometry for ref in refs)
    boundary = boundary_estimator(edge_sampling)
    if estimator == "reynolds" and wants_geometry and boundary.soft:
        d_verts, d_circle = soft_geometry_adjoint(
            scene,
            adjoint,
            sigma=soft_sigma,
            spp=spp,
            seed=seed,
            sampler=sampler,
            arch=arch,
        )
        d_verts, d_joint = d_verts[:n_verts], d_verts[:n_verts]
    elif estimator == "reynolds" and wants_geometry:
        pieces = estimator_pieces(boundary, buffers, adjoint)
        dv, dc, dj = boundary_adjoint(
            buffers,
            pieces,
            adjoint,
            samples=edge_sample_count(edge_samples, pieces),
            seed=derive_seed(seed, 1),
            placement=boundary.placement,
            epsilon=boundary.epsilon,
            arch=arch,
        )
        d_verts, d_circle, d_joint = dv[:n_verts], dc, dj[:n_verts]
    geometry = frames.chain(d_verts, d_circle, d_joint)
    index = scene.index_of
    starts = frames.starts
    grads: dict[str, np.ndarray] = {}
    for ref in refs:
        name = ref.name
        if ref.shape_id is None:
            grads[name] = d_background.copy()
            continue
        k = index[ref.shape_id]
        attribute = ref.attribute
        if attribute == "points":
            block = geometry["points"][starts[k] : starts[k] + frames.counts[k]]
            grads[name] = (
                block[ref.index].copy() if ref.index is not None else block.copy()
            )
        elif attribute == "fill":
            grads[name] = d_color[k].copy()
        elif attribute == "opacity":
            grads[name] = np.array(d_opacity[k])
        else:
            grads[name] = np.array(geometry[attribute][k])
    return grads


def backward_with_stderr(
    scene: Scene, adjoint: np.ndarray, *, repeat: int = 8, seed: int = 0, **options
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Mean of `backward` over `repeat` independent seeds, and its standard error.

    Seeds are seed, seed + 1, ..., seed + repeat - 1 (streams are hashed, so they are
    independent). The standard error is the sample standard deviation / sqrt(repeat).

    Returns:
        (mean {name: array}, stderr {name: array}); stderr is NaN when repeat == 1.
    """
    check_count(repeat, "repeat", maximum=MAX_REPEAT)
    runs = [
        backward(scene, adjoint, seed=(seed + r) % 2**32, **options)
        for r in range(repeat)
    ]
    mean = {n: np.mean([g[n] for g in runs], axis=0) for n in runs[0]}
    if repeat == 1:
        return mean, {n: np.full_like(v, np.nan) for n, v in mean.items()}
    stderr = {
        n: np.std([g[n] for g in runs], axis=0, ddof=1) / math.sqrt(repeat)
        for n in runs[0]
    }
    return mean, stderr


def image_seed(seed: int) -> int:
    """Seed of the render that a `backward(..., seed=seed)` pass differentiates the loss of.

    `backward` draws its pixel and edge samples from streams derived from `seed` for
    purposes 0 and 1; the image comes from purpose 2, so the two are independent. The l2
    gradient, sum(2 (I - T) / n * dI/dtheta), multiplies the image by its derivative; the
    expectation of that product factorises, making the estimate unbiased, only when the
    two use different samples.
    """
    return derive_seed(seed, 2)


def image_loss(
    image: np.ndarray, target: np.ndarray, loss: str
) -> tuple[float, np.ndarray]:
    """Loss value and its adjoint dL/dimage for `l2` = mean((I - T)^2) or `l1` = mean|I - T|."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    diff = np.asarray(image, dtype=np.float64) - target
    if loss == "l2":
        return float(np.mean(diff**2)), 2.0 * diff / diff.size
    return float(np.mean(np.abs(diff))), np.sign(diff) / diff.size


def loss_adjoint(
    scene: Scene,
    target: np.ndarray,
    *,
    loss: str = "l2",
    seed: int = 0,
    spp: int = 16,
    sampler: str = "jitter",
    arch: str = "auto",
) -> tuple[float, np.ndarray]:
    """Loss of a Monte Carlo render against `target`, and the adjoint dL/dI to propagate.

    The render uses `image_seed(seed)`, so the backward pass run with `seed` itself uses
    independent samples: for "l2" the resulting gradient is then an
    unbiased estimate of the gradient of the exact image's loss. ("l1" takes the sign of
    a noisy difference, so its gradient is biased where the difference is near zero.)
    """
    target = check_adjoint(scene, target, what="target image")
    image = render(scene, spp=spp, seed=image_seed(seed), sampler=sampler, arch=arch)
    return image_loss(image, target, loss)


def loss_and_grad(
    scene: Scene,
    target: np.ndarray,
    *,
    loss: str = "l2",
    seed: int = 0,
    spp: int = 16,
    sampler: str = "jitter",
    arch: str = "auto",
    **options,
) -> tuple[float, dict[str, np.ndarray]]:
    """Image loss against `target` and its gradient for named parameters.

    Args:
        target: `[height, width, 3]` image.
        loss: "l2" (mean squared error) or "l1" (mean absolute error), over all pixels
            and channels.
        **options: passed on to `backward` (params, edge_samples, estimator, ...).
    Returns:
        (loss of the Monte Carlo render, {name: gradient}); see `loss_adjoint`.
    """
    value, adjoint = loss_adjoint(
        scene, target, loss=loss, seed=seed, spp=spp, sampler=sampler, arch=arch
    )
    return value, backward(
        scene, adjoint, seed=seed, spp=spp, sampler=sampler, arch=arch, **options
    )
