"""Inverse rendering: recover scene parameters from a target image by stochastic gradients.

Each step renders with fresh samples, estimates the loss gradient with `loss_and_grad`
(Reynolds or naive), takes an Adam or SGD step with learning rates per parameter kind,
and projects back onto the valid set (radius and scale positive, opacity in [0, 1]).
The update rules are pure functions of (gradient, state), as in optax.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from reynolds.backward import loss_and_grad
from reynolds.errors import SceneError
from reynolds.params import (
    ParamVector,
    disjoint_names,
    get_param,
    param_names,
    parse_name,
)
from reynolds.scene import Scene
from reynolds.soft import SOFT_SIGMA

# Default learning rates, in the units of each parameter per step (Adam moves each
# component by about its learning rate per step): pixels, degrees, colour units.
DEFAULT_LR = {
    "points": 0.5,
    "center": 0.5,
    "translate": 0.5,
    "radius": 0.5,
    "rotate": 1.0,
    "scale": 0.01,
    "fill": 0.02,
    "opacity": 0.02,
    "background": 0.02,
}
LOWER_BOUND = {"radius": 1e-3, "scale": 1e-3, "opacity": 0.0}
# What "recovered" means: geometry within 0.1 px (0.5 degree), colours within 0.01.
CONVERGENCE_TOLERANCE = {
    "rotate": 0.5,
    "scale": 0.005,
    "fill": 0.01,
    "opacity": 0.01,
    "background": 0.01,
}
POSITION_TOLERANCE = 0.1
UPPER_BOUND = {"opacity": 1.0}
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class AdamState:
    step: int
    m: np.ndarray
    v: np.ndarray


def adam_init(size: int) -> AdamState:
    return AdamState(0, np.zeros(size), np.zeros(size))


def adam_update(
    grad: np.ndarray,
    state: AdamState,
    lr: np.ndarray,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-12,
) -> tuple[np.ndarray, AdamState]:
    """Adam (Kingma & Ba): the step to add to the parameters, and the new state."""
    step = state.step + 1
    m = beta1 * state.m + (1 - beta1) * grad
    v = beta2 * state.v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**step)
    v_hat = v / (1 - beta2**step)
    return -lr * m_hat / (np.sqrt(v_hat) + eps), AdamState(step, m, v)


@dataclass(frozen=True)
class SgdState:
    step: int


def sgd_init(size: int) -> SgdState:
    return SgdState(0)


def sgd_update(
    grad: np.ndarray, state: SgdState, lr: np.ndarray
) -> tuple[np.ndarray, SgdState]:
    """Plain stochastic gradient descent: -lr * grad (lr already scheduled)."""
    return -lr * grad, SgdState(state.step + 1)


def schedule_factor(progress: float, schedule: str) -> float:
    """Learning-rate multiplier at `progress` (0 at the start of a run, 1 at its end):
    1, or a cosine decay from 1 to 0.05."""
    if schedule == "constant":
        return 1.0
    return 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))


def run_progress(
    step: int, steps: int, elapsed: float, time_budget_s: float | None
) -> float:
    """How far a run is, from 0 to 1: by steps (`step` of `steps`) or, under a time
    budget, by seconds spent, whichever is further."""
    by_steps = step / (steps - 1) if steps > 1 else 0.0
    if time_budget_s is None:
        return by_steps
    return max(by_steps, elapsed / time_budget_s if time_budget_s > 0 else 1.0)


def samples_at(step: int, steps: int, start: int, final: int | None) -> int:
    """Geometric growth of a sample count from `start` to `final` over the run."""
    if final is None or final == start or steps <= 1:
        return start
    return int(round(start * (final / start) ** (step / (steps - 1))))


def default_params(scene: Scene) -> list[str]:
    """Every parameter of every shape that is not an occluder (the background is left out)."""
    return [n for n in param_names(scene, include_occluders=False) if n != "background"]


def learning_rates(lr: dict[str, float] | None) -> dict[str, float]:
    """`DEFAULT_LR` with the kinds named in `lr` overridden.

    Raises:
        SceneError: a key of `lr` that is not a parameter kind of `DEFAULT_LR`.
    """
    for key in lr or {}:
        if key not in DEFAULT_LR:
            raise SceneError(
                f"unknown learning-rate kind {key!r} (known: {', '.join(DEFAULT_LR)})"
            )
    return {**DEFAULT_LR, **(lr or {})}


def per_component(
    scene: Scene, view: ParamVector, table: dict[str, float], default: float
) -> np.ndarray:
    out = np.empty(view.size)
    for name, a, b in zip(view.names, view.offsets[:-1], view.offsets[1:], strict=True):
        out[a:b] = table.get(parse_name(scene, name).attribute, default)
    return out


@dataclass
class History:
    """What happened at each step: loss, parameter values, their error, sample counts.

    `values[k]` are the parameters at which step k's gradient was taken, and
    `seconds[k]` the time from the start of the run to the end of that gradient.
    """

    params: list[str]
    loss: list[float] = field(default_factory=list)
    values: list[dict[str, list]] = field(default_factory=list)
    errors: list[dict[str, float]] = field(default_factory=list)
    spp: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stopped: str = ""
    final_values: dict[str, list] = field(default_factory=dict)
    final_errors: dict[str, float] = field(default_factory=dict)

    def keep_steps(self, n: int) -> None:
        """Keep the records of the first `n` steps only (after an interruption, the
        lists may differ in length by the step that was being recorded)."""
        for records in (self.loss, self.values, self.errors, self.spp, self.seconds):
            del records[n:]

    def to_dict(self) -> dict:
        return {
            "params": self.params,
            "stopped": self.stopped,
            "final_values": self.final_values,
            **({"final_errors": self.final_errors} if self.final_errors else {}),
            "steps": [
                {
                    "step": k,
                    "loss": self.loss[k],
                    "spp": self.spp[k],
                    "seconds": self.seconds[k],
                    "values": self.values[k],
                    **({"errors": self.errors[k]} if self.errors else {}),
                }
                for k in range(len(self.loss))
            ],
        }


class OptimizationInterrupted(KeyboardInterrupt):
    """`optimize` was interrupted (Ctrl-C, or SIGTERM through the CLI).

    Attributes:
        scene: the last complete state: the scene after the last finished update.
        history: the records of the finished steps; `stopped` says where it stopped.
    """

    def __init__(self, scene: Scene, history: History):
        super().__init__(history.stopped)
        self.scene = scene
        self.history = history


def tolerance_for(name: str) -> float:
    """Largest error of parameter `name` that counts as recovered (its own units)."""
    return CONVERGENCE_TOLERANCE.get(
        name.rsplit(".", 1)[-1].split("[")[0], POSITION_TOLERANCE
    )


def parameter_errors(
    scene: Scene, reference: Scene, names: Sequence[str]
) -> dict[str, float]:
    """Largest absolute difference per parameter (pixels, degrees or colour units)."""
    return {
        n: float(np.max(np.abs(get_param(scene, n) - get_param(reference, n))))
        for n in names
    }


def optimize(
    scene: Scene,
    target: np.ndarray,
    *,
    params: Sequence[str] | None = None,
    steps: int = 200,
    optimizer: str = "adam",
    lr: dict[str, float] | None = None,
    schedule: str = "cosine",
    estimator: str = "reynolds",
    loss: str = "l2",
    spp: int = 8,
    spp_final: int | None = None,
    edge_samples: int | None = None,
    sampler: str = "jitter",
    edge_sampling: str = "stratified",
    soft_sigma: float = SOFT_SIGMA,
    seed: int = 0,
    reference: Scene | None = None,
    stop_loss: float | None = None,
    patience: int | None = None,
    time_budget_s: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
    callback: Callable[[int, Scene, float], None] | None = None,
    arch: str = "auto",
) -> tuple[Scene, History]:
    """Fit the parameters `params` of `scene` to `target` by stochastic gradient descent.

    Args:
        scene: the starting scene.
        target: `[height, width, 3]` target image.
        params: names to optimise (default `default_params`: occluders and the
            background stay fixed unless named).
        steps: number of gradient steps.
        optimizer: "adam" or "sgd".
        lr: learning rates per attribute kind (`DEFAULT_LR` keys), overriding defaults.
        schedule: "cosine" (decay to 5 % over the run) or "constant".
        estimator: "reynolds" or "naive" (geometry then never moves).
        loss: "l2" or "l1".
        spp, spp_final: pixel samples per pixel, growing geometrically to spp_final.
        edge_samples: edge samples per step (default: 16 per pixel of boundary).
        sampler, edge_sampling, soft_sigma: the pixel sampler, the boundary rule
            and the temperature of "soft", as in `backward`.
        seed: base seed; step k uses seed + k, so every step has fresh samples.
        reference: the true scene, when known: its parameter errors go in the history.
        stop_loss: stop once the step's loss falls below this.
        patience: stop when the best loss has not improved by 1 % for this many steps
            (the loss is a Monte Carlo estimate: allow for its noise).
        time_budget_s: stop after the first step whose gradient ends this many
            seconds of `clock` or more after the run began; that step's update is
            kept. The "cosine" schedule then decays over the
            budget or over `steps`, whichever ends first (`run_progress`).
        clock: the time in seconds that `History.seconds` and `time_budget_s` read
            (default: wall-clock `time.perf_counter`).
        callback: called as callback(step, scene, loss) after each step's loss.
    Returns:
        (the final scene, its `History`).
    Raises:
        OptimizationInterrupted: on KeyboardInterrupt (Ctrl-C; SIGTERM in the CLI),
            carrying the last complete state and the history of the finished steps.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if time_budget_s is not None and not time_budget_s >= 0:
        raise ValueError(f"time_budget_s must be >= 0, got {time_budget_s!r}")
    names = disjoint_names(scene, default_params(scene) if params is None else params)
    view = ParamVector(scene, names)
    base_lr = per_component(scene, view, learning_rates(lr), 0.01)
    lower = per_component(scene, view, LOWER_BOUND, -np.inf)
    upper = per_component(scene, view, UPPER_BOUND, np.inf)
    init, update = (
        (adam_init, adam_update) if optimizer == "adam" else (sgd_init, sgd_update)
    )
    state = init(view.size)
    vector = view.flatten(scene)
    history = History(params=names)
    best_loss, best_step = math.inf, 0
    start = clock()
    try:
        for step in range(steps):
            n = samples_at(step, steps, spp, spp_final)
            value, grads = loss_and_grad(
                scene,
                target,
                loss=loss,
                params=names,
                spp=n,
                edge_samples=edge_samples,
                sampler=sampler,
                edge_sampling=edge_sampling,
                soft_sigma=soft_sigma,
                seed=(seed + step) % 2**32,
                estimator=estimator,
                arch=arch,
            )
            history.loss.append(value)
            history.spp.append(n)
            history.values.append({k: get_param(scene, k).tolist() for k in names})
            if reference is not None:
                history.errors.append(parameter_errors(scene, reference, names))
            history.seconds.append(clock() - start)
            if callback is not None:
                callback(step, scene, value)
            if stop_loss is not None and value < stop_loss:
                history.stopped = f"loss {value:.3g} below {stop_loss:g} at step {step}"
                break
            if value < 0.99 * best_loss:
                best_loss, best_step = value, step
            if patience is not None and step - best_step >= patience:
                history.stopped = (
                    f"no 1 % improvement in {patience} steps (at step {step})"
                )
                break
            delta, state = update(
                view.join(grads),
                state,
                base_lr
                * schedule_factor(
                    run_progress(step, steps, history.seconds[-1], time_budget_s),
                    schedule,
                ),
            )
            vector = np.clip(vector + delta, lower, upper)
            scene = view.unflatten(scene, vector)
            if time_budget_s is not None and history.seconds[-1] >= time_budget_s:
                history.stopped = (
                    f"time budget {time_budget_s:g} s spent after {step + 1} steps"
                )
                break
        else:
            history.stopped = f"{steps} steps"
    except KeyboardInterrupt as interrupt:
        # Keep the finished steps (a step's `seconds` is recorded last); `scene` is
        # the state after the last whole update.
        complete = len(history.seconds)
        history.keep_steps(complete)
        history.stopped = f"interrupted after {complete} steps"
        _finish(history, scene, reference)
        raise OptimizationInterrupted(scene, history) from interrupt
    _finish(history, scene, reference)
    return scene, history


def _finish(history: History, scene: Scene, reference: Scene | None) -> None:
    """Record the final values (and errors against `reference`) of `scene`."""
    names = history.params
    history.final_values = {k: get_param(scene, k).tolist() for k in names}
    if reference is not None:
        history.final_errors = parameter_errors(scene, reference, names)
