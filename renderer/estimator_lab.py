"""The estimator lab: every boundary estimator on one scene, measured against the exact
gradient (docs/estimators.md).

For a fixed objective sum(adjoint * I) and each estimator (`edge_sampling` value of
`backward`), each sample budget M (edge samples) and R independent seeds, `run_lab`
records every geometric gradient component and the wall time of every call. The exact
gradient is the midpoint of the exact one-sided derivatives (`exact_one_sided`, as
`reynolds check-grad` uses them), with `reference_accuracy` as its accuracy.
`lab_summary` turns the record into bias, spread, slopes and work-normalised errors.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import numpy as np
from reynolds.backward import backward, check_adjoint
from reynolds.errors import SceneError
from reynolds.estimators import EDGE_SAMPLINGS
from reynolds.kernels.runtime import backend
from reynolds.limits import MAX_SAMPLES
from reynolds.params import (
    component_labels,
    disjoint_names,
    get_param,
    param_names,
    parse_name,
)
from reynolds.progress import ProgressBar
from reynolds.scene import Scene
from reynolds.soft import SOFT_SIGMA, check_soft_sigma
from reynolds.validation import exact_one_sided, reference_accuracy, smooth_adjoint

DEFAULT_BUDGETS = (256, 1024, 4096, 16384, 65536, 262144)
DEFAULT_REPEAT = 32
# Pixel samples of the interior term: it does not change geometric gradients (only the
# boundary term does, docs/design.md §2), so one sample keeps its share of the time small.
DEFAULT_SPP = 1


@dataclass(frozen=True)
class Component:
    """One scalar gradient component: parameter `name`, `index` into its array, and the
    `label` a table shows (`roof.points[1][0]`)."""

    name: str
    index: tuple[int, ...]
    label: str


@dataclass(frozen=True)
class ExactGradient:
    """The exact gradient per component `[C]`: `value` = (minus + plus) / 2, the
    one-sided derivatives, `accuracy` (`reference_accuracy`) and `agree` (False at a
    non-differentiable point, where a conservative gradient lies in [minus, plus])."""

    value: np.ndarray
    minus: np.ndarray
    plus: np.ndarray
    accuracy: np.ndarray
    agree: np.ndarray


@dataclass(frozen=True)
class EstimatorRecord:
    """What one estimator gave: `estimates` `[B, R, C]` gradient components per budget
    and seed, `times` `[B, R]` wall seconds per `backward` call; or `failure`, the
    message of the error that stopped it (then both arrays are empty)."""

    estimates: np.ndarray
    times: np.ndarray
    failure: str | None = None


@dataclass(frozen=True)
class LabRecord:
    """Everything one lab run measured.

    Attributes:
        components: the C gradient components.
        budgets: `[B]` edge sample budgets, increasing.
        seeds: `[B, R]` seeds of `backward`, distinct across budgets so that the budgets
            are independent.
        exact: the exact gradient.
        estimators: {edge_sampling name: EstimatorRecord}, in the order run.
        settings: spp, sampler, soft_sigma, adjoint description, backend and
            versions.
    """

    components: list[Component]
    budgets: np.ndarray
    seeds: np.ndarray
    exact: ExactGradient
    estimators: dict[str, EstimatorRecord]
    settings: dict


def geometry_components(scene: Scene, params: Sequence[str] | None) -> list[Component]:
    """The scalar components of `params` (default: every geometric parameter).

    Raises:
        SceneError: an unknown or overlapping name, or a colour parameter (its gradient
            comes from the interior term alone: no boundary estimator changes it).
    """
    names = param_names(scene, geometry_only=True) if params is None else params
    components = []
    for name in disjoint_names(scene, names):
        if not parse_name(scene, name).is_geometry:
            raise SceneError(
                f"{name} is not a geometric parameter: boundary estimators do not "
                "change its gradient"
            )
        for label, index in component_labels(name, get_param(scene, name)):
            components.append(Component(name, index, label))
    return components


def check_estimators(names: Sequence[str] | None) -> list[str]:
    """`names` (default: every `EDGE_SAMPLINGS` value) without repeats, each known.

    Raises:
        SceneError: an unknown name.
    """
    names = list(EDGE_SAMPLINGS) if names is None else list(dict.fromkeys(names))
    for name in names:
        if name not in EDGE_SAMPLINGS:
            raise SceneError(
                f"unknown estimator {name!r} (known: {', '.join(EDGE_SAMPLINGS)})"
            )
    return names


def check_budgets(budgets: Sequence[int]) -> np.ndarray:
    """Distinct budgets, increasing, each in [1, MAX_SAMPLES].

    Raises:
        SceneError: no budget, or one out of range.
    """
    if not budgets:
        raise SceneError("no sample budget given")
    for m in budgets:
        if not 1 <= int(m) <= MAX_SAMPLES:
            raise SceneError(f"a budget must lie in [1, {MAX_SAMPLES}], got {m}")
    return np.array(sorted({int(m) for m in budgets}), dtype=np.int64)


def check_repeat(repeat: int) -> int:
    """`repeat`, if it is at least 3 (the jackknife of the spread leaves one seed out
    and still needs two).

    Raises:
        SceneError: fewer than 3 seeds.
    """
    if repeat < 3:
        raise SceneError(f"at least 3 seeds per budget are needed, got {repeat}")
    return repeat


def exact_components(
    scene: Scene, adjoint: np.ndarray, components: list[Component]
) -> ExactGradient:
    """The exact one-sided derivatives of sum(adjoint * exact image) per component."""
    names = list(dict.fromkeys(c.name for c in components))
    sided = exact_one_sided(scene, adjoint, params=names)
    accuracy = {n: reference_accuracy(sided, n) for n in names}

    def pick(table: dict) -> np.ndarray:
        return np.array([table[c.name][c.index] for c in components])

    minus, plus = pick(sided.minus), pick(sided.plus)
    return ExactGradient(
        value=0.5 * (minus + plus),
        minus=minus,
        plus=plus,
        accuracy=pick(accuracy),
        agree=pick(sided.agree).astype(bool),
    )


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("reynolds2d", "taichi", "numpy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found


def _measure(
    scene: Scene,
    adjoint: np.ndarray,
    name: str,
    components: list[Component],
    budgets: np.ndarray,
    seeds: np.ndarray,
    options: dict,
    tick: Callable[[], None],
) -> EstimatorRecord:
    """Run one estimator over every budget and seed, after one warm-up call that
    compiles its kernels; `tick()` after each timed call."""
    params = list(dict.fromkeys(c.name for c in components))

    def call(budget: int, seed: int) -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        grads = backward(
            scene,
            adjoint,
            params=params,
            edge_samples=budget,
            seed=seed,
            edge_sampling=name,
            **options,
        )
        elapsed = time.perf_counter() - start
        return np.array([grads[c.name][c.index] for c in components]), elapsed

    estimates = np.zeros((len(budgets), seeds.shape[1], len(components)))
    times = np.zeros((len(budgets), seeds.shape[1]))
    try:
        call(int(budgets[0]), int(seeds[0, 0]))
        for b, budget in enumerate(budgets):
            for r, seed in enumerate(seeds[b]):
                estimates[b, r], times[b, r] = call(int(budget), int(seed))
                tick()
    except (ValueError, NotImplementedError) as error:
        # An estimator that refuses this scene (a polygon-only rule on circles, say)
        # is reported in its row, and the other estimators still run.
        message = error.message if isinstance(error, SceneError) else str(error)
        empty = np.zeros((0, 0, len(components)))
        return EstimatorRecord(empty, np.zeros((0, 0)), failure=message)
    return EstimatorRecord(estimates, times)


def run_lab(
    scene: Scene,
    *,
    params: Sequence[str] | None = None,
    estimators: Sequence[str] | None = None,
    budgets: Sequence[int] = DEFAULT_BUDGETS,
    repeat: int = DEFAULT_REPEAT,
    seed: int = 0,
    adjoint: np.ndarray | None = None,
    adjoint_label: str | None = None,
    spp: int = DEFAULT_SPP,
    sampler: str = "jitter",
    soft_sigma: float = SOFT_SIGMA,
    arch: str = "auto",
    progress: bool = False,
) -> LabRecord:
    """Measure every estimator at every budget with `repeat` seeds each.

    Args:
        params: parameter names (default: every geometric parameter).
        estimators: `edge_sampling` names (default: all of `EDGE_SAMPLINGS`).
        budgets: edge samples per call.
        repeat: seeds per budget (at least 3); budget b uses seeds
            seed + b * repeat + r, r < repeat (modulo 2**32).
        adjoint: `[H, W, 3]` weights (default: `smooth_adjoint` of the canvas with
            `seed`, as `reynolds check-grad` uses); `adjoint_label` says where given
            weights came from.
        spp, sampler, arch: as for `backward` (spp only adds interior-term time).
        soft_sigma: temperature of estimator "soft", pixels, as for `backward`.
        progress: draw a progress bar on stderr.
    Raises:
        SceneError: an unknown or colour parameter, an unknown estimator, a budget out
            of range, fewer than 3 seeds, a bad soft_sigma, or a bad adjoint.
    """
    components = geometry_components(scene, params)
    names = check_estimators(estimators)
    budgets = check_budgets(budgets)
    check_repeat(repeat)
    # Checked here, not by each `backward` call: `_measure` would record a bad
    # temperature as every estimator's failure.
    soft_sigma = check_soft_sigma(soft_sigma)
    height, width = scene.canvas.height, scene.canvas.width
    if adjoint is None:
        adjoint = smooth_adjoint(height, width, seed=seed)
        adjoint_label = f"smooth_adjoint(seed={seed})"
    else:
        adjoint = check_adjoint(scene, adjoint)
    seeds = (seed + np.arange(len(budgets) * repeat, dtype=np.int64)) % 2**32
    seeds = seeds.reshape(len(budgets), repeat)
    exact = exact_components(scene, adjoint, components)
    options = {"spp": spp, "sampler": sampler, "soft_sigma": soft_sigma, "arch": arch}
    calls = len(budgets) * repeat
    bar = ProgressBar(len(names) * calls, "estimators") if progress else None
    done = 0

    def advance(to: int) -> None:
        nonlocal done
        done = to
        if bar is not None:
            bar.update(done - 1)

    records = {}
    for k, name in enumerate(names):
        records[name] = _measure(
            scene,
            adjoint,
            name,
            components,
            budgets,
            seeds,
            options,
            lambda: advance(done + 1),
        )
        advance((k + 1) * calls)  # a failed estimator's calls count as done
    if bar is not None:
        bar.close()
    settings = {
        "spp": spp,
        "sampler": sampler,
        "soft_sigma": soft_sigma,
        "adjoint": adjoint_label or "given",
        "backend": backend(),
        "versions": _versions(),
    }
    return LabRecord(components, budgets, seeds, exact, records, settings)
