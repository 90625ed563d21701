"""Derivatives of stochastic-gradient iterates with respect to a hyper-parameter theta.

For the problem of `reynolds.sgd_problem` (F(x, theta), theta a target blend, an L2
weight or a fixed scene parameter), SGD takes

    x_{k+1} = x_k - a_k g(x_k, theta, xi_k),   a_k = A (constant) or A / k (inverse),

with g the stochastic gradient of F (k = 1, 2, ... counts steps), and its derivative
J_k = dx_k / dtheta follows, with the same random numbers xi_k as the step,

    J_{k+1} = J_k - a_k (d_x g . J_k + d_theta g)

(Iutzeler, Pauwels & Vaiter, "Derivatives of Stochastic Gradient Descent in parametric
optimization", NeurIPS 2024). Adam's update is differentiated the same way, carrying the
tangents of its moments m and v. With n the number of pixel values, M the pixel
mini-batch weights (1 without batches), r = I(x_k) - T the residual and
`Linearisation` supplying I, its tangents and the pullback (the gradient of sum(w * I)):

    g        = pullback(2/n M r) + lambda (x - x_0)
    d_x g.J  + d_theta g
             = pullback(2/n M (dI/dx . J + dI/dtheta - dT/dtheta))
               + lambda J + [x - x_0 for theta = lambda].

This is exact when the pullback does not depend on x or theta: for fills and the
background with fixed geometry (the image of fixed samples is affine in them). For
geometric parameters it is the Gauss-Newton product: the term 2/n sum_p r_p
d(dI_p/dx)/dx . J, the derivative of the pullback itself, is dropped. Its mean
2/n sum_p (I_p - T_p) d^2 I_p/dx^2 . J vanishes where the exact residual does (a
realisable target at its solution), so the fixed point of the recursion is then
J* = -H^-1 B; otherwise the recursion settles at the Gauss-Newton J instead
(docs/sgd-derivatives.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from reynolds.errors import SceneError
from reynolds.estimators import boundary_estimator
from reynolds.kernels.rng import derive_seed
from reynolds.optimize import (
    AdamState,
    adam_init,
    adam_update,
    learning_rates,
    per_component,
)
from reynolds.params import ParamVector, parse_name
from reynolds.render import check_sampling
from reynolds.scene import Scene
from reynolds.sgd_linearise import (
    ExactLinearisations,
    Linearisation,
    MonteCarloLinearisations,
)
from reynolds.sgd_problem import (
    Hyper,
    L2Weight,
    Problem,
    SceneParameter,
    make_problem,
)
from reynolds.soft import SOFT_SIGMA

GRADIENTS = ("reynolds", "naive", "exact")
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "inverse")
# Purpose of the derived seed that draws a step's pixel mini-batch.
BATCH_PURPOSE = 4


@dataclass(frozen=True)
class AdamTangent:
    """Tangents dm/dtheta and dv/dtheta of Adam's moments."""

    m: np.ndarray
    v: np.ndarray


def adam_tangent(
    grad: np.ndarray,
    d_grad: np.ndarray,
    state: AdamState,
    tangent: AdamTangent,
    lr: np.ndarray,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-12,
) -> tuple[np.ndarray, AdamTangent]:
    """Forward-mode derivative of `adam_update`: d(step)/dtheta and the new tangents.

    Args:
        grad, d_grad: the step's gradient and its derivative dg/dtheta.
        state: Adam's state after the update (`adam_update`'s second result).
        tangent: the moments' tangents before the update.
        lr: the step's learning rates.
    Returns:
        (d(step)/dtheta, moments' tangents after the update). Where the second moment
        is 0 (every gradient so far was 0) its tangent is 0 too and the square root's
        infinite derivative is never taken.
    """
    dm = beta1 * tangent.m + (1 - beta1) * d_grad
    dv = beta2 * tangent.v + 2.0 * (1 - beta2) * grad * d_grad
    m_scale, v_scale = 1 - beta1**state.step, 1 - beta2**state.step
    m_hat, dm_hat = state.m / m_scale, dm / m_scale
    root = np.sqrt(state.v / v_scale)
    d_root = np.divide(
        dv / v_scale, 2.0 * root, out=np.zeros_like(root), where=root > 0
    )
    d_step = -lr * (dm_hat / (root + eps) - m_hat * d_root / (root + eps) ** 2)
    return d_step, AdamTangent(dm, dv)


