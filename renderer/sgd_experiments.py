"""Presets that run derivatives of SGD iterates on real Monte Carlo gradients and compare
them with the exact J* (docs/sgd-derivatives.md, "Experiments").

Each preset returns a JSON-ready dict: the problem, its seeds, step sizes and sample
counts, the exact reference, the error curves and the fitted numbers; `reynolds.
sgd_figures` draws them. Canvases are small (20 x 20, 24 x 24) so that each preset runs
in seconds to a minute on two CPU cores.

- `constant_steps` (a): colours with fixed geometry, Monte Carlo pixel noise, a_k = A
  for several A: ||J_k - J*|| falls, then wanders in a noise ball that shrinks with A.
- `inverse_steps` (a): the same with a_k = A0 / k: the mean square error falls at
  least like log(k)^2 / k (the theory's bound; for fills, where the J recursion does
  not involve x, like 1/k); its log-log slope is fitted.
- `interpolation` (b): exact pixel values, random pixel mini-batches, a realisable
  target blend: the gradient noise vanishes at the solution for every theta, and J_k
  converges linearly; the rate is fitted on a semilog scale.
- `occluder` (c): a circle's centre and radius fitted while theta is the horizontal
  position of an occluding bar (a fixed scene parameter), Reynolds gradients.
- `naive_vs_reynolds` (d): the (c) problem with a target blend toward the circle
  moved: with naive gradients the geometric J_k never moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from reynolds.params import ParamVector, get_param
from reynolds.render import render_exact
from reynolds.scene import Scene
from reynolds.scene_io import parse_scene
from reynolds.sgd_derivatives import (
    IterateDerivatives,
    describe_hyper,
    differentiate_iterates,
)
from reynolds.sgd_problem import BlendTarget, Hyper, SceneParameter
from reynolds.sgd_reference import ExactReference, exact_reference

COLOUR_PARAMS = ["a.fill", "b.fill"]
COLOUR_START = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
COLOUR_TARGET = ([0.8, 0.2, 0.1], [0.1, 0.4, 0.8])
COLOUR_BLEND = ([0.6, 0.3, 0.3], [0.2, 0.6, 0.5])
CIRCLE_PARAMS = ["disc.center", "disc.radius"]


def colour_scene(fill_a: Sequence[float], fill_b: Sequence[float]) -> Scene:
    """20 x 20: an opaque quadrilateral `a` and a circle `b` (opacity 0.85) over it."""
    return parse_scene(
        {
            "version": 1,
            "canvas": {"width": 20, "height": 20, "background": [0.9, 0.9, 0.85]},
            "shapes": [
                {
                    "id": "a",
                    "type": "polygon",
                    "points": [[1.5, 2.5], [11.5, 1.5], [10.5, 13.5], [2.5, 12.5]],
                    "fill": list(fill_a),
                },
                {
                    "id": "b",
                    "type": "circle",
                    "center": [13.3, 12.6],
                    "radius": 6.2,
                    "fill": list(fill_b),
                    "opacity": 0.85,
                },
            ],
        }
    )


def circle_scene(center: Sequence[float], radius: float) -> Scene:
    """24 x 24: a disc partly behind an opaque vertical bar (an occluder). No extreme
    point of the disc and no edge of the bar lies on a pixel line, where the image
    would have a kink or an unbounded second derivative."""
    return parse_scene(
        {
            "version": 1,
            "canvas": {"width": 24, "height": 24, "background": [0.95, 0.93, 0.88]},
            "shapes": [
                {
                    "id": "disc",
                    "type": "circle",
                    "center": list(center),
                    "radius": radius,
                    "fill": [0.1, 0.4, 0.85],
                },
                {
                    "id": "bar",
                    "type": "polygon",
                    "role": "occluder",
                    "points": [[15.4, 2.5], [18.4, 2.5], [18.4, 21.5], [15.4, 21.5]],
                    "fill": [0.25, 0.25, 0.25],
                },
            ],
        }
    )


CIRCLE_TRUE = ((11.3, 12.6), 6.2)
CIRCLE_START = ((10.4, 11.8), 5.7)
CIRCLE_MOVED = ((12.3, 12.6), 6.2)


def _problem_record(
    scene: Scene, params: list[str], hyper: Hyper, reference: ExactReference
) -> dict:
    view = ParamVector(scene, params)
    return {
        "canvas": [scene.canvas.width, scene.canvas.height],
        "params": params,
        "start": {n: get_param(scene, n).tolist() for n in params},
        "theta": describe_hyper(hyper),
        "reference": reference.to_json(view),
    }


def _errors(run: IterateDerivatives, reference: ExactReference) -> dict:
    return {
        "x_error": np.linalg.norm(run.x - reference.x_star, axis=1),
        "J_error": np.linalg.norm(run.J - reference.J_star, axis=1),
    }


def colour_problem() -> tuple[Scene, np.ndarray, BlendTarget]:
    """Start scene, target T0 and blend toward T1 of the colour presets; both targets are
    exact renders of the scene, so x*(theta) = (1 - theta) x0_true + theta x1_true and
    J* = x1_true - x0_true exactly."""
    return (
        colour_scene(*COLOUR_START),
        render_exact(colour_scene(*COLOUR_TARGET)),
        BlendTarget(render_exact(colour_scene(*COLOUR_BLEND))),
    )


def constant_steps(
    *,
    rates: Sequence[float] = (8.0, 4.0, 2.0, 1.0),
    steps: int = 200,
    seeds: Sequence[int] = (0, 1, 2, 3),
    spp: int = 4,
    arch: str = "auto",
) -> dict:
    """(a) Constant steps a_k = A for each A in `rates`, over independent `seeds`.

    The plateau of A is the root mean square of ||J_k - J*|| over the seeds and the
    second half of the steps (likewise for x).
    """
    scene, target, hyper = colour_problem()
    reference = exact_reference(scene, target, params=COLOUR_PARAMS, hyper=hyper)
    curves = {}
    for rate in rates:
        runs = _colour_runs(
            scene,
            target,
            hyper,
            reference,
            seeds,
            steps=steps,
            lr=rate,
            spp=spp,
            arch=arch,
        )
        J = np.array([r["J_error"] for r in runs])
        x = np.array([r["x_error"] for r in runs])
        half = steps // 2
        curves[f"{rate:g}"] = {
            "rate": rate,
            "J_rms": np.sqrt(np.mean(J**2, axis=0)).tolist(),
            "x_rms": np.sqrt(np.mean(x**2, axis=0)).tolist(),
            "J_plateau": float(np.sqrt(np.mean(J[:, half:] ** 2))),
            "x_plateau": float(np.sqrt(np.mean(x[:, half:] ** 2))),
        }
    return {
        "experiment": "constant steps",
        "problem": _problem_record(scene, COLOUR_PARAMS, hyper, reference),
        "optimizer": "sgd",
        "gradients": "reynolds",
        "spp": spp,
        "seeds": [s * 100_000 for s in seeds],
        "steps": steps,
        "curves": curves,
    }


def _colour_runs(scene, target, hyper, reference, seeds, **options) -> list[dict]:
    """`_errors` of one SGD run of the colour problem per seed (run seed: seed x 100000,
    so runs of different presets never share samples); `options` go to
    `differentiate_iterates`."""
    return [
        _errors(
            differentiate_iterates(
                scene,
                target,
                params=COLOUR_PARAMS,
                hyper=hyper,
                seed=seed * 100_000,
                **options,
            ),
            reference,
        )
        for seed in seeds
    ]


def fitted_slope(k: np.ndarray, values: np.ndarray) -> float:
    """Least-squares slope of log(values) against log(k)."""
    return float(np.polyfit(np.log(k), np.log(values), 1)[0])


def inverse_steps(
    *,
    rate: float = 12.0,
    steps: int = 500,
    seeds: Sequence[int] = tuple(range(16)),
    spp: int = 1,
    fit_from: int = 50,
    arch: str = "auto",
) -> dict:
    """(a) Steps a_k = A0 / k: mean square of ||J_k - J*|| over `seeds`, and its slope
    in log-log fitted over k >= `fit_from` (k counts steps from 1)."""
    scene, target, hyper = colour_problem()
    reference = exact_reference(scene, target, params=COLOUR_PARAMS, hyper=hyper)
    runs = _colour_runs(
        scene,
        target,
        hyper,
        reference,
        seeds,
        steps=steps,
        lr=rate,
        schedule="inverse",
        spp=spp,
        arch=arch,
    )
    J2 = np.mean([r["J_error"] ** 2 for r in runs], axis=0)[1:]
    x2 = np.mean([r["x_error"] ** 2 for r in runs], axis=0)[1:]
    k = np.arange(1, steps + 1)
    fit = k >= fit_from
    return {
        "experiment": "inverse steps",
        "problem": _problem_record(scene, COLOUR_PARAMS, hyper, reference),
        "optimizer": "sgd",
        "gradients": "reynolds",
        "rate": rate,
        "spp": spp,
        "seeds": [s * 100_000 for s in seeds],
        "steps": steps,
        "k": k.tolist(),
        "J_mean_square": J2.tolist(),
        "x_mean_square": x2.tolist(),
        "fit_from": fit_from,
        "J_slope": fitted_slope(k[fit], J2[fit]),
        "x_slope": fitted_slope(k[fit], x2[fit]),
    }


def interpolation(
    *,
    rate: float = 1.0,
    batch_pixels: int = 16,
    steps: int = 200,
    seed: int = 0,
    floor: float = 1e-11,
) -> dict:
    """(b) Exact pixel values, `batch_pixels` random pixels per step, realisable target
    and blend: ||J_k - J*|| and ||x_k - x*|| on a semilog scale, with the linear rate
    exp(slope of log error per step) fitted from step 10 to where the error reaches
    `floor` (float64 rounding)."""
    scene, target, hyper = colour_problem()
    reference = exact_reference(scene, target, params=COLOUR_PARAMS, hyper=hyper)
    run = differentiate_iterates(
        scene,
        target,
        params=COLOUR_PARAMS,
        hyper=hyper,
        steps=steps,
        lr=rate,
        gradients="exact",
        batch_pixels=batch_pixels,
        seed=seed,
    )
    errors = _errors(run, reference)
    record = {
        "experiment": "interpolation",
        "problem": _problem_record(scene, COLOUR_PARAMS, hyper, reference),
        "optimizer": "sgd",
        "gradients": "exact",
        "rate": rate,
        "batch_pixels": batch_pixels,
        "seed": seed,
        "steps": steps,
        "floor": floor,
    }
    for key, values in errors.items():
        k = np.arange(len(values))
        fit = (k >= 10) & (np.minimum.accumulate(values) > floor)
        slope = float(np.polyfit(k[fit], np.log(values[fit]), 1)[0])
        record[key] = values.tolist()
        record[f"{key}_rate"] = float(np.exp(slope))
        record[f"{key}_fit_steps"] = [int(k[fit][0]), int(k[fit][-1])]
    return record


def circle_problem() -> tuple[Scene, np.ndarray]:
    """Start scene and target (exact render of the true disc, bar at 0) of (c), (d)."""
    return circle_scene(*CIRCLE_START), render_exact(circle_scene(*CIRCLE_TRUE))


def _circle_runs(
    hyper: Hyper,
    configs: Sequence[tuple[str, str, float]],
    *,
    steps: int,
    seeds: Sequence[int],
    spp: int,
    arch: str,
) -> dict:
    """Runs of (label, gradients, constant step size) on the circle problem, and the
    exact reference, started at the true disc (where the target is realised)."""
    scene, target = circle_problem()
    true = circle_scene(*CIRCLE_TRUE)
    start = ParamVector(true, CIRCLE_PARAMS).flatten(true)
    reference = exact_reference(
        scene, target, params=CIRCLE_PARAMS, hyper=hyper, start=start
    )
    record = {
        "problem": _problem_record(scene, CIRCLE_PARAMS, hyper, reference),
        "optimizer": "sgd",
        "schedule": "constant",
        "spp": spp,
        "edge_samples": "16 per pixel of boundary",
        "seeds": [s * 100_000 for s in seeds],
        "steps": steps,
        "runs": {},
    }
    for label, method, rate in configs:
        runs = [
            differentiate_iterates(
                scene,
                target,
                params=CIRCLE_PARAMS,
                hyper=hyper,
                steps=steps,
                lr=rate,
                gradients=method,
                spp=spp,
                seed=seed * 100_000,
                arch=arch,
            )
            for seed in seeds
        ]
        errors = [_errors(r, reference) for r in runs]
        record["runs"][label] = {
            "gradients": method,
            "rate": rate,
            "J_rms": np.sqrt(np.mean([e["J_error"] ** 2 for e in errors], 0)).tolist(),
            "x_rms": np.sqrt(np.mean([e["x_error"] ** 2 for e in errors], 0)).tolist(),
            "J_first_seed": runs[0].J.tolist(),
            "x_first_seed": runs[0].x.tolist(),
        }
    return record


def occluder(
    *,
    rates: Sequence[float] = (40.0, 10.0),
    steps: int = 300,
    seeds: Sequence[int] = (0, 1, 2),
    spp: int = 4,
    arch: str = "auto",
) -> dict:
    """(c) The disc's centre and radius while theta is the bar's horizontal position,
    Reynolds gradients with constant steps `rates`."""
    record = _circle_runs(
        SceneParameter("bar.translate", 0),
        [(f"reynolds, a = {rate:g}", "reynolds", rate) for rate in rates],
        steps=steps,
        seeds=seeds,
        spp=spp,
        arch=arch,
    )
    return {"experiment": "occluder", **record}


def naive_vs_reynolds(
    *,
    rate: float = 40.0,
    steps: int = 200,
    seeds: Sequence[int] = (0, 1, 2),
    spp: int = 4,
    arch: str = "auto",
) -> dict:
    """(d) Target blend toward the disc moved 1 px right: naive and Reynolds J_k."""
    record = _circle_runs(
        BlendTarget(render_exact(circle_scene(*CIRCLE_MOVED))),
        [("reynolds", "reynolds", rate), ("naive", "naive", rate)],
        steps=steps,
        seeds=seeds,
        spp=spp,
        arch=arch,
    )
    return {"experiment": "naive vs reynolds", **record}
