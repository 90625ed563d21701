"""Equal-time inverse rendering: one fit run with each boundary estimator for the same
time budget, and its parameter error against time (docs/estimators.md, "Equal-time
inverse rendering").

Every estimator asks for the same samples per step (by default `optimize`'s pixel
samples and `backward`'s edge samples); the runs differ in how many steps fit in the
budget. Every
estimator first runs a few untimed steps, so that kernel compilation is not charged to
its budget, and the seeds are run in turn with the estimators' order rotated, so that a
change of machine load falls on every estimator alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from reynolds.errors import SceneError
from reynolds.estimators import EDGE_SAMPLINGS
from reynolds.optimize import History, learning_rates, optimize
from reynolds.params import get_param
from reynolds.scene import Scene
from reynolds.scene_io import parse_scene
from reynolds.soft import SOFT_SIGMA, check_soft_sigma

WARMUP_STEPS = 2
# What a budget's seconds are: wall-clock, or the CPU time of this process (all its
# threads), which other processes on a shared machine disturb less.
CLOCKS: dict[str, Callable[[], float]] = {
    "wall": time.perf_counter,
    "cpu": time.process_time,
}
GRID_POINTS = 201
QUARTILES = (25, 50, 75)


def parameter_error(
    values: dict[str, list], reference: Scene, names: Sequence[str]
) -> float:
    """Euclidean norm of theta - theta* over every component of the parameters `names`
    (pixels when they are positions: points, centres, radii, translations).

    Args:
        values: {name: value} as in `History.values`.
        reference: the scene at the true parameters theta*.
    """
    return float(
        np.linalg.norm(
            np.concatenate(
                [
                    np.ravel(np.asarray(values[n], dtype=np.float64))
                    - np.ravel(get_param(reference, n))
                    for n in names
                ]
            )
        )
    )


def error_trace(history: History, reference: Scene) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, error): when each iterate of a run became available, and its
    `parameter_error`.

    The start is available at 0 s; iterate k + 1 once step k's gradient is done
    (`History.seconds[k]`; the update after it takes microseconds). The last iterate
    is the run's final scene.
    """
    names = history.params
    iterates = [*history.values[1:], history.final_values]
    seconds = np.array([0.0, *history.seconds])
    errors = [parameter_error(history.values[0], reference, names)]
    errors += [parameter_error(v, reference, names) for v in iterates]
    return seconds, np.array(errors)