@dataclass(frozen=True)
class IterateDerivatives:
    """A run's iterates and their derivatives with respect to theta.

    Attributes:
        view: the optimised parameters as one flat vector (names, shapes).
        x: `[steps + 1, d]` iterates x_0 .. x_K (flat).
        J: `[steps + 1, d]` J_k = dx_k/dtheta (J_0 = 0).
        loss: `[steps]` F at x_k estimated from step k's image (with the regulariser).
        settings: the run's options, for the record.
    """

    view: ParamVector
    x: np.ndarray
    J: np.ndarray
    loss: np.ndarray
    settings: dict = field(default_factory=dict)

    def values(self, k: int = -1) -> dict[str, np.ndarray]:
        """{name: value} of iterate k (default the last), shaped like each parameter."""
        return self.view.split(self.x[k])

    def derivatives(self, k: int = -1) -> dict[str, np.ndarray]:
        """{name: dx_k/dtheta} of iterate k (default the last)."""
        return self.view.split(self.J[k])


def step_rates(problem: Problem, lr: float | dict[str, float]) -> np.ndarray:
    """`[d]` base step size A of each component: one number for all, or one per
    parameter kind (`fill`, `center`, ...).

    Raises:
        SceneError: a non-positive rate, an unknown kind, or an optimised kind left out.
    """
    if isinstance(lr, dict):
        learning_rates(lr)  # refuses an unknown kind
        kinds = {parse_name(problem.scene, n).attribute for n in problem.names}
        missing = sorted(kinds - set(lr))
        if missing:
            raise SceneError(f"no learning rate for {', '.join(missing)}")
        rates = per_component(problem.scene, problem.view, lr, np.nan)
    else:
        rates = np.full(problem.view.size, float(lr))
    if not np.all(rates > 0) or not np.all(np.isfinite(rates)):
        raise SceneError(f"learning rates must be positive and finite, got {lr!r}")
    return rates


def batch_weights(
    shape: tuple[int, int, int], batch_pixels: int | None, step_seed: int
) -> np.ndarray:
    """`[H, W, 1]` pixel weights of a step: 1 everywhere, or H W / K on K pixels drawn
    without replacement (seeded by `derive_seed(step_seed, BATCH_PURPOSE)`), 0
    elsewhere, so that their mean is 1 and the mini-batch gradient is unbiased."""
    height, width = shape[:2]
    if batch_pixels is None:
        return np.ones((height, width, 1))
    rng = np.random.default_rng(derive_seed(step_seed, BATCH_PURPOSE))
    chosen = rng.choice(height * width, size=batch_pixels, replace=False)
    weights = np.zeros(height * width)
    weights[chosen] = height * width / batch_pixels
    return weights.reshape(height, width, 1)


