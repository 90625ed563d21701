"""Per-pixel derivative images dI/dtheta of one scalar parameter component.

Methods:
- "reynolds": geometric parameters by edge sampling in tangent mode (the boundary term
  per pixel); colour parameters by the interior term, which for the affine dependence of
  a sample's colour on fill, opacity and background is a common-random-number
  difference of the render, exactly.
- "naive": what automatic differentiation of the pixel samples gives: the interior
  term only, so zero for every geometric parameter.
- "fd": central differences of the Monte Carlo render, common random numbers.
- "exact": central differences of the exact image.
"""

from __future__ import annotations

import numpy as np
from reynolds.backward import edge_sample_count
from reynolds.errors import SceneError
from reynolds.estimators import boundary_estimator, estimator_pieces
from reynolds.exact import circle_segment_counts, render_exact_image
from reynolds.frames import frames_of
from reynolds.kernels import boundary_tangent
from reynolds.kernels.rng import derive_seed
from reynolds.packing import pack_scene
from reynolds.params import get_param, parse_name, set_param
from reynolds.render import render
from reynolds.scene import Scene
from reynolds.validation import (
    EXACT_STEP,
    EXACT_STEPS,
    MC_COLOUR_STEP,
    central_difference,
    mc_step,
)

METHODS = ("reynolds", "naive", "fd", "exact")


def _nudged(scene: Scene, name: str, component: int, delta: float) -> Scene:
    value = get_param(scene, name)
    flat = value.reshape(-1).copy()
    flat[component] += delta
    return set_param(scene, name, flat.reshape(value.shape))


def _central(
    scene: Scene, name: str, component: int, step: float, image_of
) -> np.ndarray:
    index = np.unravel_index(component, get_param(scene, name).shape)
    return central_difference(scene, name, index, step, image_of)


def world_velocity(
    scene: Scene, name: str, component: int
) -> tuple[np.ndarray, np.ndarray]:
    """d(world vertices)/dtheta `[V, 2]` and d(circle cx, cy, r)/dtheta `[S, 3]`.

    World geometry is an analytic function of the parameters, so a central difference
    with a 1e-6 step is exact to ~1e-9.
    """
    h = 1e-6
    plus, minus = (
        frames_of(_nudged(scene, name, component, h)),
        frames_of(_nudged(scene, name, component, -h)),
    )
    verts = (plus.world_vertices() - minus.world_vertices()) / (2 * h)
    circles = (plus.world_circles() - minus.world_circles()) / (2 * h)
    return verts, circles


def derivative_image(
    scene: Scene,
    name: str,
    *,
    component: int = 0,
    method: str = "reynolds",
    spp: int = 16,
    edge_samples: int | None = None,
    seed: int = 0,
    sampler: str = "jitter",
    edge_sampling: str = "stratified",
    arch: str = "auto",
) -> np.ndarray:
    """dI/dtheta `[height, width, 3]` float64 for component `component` of parameter `name`.

    `edge_sampling` chooses the boundary estimator of the "reynolds" method, as in
    `backward`; those that follow the adjoint ("importance") and "soft" have no tangent
    mode.

    Raises:
        SceneError: unknown parameter or component out of range, or "soft".
        ValueError: an unknown method or edge_sampling.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    boundary = boundary_estimator(edge_sampling)
    if boundary.soft:
        raise SceneError(
            "edge_sampling 'soft' has no derivative-image (tangent) mode: the soft "
            "rasteriser's gradient exists in adjoint form only (backward); use another "
            "estimator"
        )
    ref = parse_name(scene, name)
    size = get_param(scene, name).size
    if not 0 <= component < size:
        raise SceneError(
            f"parameter {name!r} has {size} component(s); component {component} does not exist"
        )

    def mc(s: Scene) -> np.ndarray:
        return render(s, spp=spp, seed=seed, sampler=sampler, arch=arch)

    if method == "exact":
        segments = circle_segment_counts(scene, 1e-6)
        step = EXACT_STEPS.get(ref.attribute, EXACT_STEP)
        return _central(
            scene,
            name,
            component,
            step,
            lambda s: render_exact_image(s, segments=segments),
        )
    if method == "fd":
        return _central(scene, name, component, mc_step(scene, name), mc)
    if not ref.is_geometry:
        return _central(scene, name, component, MC_COLOUR_STEP, mc)
    if method == "naive":
        return np.zeros((scene.canvas.height, scene.canvas.width, 3))
    buffers = pack_scene(scene)
    pieces = estimator_pieces(boundary, buffers)
    edge_samples = edge_sample_count(edge_samples, pieces)
    velocity_verts, velocity_circle = world_velocity(scene, name, component)
    return boundary_tangent(
        buffers,
        pieces,
        velocity_verts,
        velocity_circle,
        samples=edge_samples,
        seed=derive_seed(seed, 1),
        placement=boundary.placement,
        epsilon=boundary.epsilon,
        # Whole-shape motions move coincident copies of an edge together.
        rigid=ref.attribute in ("translate", "rotate", "scale"),
        arch=arch,
    )


FIGURE_METHODS = {
    "reynolds": "edge sampling (Reynolds)",
    "fd": "finite differences (MC, CRN)",
    "naive": "naive autodiff",
    "exact": "exact reference",
}


def derivative_figure(
    scene: Scene,
    name: str,
    *,
    component: int = 0,
    methods: tuple[str, ...] = ("reynolds", "fd", "naive"),
    **options,
) -> bytes:
    """PNG of dI/dtheta (mean of R, G, B) by each of `methods`, side by side on one
    diverging scale set by the last panel (the exact one, when included).

    Args:
        **options: passed to `derivative_image` (spp, edge_samples, seed, sampler,
            edge_sampling, arch).
    """
    from reynolds.plotting import derivative_panels

    panels = [
        (
            FIGURE_METHODS[m],
            derivative_image(
                scene, name, component=component, method=m, **options
            ).mean(axis=2),
        )
        for m in methods
    ]
    reference = np.abs(panels[-1][1] if "exact" in methods else panels[0][1])
    limit = float(np.percentile(reference, 99.5)) or float(reference.max()) or 1.0
    label = name + (
        f" component {component}" if get_param(scene, name).size > 1 else ""
    )
    return derivative_panels(
        panels, limit=limit, label=f"dI/d({label}), mean of R, G, B"
    )