def error_at(seconds: np.ndarray, errors: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The error of the latest iterate available at each time of `grid` (a step
    function of the trace; `seconds` ascending from 0)."""
    return errors[np.searchsorted(seconds, grid, side="right") - 1]


@dataclass(frozen=True)
class Run:
    """One timed fit: the estimator, its seed, and its `error_trace`."""

    estimator: str
    seed: int
    steps: int
    stopped: str
    seconds: np.ndarray
    errors: np.ndarray

    def to_json(self) -> dict:
        return {
            "estimator": self.estimator,
            "seed": self.seed,
            "steps": self.steps,
            "stopped": self.stopped,
            "seconds": self.seconds.tolist(),
            "errors": self.errors.tolist(),
        }


def summarise(runs: Sequence[Run], grid: np.ndarray) -> dict:
    """Quartiles over the runs of one estimator: of the error on `grid` (step
    functions), of the error at the budget (the grid's last time), of the steps taken
    and of the mean seconds per step."""
    on_grid = np.array([error_at(r.seconds, r.errors, grid) for r in runs])
    q25, median, q75 = np.percentile(on_grid, QUARTILES, axis=0)
    step_seconds = [r.seconds[-1] / r.steps for r in runs]
    return {
        "error_q25": q25.tolist(),
        "error_median": median.tolist(),
        "error_q75": q75.tolist(),
        "final_error_quartiles": [q25[-1], median[-1], q75[-1]],
        "steps_quartiles": np.percentile([r.steps for r in runs], QUARTILES).tolist(),
        "seconds_per_step_quartiles": np.percentile(step_seconds, QUARTILES).tolist(),
    }


def equal_time_runs(
    start: Scene,
    target: np.ndarray,
    params: Sequence[str],
    *,
    reference: Scene,
    seconds: float,
    seeds: Sequence[int],
    estimators: Sequence[str] | None = None,
    spp: int = 8,
    edge_samples: int | None = None,
    soft_sigma: float = SOFT_SIGMA,
    lr: dict[str, float] | None = None,
    schedule: str = "cosine",
    clock: str = "wall",
    arch: str = "auto",
    on_run: Callable[[Run], None] | None = None,
) -> dict:
    """Fit `params` of `start` to `target` with each boundary estimator for `seconds`
    of `clock`, once per seed; Adam as in `optimize`, the "cosine" schedule decaying
    over the budget.

    Args:
        start: the starting scene.
        target: `[height, width, 3]` target image (rendered at the true parameters).
        params: the parameters fitted; their error is measured against `reference`.
        reference: the scene at the true parameters.
        seconds: the budget of every run.
        seeds: base seeds; step k of a run uses seed + k, so seeds a step count apart
            or more give independent runs.
        estimators: `edge_sampling` names (default: all of `EDGE_SAMPLINGS`, read at
            call time so that new estimators join). One that refuses the scene (a
            SceneError) is skipped and the reason recorded; if none is left, that is
            a SceneError.
        spp, edge_samples: pixel and edge samples per step (default edge samples:
            `backward`'s, 16 per pixel of boundary).
        soft_sigma: temperature of estimator "soft", pixels, as in `backward`
            (checked first: the warm-up would skip every estimator for a bad one).
        clock: a key of `CLOCKS`: what the budget's seconds are.
        on_run: called with each finished run (progress reports).
    Returns:
        A JSON-ready dict: "settings", "initial_error", "grid" (seconds), "skipped"
        ({estimator: reason}), "summary" ({estimator: `summarise`}) and "runs".
    """
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {tuple(CLOCKS)}, got {clock!r}")
    soft_sigma = check_soft_sigma(soft_sigma)
    names = list(params)
    estimators = list(EDGE_SAMPLINGS if estimators is None else estimators)
    options = dict(
        params=names,
        spp=spp,
        edge_samples=edge_samples,
        soft_sigma=soft_sigma,
        lr=lr,
        schedule=schedule,
        arch=arch,
    )
    skipped: dict[str, str] = {}
    for estimator in estimators:
        try:
            optimize(
                start, target, steps=WARMUP_STEPS, edge_sampling=estimator, **options
            )
        except SceneError as error:
            skipped[estimator] = str(error)
    kept = [e for e in estimators if e not in skipped]
    if not kept:
        raise SceneError(
            "no estimator applies: "
            + "; ".join(f"{e}: {reason}" for e, reason in skipped.items())
        )
    runs: list[Run] = []
    for turn, seed in enumerate(seeds):
        shift = turn % len(kept)
        for estimator in kept[shift:] + kept[:shift]:
            _, history = optimize(
                start,
                target,
                steps=2**31 - 1,  # the budget, not a step count, ends the run
                edge_sampling=estimator,
                seed=seed,
                time_budget_s=seconds,
                clock=CLOCKS[clock],
                **options,
            )
            trace = error_trace(history, reference)
            run = Run(estimator, seed, len(history.seconds), history.stopped, *trace)
            runs.append(run)
            if on_run is not None:
                on_run(run)
    grid = np.linspace(0.0, seconds, GRID_POINTS)
    return {
        "settings": {
            "params": names,
            "seconds": seconds,
            "clock": clock,
            "seeds": list(seeds),
            "estimators": kept,
            "spp": spp,
            "edge_samples": (
                "16 per px of boundary" if edge_samples is None else edge_samples
            ),
            "soft_sigma": soft_sigma,
            "optimizer": "adam",
            "lr": learning_rates(lr),
            "schedule": schedule,
            "warmup_steps": WARMUP_STEPS,
        },
        "initial_error": parameter_error(
            {n: get_param(start, n).tolist() for n in names}, reference, names
        ),
        "grid": grid.tolist(),
        "skipped": skipped,
        "summary": {
            e: summarise([r for r in runs if r.estimator == e], grid) for e in kept
        },
        "runs": [r.to_json() for r in runs],
    }


def polygon_and_disc(
    points: Sequence[Sequence[float]], center: Sequence[float], radius: float
) -> Scene:
    """96 x 96: a blue pentagon and, over a corner of it, a translucent orange disc."""
    return parse_scene(
        {
            "version": 1,
            "canvas": {"width": 96, "height": 96, "background": [0.95, 0.93, 0.88]},
            "shapes": [
                {
                    "id": "poly",
                    "type": "polygon",
                    "points": [list(p) for p in points],
                    "fill": [0.15, 0.35, 0.8],
                },
                {
                    "id": "disc",
                    "type": "circle",
                    "center": list(center),
                    "radius": radius,
                    "fill": [0.85, 0.35, 0.15],
                    "opacity": 0.8,
                },
            ],
        }
    )


TASK_PARAMS = ["poly.points", "disc.center", "disc.radius"]


def default_task() -> tuple[Scene, Scene]:
    """(start, truth) of the equal-time figure: the pentagon's five vertices and the
    disc's centre and radius (13 numbers, in pixels), each coordinate 1.8 to 3.6 px
    off at the start (10.7 px in all)."""
    truth = polygon_and_disc(
        [[15.4, 18.9], [61.1, 13.8], [71.1, 57.2], [36.3, 75.9], [13.4, 49.9]],
        [62.4, 63.5],
        20.6,
    )
    start = polygon_and_disc(
        [[18.1, 17.1], [58.4, 16.7], [67.6, 60.3], [39.4, 72.3], [15.6, 53.4]],
        [58.8, 66.2],
        18.2,
    )
    return start, truth