def gradient_and_derivative(
    problem: Problem,
    lin: Linearisation,
    x: np.ndarray,
    J: np.ndarray,
    weights: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """F's estimate, the stochastic gradient g and its derivative dg/dtheta =
    d_x g . J + d_theta g at x (module docstring), from one linearisation.

    Args:
        weights: `[H, W, 1]` mini-batch weights (`batch_weights`).
    Returns:
        (F estimated from the full image, g `[d]`, dg/dtheta `[d]`).
    """
    residual = lin.image - problem.target
    scale = 2.0 / residual.size
    moved = lin.tangent(J)
    if lin.theta_tangent is not None:
        moved = moved + lin.theta_tangent
    target_derivative = problem.target_derivative()
    if target_derivative is not None:
        moved = moved - target_derivative
    weight = problem.weight
    offset = x - problem.x0
    grad = lin.pullback(scale * weights * residual) + weight * offset
    d_grad = lin.pullback(scale * weights * moved) + weight * J
    if isinstance(problem.hyper, L2Weight):
        d_grad = d_grad + offset
    return problem.objective(lin.image, x), grad, d_grad


def _checked(step: int, compute: Callable, *args):
    """compute(*args), with an iterate outside the valid set reported as the fault of
    iterate `step`."""
    try:
        return compute(*args)
    except SceneError as error:
        raise SceneError(
            f"iterate {step} left the valid set ({error.message}); "
            "lower the learning rate"
        ) from None


def _check_options(
    problem: Problem,
    *,
    steps: int,
    schedule: str,
    optimizer: str,
    gradients: str,
    batch_pixels: int | None,
    spp: int,
    seed: int,
    sampler: str,
    arch: str,
) -> None:
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    for value, allowed, what in (
        (schedule, SCHEDULES, "schedule"),
        (optimizer, OPTIMIZERS, "optimizer"),
        (gradients, GRADIENTS, "gradients"),
    ):
        if value not in allowed:
            raise ValueError(f"{what} must be one of {allowed}, got {value!r}")
    check_sampling(spp=spp, seed=seed, sampler=sampler, arch=arch)
    pixels = problem.scene.canvas.width * problem.scene.canvas.height
    if batch_pixels is not None and not 1 <= batch_pixels <= pixels:
        raise SceneError(
            f"a pixel batch must hold 1 to {pixels} pixels (the canvas), "
            f"got {batch_pixels}"
        )


def _check_tangent_mode(
    problem: Problem, hyper: Hyper, gradients: str, edge_sampling: str
) -> None:
    """Refuse, before any step, a boundary estimator without a tangent mode where the
    Monte Carlo linearisation needs geometric derivative images (docs/design.md §3.7)."""
    estimator = boundary_estimator(edge_sampling)
    if gradients != "reynolds" or not (estimator.needs_adjoint or estimator.soft):
        return
    names = list(problem.names)
    if isinstance(hyper, SceneParameter):
        names.append(hyper.name)
    geometric = [n for n in names if parse_name(problem.scene, n).is_geometry]
    if geometric:
        raise SceneError(
            f"edge_sampling {edge_sampling!r} has no derivative-image (tangent) mode, "
            f"which the geometric parameter {geometric[0]!r} needs here; use another "
            "boundary estimator"
        )


def differentiate_iterates(
    scene: Scene,
    target: np.ndarray,
    *,
    params: Sequence[str],
    hyper: Hyper,
    steps: int,
    lr: float | dict[str, float],
    schedule: str = "constant",
    optimizer: str = "sgd",
    gradients: str = "reynolds",
    batch_pixels: int | None = None,
    spp: int = 16,
    edge_samples: int | None = None,
    edge_sampling: str = "stratified",
    soft_sigma: float = SOFT_SIGMA,
    seed: int = 0,
    sampler: str = "jitter",
    arch: str = "auto",
    callback: Callable[[int, float], None] | None = None,
) -> IterateDerivatives:
    """Run SGD or Adam on `params` and propagate J_k = dx_k/dtheta alongside.

    Args:
        scene: the start scene (x_0).
        target: `[H, W, 3]` target image T.
        params: names of the optimised parameters x.
        hyper: theta: `BlendTarget`, `L2Weight` or `SceneParameter`.
        steps: number of steps K.
        lr: base step size A, one number or {kind: A}; for Adam, its learning rate.
        schedule: "constant" (a_k = A) or "inverse" (a_k = A / k, k = 1, 2, ...).
        optimizer: "sgd" or "adam" (beta1 0.9, beta2 0.999, as `optimize`).
        gradients: "reynolds" (Monte Carlo, edge-sampled boundary term), "naive"
            (Monte Carlo, interior term only: geometry never moves) or "exact" (the
            exact image, no Monte Carlo noise).
        batch_pixels: K pixels drawn per step (weights H W / K), or None for all.
        spp, edge_samples, sampler: Monte Carlo samples per step and the pixel
            sampler ("jitter", "iid", "r2").
        edge_sampling: the boundary rule of the gradients and geometric tangents, as
            in `backward`.
        soft_sigma: the temperature of rule "soft", pixels, as in `backward`.
        seed: step k (from 0) uses the samples of seed (seed + k) mod 2**32, as
            `optimize` does, so that the iterates are `optimize`'s with optimizer
            "sgd", schedule "constant" and the same rates.
        callback: called as callback(k, F estimate) after step k's gradient.
    Returns:
        `IterateDerivatives` with K + 1 iterates and derivatives.
    Raises:
        SceneError: a bad parameter, target, hyper-parameter, rate or batch size, or
            an iterate outside the valid set (a radius <= 0, say: lower the rate).
    """
    problem = make_problem(scene, target, params=params, hyper=hyper)
    _check_options(
        problem,
        steps=steps,
        schedule=schedule,
        optimizer=optimizer,
        gradients=gradients,
        batch_pixels=batch_pixels,
        spp=spp,
        seed=seed,
        sampler=sampler,
        arch=arch,
    )
    _check_tangent_mode(problem, hyper, gradients, edge_sampling)
    rates = step_rates(problem, lr)
    linearise = (
        ExactLinearisations(problem).at
        if gradients == "exact"
        else MonteCarloLinearisations(
            problem,
            estimator=gradients,
            spp=spp,
            edge_samples=edge_samples,
            edge_sampling=edge_sampling,
            soft_sigma=soft_sigma,
            sampler=sampler,
            arch=arch,
        ).at
    )
    size = problem.view.size
    xs, js = np.zeros((steps + 1, size)), np.zeros((steps + 1, size))
    xs[0] = problem.x0
    losses = np.zeros(steps)
    adam, adam_d = adam_init(size), AdamTangent(np.zeros(size), np.zeros(size))
    shape = problem.target.shape
    for k in range(steps):
        step_seed = (seed + k) % 2**32
        x, J = xs[k], js[k]
        lin = _checked(k, linearise, x, step_seed)
        weights = batch_weights(shape, batch_pixels, step_seed)
        losses[k], grad, d_grad = gradient_and_derivative(problem, lin, x, J, weights)
        if callback is not None:
            callback(k, losses[k])
        rate = rates / (k + 1) if schedule == "inverse" else rates
        if optimizer == "sgd":
            xs[k + 1] = x - rate * grad
            js[k + 1] = J - rate * d_grad
        else:
            step, adam = adam_update(grad, adam, rate)
            d_step, adam_d = adam_tangent(grad, d_grad, adam, adam_d, rate)
            xs[k + 1], js[k + 1] = x + step, J + d_step
    _checked(steps, problem.scene_at, xs[-1])
    settings = {
        "params": problem.names,
        "hyper": describe_hyper(hyper),
        "steps": steps,
        "lr": lr,
        "schedule": schedule,
        "optimizer": optimizer,
        "gradients": gradients,
        "batch_pixels": batch_pixels,
        "spp": spp,
        "edge_samples": edge_samples,
        "edge_sampling": edge_sampling,
        "soft_sigma": soft_sigma,
        "sampler": sampler,
        "seed": seed,
    }
    return IterateDerivatives(problem.view, xs, js, losses, settings)


def describe_hyper(hyper: Hyper) -> str:
    """A one-line description of theta, for figures and records."""
    if isinstance(hyper, L2Weight):
        return f"L2 weight lambda at {hyper.weight:g}"
    if isinstance(hyper, SceneParameter):
        return f"{hyper.name}[{hyper.component}] (held fixed)"
    return "target blend T(theta) = (1 - theta) T0 + theta T1 at theta = 0"
