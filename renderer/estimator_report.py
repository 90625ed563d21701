"""The estimator lab's report: the numbers of `estimators.json`, the Markdown table that
shows them, and the output folder (docs/estimators.md explains how to read them).

`lab_summary` computes everything from a `LabRecord`; the table and the figures are
drawn from its result alone, so they show exactly what the JSON file holds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from reynolds.atomic import check_output_folder, write_folder_atomic
from reynolds.estimator_figures import error_time_figure, std_budget_figure
from reynolds.estimator_lab import EstimatorRecord, LabRecord
from reynolds.json_text import json_text
from reynolds.lab_statistics import (
    bias_interval,
    fit_std_slope,
    log_std_variance,
    spread,
    squared_bias,
)

# Each sample's contribution is rounded to float32 (relative 2**-24) in the kernels; over
# M samples these errors average, leaving a spread of about 2**-24 (1 + |exact|) /
# sqrt(M) between seeds even where the estimator itself has none (measured: 4e-11
# relative for "antithetic" on a triangle, whose pairs integrate linear integrands
# exactly). A spread below twice that is rounding, not Monte Carlo noise: such
# budgets are left out of the slope fit.
ROUNDING = 2.0**-23
# A fit whose chi2 exceeds dof + 4 sqrt(2 dof) (p < 0.005 for 4 dof) is flagged: the
# spread is not a power of M over the budgets (a bend, a floor, a regime change).
POOR_FIT_SIGMAS = 4.0

OUTPUT_NAMES = (
    "estimators.json",
    "estimators.md",
    "std-vs-samples.png",
    "error-vs-time.png",
)


def _slope(record: EstimatorRecord, budgets: np.ndarray, c: int, exact: float) -> dict:
    """The log-log slope of component c's std against the budget, or why there is none."""
    _, std = spread(record.estimates[:, :, c].T)
    if np.all(std == 0.0):
        return {"none": "zero spread across seeds at every budget (deterministic)"}
    variances = log_std_variance(record.estimates[:, :, c].T)
    floor = ROUNDING * (1.0 + abs(exact)) / np.sqrt(budgets)
    usable = (std > floor) & np.isfinite(variances)
    if usable.sum() < 2:
        return {
            "none": "spread above float32 rounding (2^-23 (1 + abs(exact)) / sqrt(M)) "
            f"at {int(usable.sum())} of {len(budgets)} budgets; a slope needs 2"
        }
    fit = fit_std_slope(budgets[usable], std[usable], variances[usable]).to_json()
    dof = fit["chi2_dof"]
    fit["poor_fit"] = bool(
        dof > 0 and fit["chi2"] > dof + POOR_FIT_SIGMAS * np.sqrt(2 * dof)
    )
    return fit


def _estimator_summary(lab: LabRecord, record: EstimatorRecord) -> dict:
    """Per budget: mean, std, stderr, median time; per component at the largest budget:
    bias with its 95 % interval, std, slope and work-normalised error."""
    if record.failure is not None:
        return {"failure": record.failure}
    repeat = record.estimates.shape[1]
    means, stds = spread(np.moveaxis(record.estimates, 1, 0))
    stderrs = stds / np.sqrt(repeat)
    times = np.median(record.times, axis=1)
    exact = lab.exact
    # Bias is measured from the interval [d-, d+] of the one-sided derivatives: at a
    # kink any value in it is a valid (conservative) gradient, and where d- = d+ it is
    # the derivative (docs/design.md §4.5). The nearest point of it to the mean:
    low, high = np.minimum(exact.minus, exact.plus), np.maximum(exact.minus, exact.plus)
    bias, half = bias_interval(
        means[-1], stderrs[-1], np.clip(means[-1], low, high), exact.accuracy
    )
    # Error of one call at each budget: its variance plus the squared bias.
    squared = stds**2 + squared_bias(means - np.clip(means, low, high), stderrs)
    work = stds[-1] ** 2 * times[-1] + squared_bias(bias, stderrs[-1])
    components = {}
    for c, component in enumerate(lab.components):
        components[component.label] = {
            "bias": bias[c],
            "bias_interval95": [bias[c] - half[c], bias[c] + half[c]],
            # The two-sided rule's target at a single kink is the midpoint: an estimator
            # that returned d+ there would show bias 0 but this offset.
            "midpoint_offset": float(means[-1][c] - exact.value[c]),
            "std_at_largest": stds[-1, c],
            "slope": _slope(record, lab.budgets, c, exact.value[c]),
            "work_normalised_error": work[c],
        }
    return {
        "per_budget": {
            "mean": means.tolist(),
            "std": stds.tolist(),
            "stderr": stderrs.tolist(),
            "time_per_call_s": times.tolist(),
            "rms_error": np.sqrt(squared.sum(axis=1)).tolist(),
            "total_std": np.sqrt((stds**2).sum(axis=1)).tolist(),
        },
        "components": components,
        "work_normalised_error_total": float(work.sum()),
        "estimates": record.estimates.tolist(),
        "times_s": record.times.tolist(),
    }


