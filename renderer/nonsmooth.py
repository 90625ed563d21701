"""A parameter swept across a non-differentiable point: the exact objective, its
one-sided derivatives and the boundary estimators' means (docs/design.md §4, §5.3).

The objective is L(theta) = sum(adjoint * exact image) with one parameter component
theta moved; at each swept value the exact one-sided derivatives d- and d+ come from
`exact_one_sided`, and each boundary rule's mean and standard error from `repeat`
independent seeds of `backward`. Where d- != d+ a conservative gradient must lie
between them; the two-sided rule gives their midpoint, diffvg's epsilon rule need not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from reynolds.backward import backward_with_stderr, check_adjoint
from reynolds.errors import SceneError
from reynolds.estimators import EDGE_SAMPLINGS
from reynolds.params import get_param, parse_name, set_param
from reynolds.progress import ProgressBar
from reynolds.render import render_exact
from reynolds.scene import Scene
from reynolds.soft import SOFT_SIGMA, check_soft_sigma
from reynolds.validation import exact_one_sided, mc_step, smooth_adjoint


@dataclass(frozen=True)
class Sweep:
    """One parameter component swept across an interval.

    Attributes:
        name, component: the parameter and the flat index of the swept component.
        values: `[N]` swept values (the scene's own value in the middle).
        objective: `[N]` sum(adjoint * exact image).
        minus, plus, error: `[N]` exact one-sided derivatives and their error bound.
        means, stderrs: {rule: `[N]`} mean and standard error over `repeat` seeds.
        repeat, seed, spp, edge_samples: the Monte Carlo settings (seeds are
            seed .. seed + repeat - 1; edge_samples None means the default).
        soft_sigma: the temperature of rule "soft", pixels.
    """

    name: str
    component: int
    values: np.ndarray
    objective: np.ndarray
    minus: np.ndarray
    plus: np.ndarray
    error: np.ndarray
    means: dict[str, np.ndarray]
    stderrs: dict[str, np.ndarray]
    repeat: int
    seed: int
    spp: int
    edge_samples: int | None
    soft_sigma: float

    def to_json(self) -> dict:
        """The numbers behind the figure, for a JSON file."""
        return {
            "param": self.name,
            "component": self.component,
            "values": self.values.tolist(),
            "objective": self.objective.tolist(),
            "d_minus": self.minus.tolist(),
            "d_plus": self.plus.tolist(),
            "reference_error": self.error.tolist(),
            "estimates": {
                rule: {"mean": m.tolist(), "stderr": self.stderrs[rule].tolist()}
                for rule, m in self.means.items()
            },
            "seeds": [self.seed, self.seed + self.repeat - 1],
            "spp": self.spp,
            "edge_samples": self.edge_samples,
            "soft_sigma": self.soft_sigma,
        }


def _with_component(scene: Scene, name: str, component: int, value: float) -> Scene:
    base = get_param(scene, name)
    flat = base.reshape(-1).copy()
    flat[component] = value
    return set_param(scene, name, flat.reshape(base.shape))


def sweep(
    scene: Scene,
    name: str,
    *,
    component: int = 0,
    adjoint: np.ndarray | None = None,
    half_width: float | None = None,
    points: int = 21,
    rules: Sequence[str] = ("stratified", "epsilon"),
    soft_sigma: float = SOFT_SIGMA,
    repeat: int = 16,
    seed: int = 0,
    spp: int = 16,
    edge_samples: int | None = None,
    arch: str = "auto",
    progress: bool = False,
) -> Sweep:
    """Sweep component `component` of parameter `name` over value +- half_width.

    Args:
        adjoint: `[H, W, 3]` weights (default `smooth_adjoint` of the canvas, seed 7).
        half_width: half the swept interval in the parameter's units (default: what
            moves the boundary by half a pixel, twice `mc_step`).
        points: number of swept values, made odd so the scene's own value is one.
        rules: boundary rules (`edge_sampling` values) to estimate with.
        soft_sigma: temperature of rule "soft", pixels, as in `backward`.
        repeat, seed, spp, edge_samples: as for `backward_with_stderr`.
        progress: draw a progress bar on stderr.
    Raises:
        SceneError: unknown parameter, component out of range, a non-geometric
            parameter, an unknown rule, a bad soft_sigma, or a bad adjoint.
    """
    ref = parse_name(scene, name)
    if not ref.is_geometry:
        raise SceneError(
            f"{name} is a colour parameter: the image is smooth in it, nothing to sweep"
        )
    base = get_param(scene, name).reshape(-1)
    if not 0 <= component < base.size:
        raise SceneError(
            f"component {component} out of range: {name} has {base.size} component(s)"
        )
    for rule in rules:
        if rule not in EDGE_SAMPLINGS:
            raise SceneError(
                f"unknown rule {rule!r} (known: {', '.join(EDGE_SAMPLINGS)})"
            )
    soft_sigma = check_soft_sigma(soft_sigma)
    height, width = scene.canvas.height, scene.canvas.width
    adjoint = (
        smooth_adjoint(height, width, seed=7)
        if adjoint is None
        else check_adjoint(scene, adjoint)
    )
    half_width = 2.0 * mc_step(scene, name) if half_width is None else half_width
    points = max(3, points | 1)
    centre = float(base[component])
    offsets = np.linspace(-half_width, half_width, points)
    if ref.attribute in ("radius", "scale"):
        # Keep the swept radius or scale positive.
        offsets = np.maximum(offsets, -0.5 * centre)
    values = centre + offsets
    objective, minus, plus, error = (np.zeros(points) for _ in range(4))
    means = {rule: np.zeros(points) for rule in rules}
    stderrs = {rule: np.zeros(points) for rule in rules}
    bar = ProgressBar(points, f"sweep {name}[{component}]") if progress else None
    index = np.unravel_index(component, get_param(scene, name).shape)
    for n, value in enumerate(values):
        moved = _with_component(scene, name, component, float(value))
        exact = exact_one_sided(moved, adjoint, params=[name])
        minus[n] = exact.minus[name][index]
        plus[n] = exact.plus[name][index]
        error[n] = exact.error[name][index]
        objective[n] = float(np.sum(adjoint * render_exact(moved)))
        for rule in rules:
            mean, stderr = backward_with_stderr(
                moved,
                adjoint,
                params=[name],
                repeat=repeat,
                seed=seed,
                spp=spp,
                edge_samples=edge_samples,
                edge_sampling=rule,
                soft_sigma=soft_sigma,
                arch=arch,
            )
            means[rule][n] = mean[name][index]
            stderrs[rule][n] = stderr[name][index] if repeat > 1 else math.nan
        if bar:
            bar.update(n)
    if bar:
        bar.close()
    return Sweep(
        name=name,
        component=component,
        values=values,
        objective=objective,
        minus=minus,
        plus=plus,
        error=error,
        means=means,
        stderrs=stderrs,
        repeat=repeat,
        seed=seed,
        spp=spp,
        edge_samples=edge_samples,
        soft_sigma=soft_sigma,
    )
