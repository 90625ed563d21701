"""The parametric problem whose optimiser iterates are differentiated (docs/sgd-derivatives.md).

Scene parameters x (a list of names laid end to end by `ParamVector`) are fitted to a
target image by minimising

    F(x, theta) = mean((I(x, theta) - T(theta))^2) + (lambda / 2) ||x - x_0||^2

over all pixels and channels, with x_0 the start. The hyper-parameter theta is one of:
- `BlendTarget(T1)`: T(theta) = (1 - theta) T + theta T1, at theta = 0;
- `L2Weight(w)`: lambda = theta, at theta = w (without it lambda = 0);
- `SceneParameter(name, component)`: one component of a scene parameter that is not
  optimised (an occluder's translate, say), held at its value in the scene.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from reynolds.backward import check_adjoint
from reynolds.errors import SceneError
from reynolds.params import (
    ParamVector,
    disjoint_names,
    get_param,
    parse_name,
    set_param,
)
from reynolds.scene import Scene

# Image-affine parameters: with the geometry and opacities fixed, every pixel sample's
# colour is a linear combination of these with weights that do not depend on them.
AFFINE_ATTRIBUTES = ("fill", "background")


@dataclass(frozen=True)
class BlendTarget:
    """theta blends the target toward `target` ([H, W, 3]): T(theta) = (1 - theta) T +
    theta T1, differentiated at theta = 0."""

    target: np.ndarray


@dataclass(frozen=True)
class L2Weight:
    """theta is the weight lambda of the regulariser (lambda / 2) ||x - x_0||^2, at
    lambda = `weight` (>= 0)."""

    weight: float


@dataclass(frozen=True)
class SceneParameter:
    """theta is flat component `component` of scene parameter `name`, held fixed."""

    name: str
    component: int = 0


Hyper = BlendTarget | L2Weight | SceneParameter


def _check_hyper(scene: Scene, names: list[str], hyper: Hyper) -> Hyper:
    if isinstance(hyper, BlendTarget):
        return BlendTarget(check_adjoint(scene, hyper.target, what="blend target"))
    if isinstance(hyper, L2Weight):
        weight = float(hyper.weight)
        if not (math.isfinite(weight) and weight >= 0.0):
            raise SceneError(
                f"the L2 weight must be finite and >= 0, got {hyper.weight!r}"
            )
        return L2Weight(weight)
    if isinstance(hyper, SceneParameter):
        parse_name(scene, hyper.name)
        size = get_param(scene, hyper.name).size
        if not 0 <= hyper.component < size:
            raise SceneError(
                f"parameter {hyper.name!r} has {size} component(s); "
                f"component {hyper.component} does not exist"
            )
        if hyper.name in names:
            raise SceneError(
                f"{hyper.name} is the hyper-parameter: it cannot also be optimised"
            )
        disjoint_names(scene, [*names, hyper.name])
        return hyper
    raise TypeError(f"unknown hyper-parameter kind {type(hyper).__name__}")


@dataclass(frozen=True)
class Problem:
    """A validated problem: start scene, target T (float64), optimised names, theta.

    Attributes:
        scene: the start scene (x_0, and theta at its value).
        target: `[H, W, 3]` float64 target image T.
        view: the optimised parameters as one flat vector.
        hyper: what theta is.
        x0: `[d]` the start values.
    """

    scene: Scene
    target: np.ndarray
    view: ParamVector
    hyper: Hyper
    x0: np.ndarray

    @property
    def names(self) -> list[str]:
        return self.view.names

    @property
    def weight(self) -> float:
        """The regulariser's weight lambda (0 unless theta is an `L2Weight`)."""
        return self.hyper.weight if isinstance(self.hyper, L2Weight) else 0.0

    @property
    def is_affine(self) -> bool:
        """True when the image is affine in x and independent of theta's geometry: only
        fills and the background are optimised, and theta is not a geometric or opacity
        parameter. The image of fixed pixel samples is then exactly affine in x."""
        attributes = [parse_name(self.scene, n).attribute for n in self.names]
        theta = self.theta_param
        return all(a in AFFINE_ATTRIBUTES for a in attributes) and (
            theta is None
            or parse_name(self.scene, theta.name).attribute in AFFINE_ATTRIBUTES
        )

    @property
    def theta_param(self) -> SceneParameter | None:
        return self.hyper if isinstance(self.hyper, SceneParameter) else None

    def target_derivative(self) -> np.ndarray | None:
        """dT/dtheta `[H, W, 3]` (T1 - T for a blend), or None where T does not move."""
        if isinstance(self.hyper, BlendTarget):
            return self.hyper.target - self.target
        return None

    def scene_at(self, x: np.ndarray, theta_shift: float = 0.0) -> Scene:
        """The scene with the optimised parameters set to `x` and, for a
        `SceneParameter`, theta moved by `theta_shift` from its value.

        Raises:
            SceneError: x leaves the valid set (a radius or scale <= 0, an opacity
                outside [0, 1]).
        """
        scene = self.view.unflatten(self.scene, x)
        theta = self.theta_param
        if theta is not None and theta_shift != 0.0:
            value = get_param(scene, theta.name)
            flat = value.reshape(-1).copy()
            flat[theta.component] += theta_shift
            scene = set_param(scene, theta.name, flat.reshape(value.shape))
        return scene

    def objective(self, image: np.ndarray, x: np.ndarray) -> float:
        """F at x for the image `image` of x: mean squared error plus the regulariser."""
        residual = image - self.target
        return float(
            np.mean(residual**2) + 0.5 * self.weight * float(np.sum((x - self.x0) ** 2))
        )


def make_problem(
    scene: Scene, target: np.ndarray, *, params: Sequence[str], hyper: Hyper
) -> Problem:
    """Validate and bundle a problem.

    Raises:
        SceneError: an unknown or overlapping parameter name, a target or blend target
            of the wrong shape, a negative L2 weight, or a hyper-parameter that is also
            optimised.
    """
    names = disjoint_names(scene, params)
    if not names:
        raise SceneError("no parameters to optimise")
    target = check_adjoint(scene, target, what="target image")
    hyper = _check_hyper(scene, names, hyper)
    view = ParamVector(scene, names)
    return Problem(scene, target, view, hyper, view.flatten(scene))
