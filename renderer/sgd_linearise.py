"""The image and its first derivatives at an iterate: what one step and its tangent need.

A `Linearisation` at x (docs/sgd-derivatives.md, "What is exact"):
- `image`: the image the step's loss is computed from, `[H, W, 3]`;
- `tangents`: dI/dx_i for each flat component i of x, `[d, H, W, 3]`;
- `theta_tangent`: dI/dtheta when theta is a scene parameter, else None;
- `pullback(w)`: the gradient of sum(w * I) with respect to x, `[d]`.

Monte Carlo (`MonteCarloLinearisations`), at step seed s (step k of a run with seed S
uses s = (S + k) mod 2**32, as `optimize` does):
- the image is `render` with `image_seed(s)`, as `loss_adjoint` draws it;
- `pullback` is `backward` with seed s: the step's own gradient estimator, linear in w;
- colour tangents (fill, opacity, background) are the derivatives of that same image's
  samples (common random numbers): a sample's colour is affine in each colour parameter,
  so a central difference over a unit step gives the derivative of the sample path
  exactly, up to float32 rounding of the two renders (~3e-8);
- geometric tangents are Reynolds derivative images (`derivative_image`) with edge
  samples of their own (seed `derive_seed(s, TANGENT_PURPOSE)`): the sample path of the
  image is piecewise constant in geometry, so its derivative (what naive autodiff
  gives) is zero; the edge-sampled tangent is an unbiased estimate of d E[I] / dx,
  independent of the pullback's samples, so their products are unbiased too.
When only fills and the background are optimised (`Problem.is_affine`), the image of the
step's samples is exactly affine in x: it is evaluated as I(x_0) + sum_i (x - x_0)_i
tangent_i with the render and tangents taken at the start scene, so that a run is a
polynomial function of theta in float64 (what finite differences of iterates check).

Exact (`ExactLinearisations`): `render_exact_image` with the circles' polygons held at
fixed side counts (so the image is smooth in x), tangents by central differences of it
(steps `EXACT_STEPS`; a unit step for colours, where it is affine), and
`pullback(w) = sum(w * tangents)`. In the affine case they are computed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from reynolds.backward import backward, image_seed
from reynolds.derivative_image import derivative_image
from reynolds.exact import circle_segment_counts, render_exact_image
from reynolds.kernels.rng import derive_seed
from reynolds.params import get_param, parse_name
from reynolds.render import render
from reynolds.scene import Scene
from reynolds.sgd_problem import AFFINE_ATTRIBUTES, Problem
from reynolds.soft import SOFT_SIGMA
from reynolds.validation import EXACT_STEP, EXACT_STEPS, central_difference

# Purpose of the derived seed of the geometric tangent images at a step (`backward`
# uses 0 and 1 for its pixel and edge samples, `image_seed` 2).
TANGENT_PURPOSE = 3
# Step of the central difference of an image in a colour parameter: the image is affine
# in it, so every step is exact and the largest keeps rounding smallest.
AFFINE_STEP = 1.0


@dataclass(frozen=True)
class Linearisation:
    """The image at x and its derivatives (see the module docstring).

    Attributes:
        image: `[H, W, 3]` float64.
        tangents: `[d, H, W, 3]` float64, dI/dx_i.
        theta_tangent: `[H, W, 3]` dI/dtheta, or None when theta is not in the scene.
        pullback: w `[H, W, 3]` -> `[d]` sum(w * dI/dx).
    """

    image: np.ndarray
    tangents: np.ndarray
    theta_tangent: np.ndarray | None
    pullback: Callable[[np.ndarray], np.ndarray]

    def tangent(self, direction: np.ndarray) -> np.ndarray:
        """dI/dx . direction `[H, W, 3]` for a `[d]` direction."""
        return np.tensordot(direction, self.tangents, axes=1)


def scene_shape(scene: Scene) -> tuple[int, int, int]:
    """The shape `[H, W, 3]` of the scene's image."""
    return (scene.canvas.height, scene.canvas.width, 3)


def _colour_tangents(
    scene: Scene, name: str, image_of: Callable[[Scene], np.ndarray]
) -> np.ndarray:
    """`[size, H, W, 3]` derivatives of `image_of` in the components of colour parameter
    `name`, by central differences over `AFFINE_STEP` (exact: the image is affine).

    A fill or the background enters channel c of a pixel with one weight, whatever c:
    one difference gives all three components.
    """
    value = get_param(scene, name)
    if parse_name(scene, name).attribute in AFFINE_ATTRIBUTES:
        weight = central_difference(scene, name, (0,), AFFINE_STEP, image_of)[..., 0]
        out = np.zeros((3, *weight.shape, 3))
        for channel in range(3):
            out[channel, ..., channel] = weight
        return out
    return np.stack(
        [
            central_difference(scene, name, index, AFFINE_STEP, image_of)
            for index in np.ndindex(value.shape)
        ]
    ).reshape(value.size, *scene_shape(scene))