def lab_summary(lab: LabRecord, *, scene: str) -> dict:
    """The content of estimators.json (`scene`: the scene file's path, for the record)."""
    exact = lab.exact
    return {
        "scene": scene,
        "objective": "sum(adjoint * I)",
        "settings": lab.settings,
        "budgets": lab.budgets.tolist(),
        "repeat": int(lab.seeds.shape[1]),
        "seeds": lab.seeds.tolist(),
        "components": [c.label for c in lab.components],
        "exact": {
            c.label: {
                "value": exact.value[k],
                "minus": exact.minus[k],
                "plus": exact.plus[k],
                "accuracy": exact.accuracy[k],
                "differentiable": bool(exact.agree[k]),
            }
            for k, c in enumerate(lab.components)
        },
        "estimators": {
            name: _estimator_summary(lab, record)
            for name, record in lab.estimators.items()
        },
        "notes": {
            "bias": "mean minus the nearest point of [min(d-, d+), max(d-, d+)], the "
            "one-sided derivatives' interval (0 inside it), at the largest budget",
            "midpoint_offset": "mean minus (d- + d+) / 2 at the largest budget",
            "bias_interval95": "bias +- 1.96 sqrt(stderr^2 + reference accuracy^2) "
            "at the largest budget",
            "slope": "weighted least squares of log std on log budget; weights "
            "1 / Var(log std), the jackknife over seeds (at least 1 / (2 (R - 1))); "
            "interval slope +- 1.96 standard errors; budgets whose spread is below "
            "float32 rounding (2^-23 (1 + |exact|) / sqrt(M)) are left out; poor_fit "
            "when chi2 > dof + 4 sqrt(2 dof)",
            "work_normalised_error": "std^2 x median seconds per call + "
            "max(0, bias^2 - stderr^2), at the largest budget",
            "time": "median wall seconds per backward call after one warm-up call",
        },
    }


def _text(text: str) -> str:
    """`text` for a Markdown table cell: one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _number(value: float) -> str:
    return f"{value:.4g}"


def _exact_cell(entry: dict) -> str:
    if entry["differentiable"]:
        return _number(entry["value"])
    return f"[{_number(entry['minus'])}, {_number(entry['plus'])}]"


def _slope_cell(slope: dict) -> str:
    if "none" in slope:
        return f"none: {_text(slope['none'])}"
    low, high = slope["interval95"]
    text = f"{slope['slope']:.2f} [{low:.2f}, {high:.2f}]"
    if slope["poor_fit"]:
        text += (
            f", not a power law (chi2 {slope['chi2']:.3g} on {slope['chi2_dof']} dof)"
        )
    return text


def markdown_table(report: dict) -> str:
    """The lab's Markdown report: one row per estimator and component, then one row per
    estimator with its time and summed work-normalised error."""
    largest = report["budgets"][-1]
    settings = report["settings"]
    soft = (
        f"; soft at sigma {settings['soft_sigma']:g} px"
        if "soft" in report["estimators"]
        else ""
    )
    lines = [
        f"# Estimator lab: {report['scene']}",
        "",
        f"Objective sum(adjoint * I), adjoint {settings['adjoint']}; "
        f"budgets {', '.join(str(m) for m in report['budgets'])} edge samples; "
        f"{report['repeat']} seeds per budget; bias and std at M = {largest}{soft}.",
        "",
        "| estimator | parameter | exact | bias [95% CI] | std | slope [95% CI] "
        "| time/call (ms) | work-normalised error |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, summary in report["estimators"].items():
        if "failure" in summary:
            lines.append(
                f"| {name} | all | | not run: {_text(summary['failure'])} | | | | |"
            )
            continue
        milliseconds = 1e3 * summary["per_budget"]["time_per_call_s"][-1]
        for label, row in summary["components"].items():
            low, high = row["bias_interval95"]
            lines.append(
                f"| {name} | {label} | {_exact_cell(report['exact'][label])} "
                f"| {_number(row['bias'])} [{_number(low)}, {_number(high)}] "
                f"| {_number(row['std_at_largest'])} | {_slope_cell(row['slope'])} "
                f"| {milliseconds:.3g} | {_number(row['work_normalised_error'])} |"
            )
    lines += [
        "",
        "| estimator | time/call (ms) at each budget | work-normalised error, summed |",
        "|---|---|---|",
    ]
    for name, summary in report["estimators"].items():
        if "failure" in summary:
            lines.append(f"| {name} | not run: {_text(summary['failure'])} | |")
            continue
        times = ", ".join(
            f"{1e3 * t:.3g}" for t in summary["per_budget"]["time_per_call_s"]
        )
        lines.append(
            f"| {name} | {times} | {_number(summary['work_normalised_error_total'])} |"
        )
    return "\n".join(lines) + "\n"


def is_lab_output(name: str) -> bool:
    """True for a file name `write_lab_outputs` writes (an earlier run's output)."""
    return name in OUTPUT_NAMES


def check_lab_folder(out_dir: str | os.PathLike) -> None:
    """Refuse, before the run, an output folder the lab could not write whole."""
    check_output_folder(out_dir, is_lab_output)


def write_lab_outputs(out_dir: str | os.PathLike, report: dict) -> list[Path]:
    """Write estimators.json, estimators.md, std-vs-samples.png and error-vs-time.png as
    the whole content of `out_dir`, atomically (`reynolds.atomic.write_folder_atomic`).
    Returns the paths written."""
    files = {
        "estimators.json": json_text(report, indent=1).encode("utf-8"),
        "estimators.md": markdown_table(report).encode("utf-8"),
        "std-vs-samples.png": std_budget_figure(report),
        "error-vs-time.png": error_time_figure(report),
    }
    return write_folder_atomic(out_dir, files, replaceable=is_lab_output)
