"""The exact reference for derivatives of iterates: x*, H, B and J* = -H^-1 B.

From the exact image (`ExactLinearisations`: circles as polygons of fixed side counts,
so F is smooth in x), with F of `reynolds.sgd_problem`:
- the exact gradient of F, sum over pixels of 2/n r dI/dx plus the regulariser;
- H = d^2 F / dx^2 by central differences of exact gradients, with steps
  `HESSIAN_FACTOR` times the exact tangents' (`EXACT_STEPS`: 1e-3 px, 1e-3 colour,
  1e-2 degree, 1e-4 scale), symmetrised. F is quadratic in fills and the background for
  fixed geometry, so there the differences are exact up to rounding;
- B = d^2 F / dx dtheta: exactly for a target blend (2/n sum -(T1 - T) dI/dx, linear in
  the target) and an L2 weight (x - x_0); by central differences of exact gradients in
  theta for a scene parameter;
- x* by damped Newton steps on F from a given start (a local minimiser: the one the
  iterates approach when started there);
- the error of each: both H and B are computed with steps h and h/2; the reported J*
  uses h/2 and its error estimate is |J*(h) - J*(h/2)| (central differences err as h^2,
  so this overestimates the error of J*(h/2) by about 4/3), plus the asymmetry of H.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from reynolds.errors import SceneError
from reynolds.params import get_param, parse_name
from reynolds.scene import Scene
from reynolds.sgd_derivatives import gradient_and_derivative
from reynolds.sgd_linearise import ExactLinearisations
from reynolds.sgd_problem import Hyper, Problem, make_problem
from reynolds.validation import EXACT_STEP, EXACT_STEPS

HESSIAN_FACTOR = 10.0
NEWTON_STEPS = 30
# Newton stops once a step moves no component by more than this (parameter units).
NEWTON_TOLERANCE = 1e-11


@dataclass(frozen=True)
class ExactReference:
    """The exact solution and derivative of a problem.

    Attributes:
        x_star: `[d]` local minimiser of F (flat, `ParamVector` order).
        J_star: `[d]` dx*/dtheta = -H^-1 B.
        hessian: `[d, d]` d^2 F / dx^2 at x*.
        cross: `[d]` d^2 F / dx dtheta at x*.
        J_star_error: `[d]` error estimate of J_star (see the module docstring).
        hessian_error: largest change of an entry of H between steps h and h/2, or its
            asymmetry if larger.
        gradient_norm: ||grad F(x*)||, what Newton left.
        newton_steps: Newton steps taken.
        steps: `[d]` the finite-difference steps h/2 of H, per component.
    """

    x_star: np.ndarray
    J_star: np.ndarray
    hessian: np.ndarray
    cross: np.ndarray
    J_star_error: np.ndarray
    hessian_error: float
    gradient_norm: float
    newton_steps: int
    steps: np.ndarray

    def to_json(self, view) -> dict:
        """The numbers, per parameter name, for a JSON record."""

        def named(vector: np.ndarray) -> dict:
            return {n: v.tolist() for n, v in view.split(vector).items()}

        return {
            "x_star": named(self.x_star),
            "J_star": named(self.J_star),
            "J_star_error": named(self.J_star_error),
            "hessian": self.hessian.tolist(),
            "cross": self.cross.tolist(),
            "hessian_error": self.hessian_error,
            "gradient_norm": self.gradient_norm,
            "newton_steps": self.newton_steps,
            "hessian_steps": self.steps.tolist(),
        }


def _step(scene: Scene, name: str) -> float:
    attribute = parse_name(scene, name).attribute
    return HESSIAN_FACTOR * EXACT_STEPS.get(attribute, EXACT_STEP)


class _Exact:
    """F, its gradient, H and B of one problem from exact linearisations."""

    def __init__(self, problem: Problem, circle_tolerance: float):
        self.problem = problem
        self.lins = ExactLinearisations(problem, circle_tolerance=circle_tolerance)
        self.ones = np.ones((*problem.target.shape[:2], 1))
        size = problem.view.size
        self.zero = np.zeros(size)
        self.steps = np.concatenate(
            [
                np.full(get_param(problem.scene, n).size, _step(problem.scene, n))
                for n in problem.names
            ]
        )

    def value(self, x: np.ndarray) -> float:
        """F at x; infinite outside the valid set (a radius <= 0, say)."""
        try:
            return self.problem.objective(self.lins.image_at(x), x)
        except SceneError:
            return np.inf

    def gradient(self, x: np.ndarray, theta_shift: float = 0.0) -> np.ndarray:
        lin = self.lins.at(x, theta_shift=theta_shift)
        return gradient_and_derivative(self.problem, lin, x, self.zero, self.ones)[1]

    def hessian(self, x: np.ndarray, scale: float) -> np.ndarray:
        """Central differences of the gradient with steps `scale * self.steps`."""
        columns = []
        for i, h in enumerate(scale * self.steps):
            offset = np.zeros_like(x)
            offset[i] = h
            columns.append(
                (self.gradient(x + offset) - self.gradient(x - offset)) / (2 * h)
            )
        return np.column_stack(columns)

    def cross(self, x: np.ndarray, scale: float) -> np.ndarray:
        theta = self.problem.theta_param
        if theta is None:
            lin = self.lins.at(x)
            return gradient_and_derivative(self.problem, lin, x, self.zero, self.ones)[
                2
            ]
        h = scale * _step(self.problem.scene, theta.name)
        return (self.gradient(x, h) - self.gradient(x, -h)) / (2 * h)


def _newton(exact: _Exact, x: np.ndarray) -> tuple[np.ndarray, int]:
    """Damped Newton on F from x: the step -H^-1 grad (H shifted to be positive definite
    where it is not), halved until F decreases enough (Armijo, 1e-4)."""
    for count in range(1, NEWTON_STEPS + 1):
        grad = exact.gradient(x)
        hessian = exact.hessian(x, 1.0)
        hessian = 0.5 * (hessian + hessian.T)
        smallest = float(np.linalg.eigvalsh(hessian)[0])
        if smallest <= 0:
            hessian = hessian + (1e-6 - 2 * smallest) * np.eye(len(x))
        step = np.linalg.solve(hessian, -grad)
        value, t = exact.value(x), 1.0
        while t > 1e-6 and exact.value(x + t * step) > value + 1e-4 * t * grad @ step:
            t *= 0.5
        x = x + t * step
        if np.max(np.abs(t * step)) <= NEWTON_TOLERANCE * (1 + np.max(np.abs(x))):
            return x, count
    return x, NEWTON_STEPS


def exact_reference(
    scene: Scene,
    target: np.ndarray,
    *,
    params: Sequence[str],
    hyper: Hyper,
    start: np.ndarray | None = None,
    circle_tolerance: float = 1e-6,
) -> ExactReference:
    """x*, H, B and J* = -H^-1 B of the problem, from the exact image.

    Args:
        scene, target, params, hyper: the problem, as for `differentiate_iterates`.
        start: `[d]` where Newton starts (flat, in the order of `params`); default the
            scene's own values.
        circle_tolerance: per-pixel tolerance of the circles' polygons.
    Raises:
        SceneError: a bad problem, or an H that is not positive definite at x* (not a
            strict local minimum: J* does not exist).
    """
    problem = make_problem(scene, target, params=params, hyper=hyper)
    exact = _Exact(problem, circle_tolerance)
    x = problem.x0 if start is None else np.asarray(start, dtype=np.float64)
    x, count = _newton(exact, x)
    solutions = []
    for scale in (1.0, 0.5):
        hessian = exact.hessian(x, scale)
        asymmetry = float(np.max(np.abs(hessian - hessian.T))) / 2
        hessian = 0.5 * (hessian + hessian.T)
        cross = exact.cross(x, scale)
        if np.linalg.eigvalsh(hessian)[0] <= 0:
            raise SceneError(
                "the exact Hessian is not positive definite at the solution: "
                "J* = -H^-1 B does not exist there"
            )
        solutions.append((hessian, cross, -np.linalg.solve(hessian, cross), asymmetry))
    (h1, _, j1, _), (h2, b2, j2, asymmetry) = solutions
    return ExactReference(
        x_star=x,
        J_star=j2,
        hessian=h2,
        cross=b2,
        J_star_error=np.abs(j1 - j2),
        hessian_error=max(float(np.max(np.abs(h1 - h2))), asymmetry),
        gradient_norm=float(np.linalg.norm(exact.gradient(x))),
        newton_steps=count,
        steps=0.5 * exact.steps,
    )