class MonteCarloLinearisations:
    """Monte Carlo linearisations of one problem, one per step seed.

    Args:
        problem: the problem.
        estimator: "reynolds" or "naive" (geometric tangents and gradients are then 0).
        spp, sampler: pixel samples per pixel and their sampler, for the image, the
            pullback and the colour tangents.
        edge_samples: edge samples of the pullback and of each geometric tangent
            (default: 16 per pixel of boundary length).
        edge_sampling: the boundary rule of both, as in `backward`.
        soft_sigma: the temperature of rule "soft", pixels, as in `backward` (its
            pullback only: "soft" has no tangents, which `derivative_image` refuses).
    """

    def __init__(
        self,
        problem: Problem,
        *,
        estimator: str,
        spp: int,
        edge_samples: int | None,
        sampler: str,
        arch: str,
        edge_sampling: str = "stratified",
        soft_sigma: float = SOFT_SIGMA,
    ):
        self.problem = problem
        self.estimator = estimator
        self.options = {"spp": spp, "sampler": sampler, "arch": arch}
        self.edge_options = {
            "edge_samples": edge_samples,
            "edge_sampling": edge_sampling,
        }
        self.soft_sigma = soft_sigma

    def _tangents(self, scene: Scene, name: str, step_seed: int) -> np.ndarray:
        """`[size, H, W, 3]` derivative images of parameter `name` at step seed
        `step_seed` (see the module docstring for their samples)."""
        if not parse_name(scene, name).is_geometry:
            return _colour_tangents(
                scene,
                name,
                lambda s: render(s, seed=image_seed(step_seed), **self.options),
            )
        return np.stack(
            [
                derivative_image(
                    scene,
                    name,
                    component=c,
                    method=self.estimator,
                    **self.edge_options,
                    seed=derive_seed(step_seed, TANGENT_PURPOSE),
                    **self.options,
                )
                for c in range(get_param(scene, name).size)
            ]
        )

    def at(self, x: np.ndarray, step_seed: int) -> Linearisation:
        """The linearisation at x with the samples of step seed `step_seed`."""
        problem = self.problem
        current = problem.scene_at(x)
        base = problem.scene if problem.is_affine else current
        names = problem.names
        tangents = np.concatenate([self._tangents(base, n, step_seed) for n in names])
        image = render(base, seed=image_seed(step_seed), **self.options).astype(
            np.float64
        )
        if problem.is_affine:
            image = image + np.tensordot(x - problem.x0, tangents, axes=1)
        theta = problem.theta_param
        theta_tangent = (
            None
            if theta is None
            else self._tangents(base, theta.name, step_seed)[theta.component]
        )

        def pullback(w: np.ndarray) -> np.ndarray:
            grads = backward(
                current,
                w,
                params=names,
                **self.edge_options,
                soft_sigma=self.soft_sigma,
                seed=step_seed,
                estimator=self.estimator,
                **self.options,
            )
            return problem.view.join(grads)

        return Linearisation(image, tangents, theta_tangent, pullback)


class ExactLinearisations:
    """Exact linearisations of one problem; circles keep the side counts of the start
    scene's polygons (tolerance `circle_tolerance`) at every x."""

    def __init__(self, problem: Problem, *, circle_tolerance: float = 1e-6):
        self.problem = problem
        self.segments = circle_segment_counts(problem.scene, circle_tolerance)
        self._affine: Linearisation | None = None

    def _image(self, scene: Scene) -> np.ndarray:
        return render_exact_image(scene, segments=self.segments)

    def _tangents(self, scene: Scene, name: str) -> np.ndarray:
        if not parse_name(scene, name).is_geometry:
            return _colour_tangents(scene, name, self._image)
        step = EXACT_STEPS.get(parse_name(scene, name).attribute, EXACT_STEP)
        value = get_param(scene, name)
        return np.stack(
            [
                central_difference(scene, name, index, step, self._image)
                for index in np.ndindex(value.shape)
            ]
        ).reshape(value.size, *scene_shape(scene))

    def _compute(self, scene: Scene) -> Linearisation:
        problem = self.problem
        tangents = np.concatenate([self._tangents(scene, n) for n in problem.names])
        theta = problem.theta_param
        theta_tangent = (
            None
            if theta is None
            else self._tangents(scene, theta.name)[theta.component]
        )

        def pullback(w: np.ndarray) -> np.ndarray:
            return np.tensordot(tangents, w, axes=3)

        return Linearisation(self._image(scene), tangents, theta_tangent, pullback)

    def image_at(self, x: np.ndarray) -> np.ndarray:
        """The exact image at x (no tangents)."""
        if self.problem.is_affine:
            return self.at(x).image
        return self._image(self.problem.scene_at(x))

    def at(
        self, x: np.ndarray, step_seed: int = 0, theta_shift: float = 0.0
    ) -> Linearisation:
        """The exact linearisation at x, theta moved by `theta_shift` (a scene
        parameter's units); `step_seed` is ignored (nothing is random)."""
        problem = self.problem
        if not problem.is_affine:
            return self._compute(problem.scene_at(x, theta_shift))
        if self._affine is None:
            self._affine = self._compute(problem.scene)
        lin = self._affine
        image = lin.image + np.tensordot(x - problem.x0, lin.tangents, axes=1)
        if theta_shift:
            image = image + theta_shift * lin.theta_tangent
        return Linearisation(image, lin.tangents, lin.theta_tangent, lin.pullback)
