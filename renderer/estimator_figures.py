"""The estimator lab's figures, drawn from the report `estimator_report.lab_summary`
returns: standard deviation against the sample budget, and error against time.

Every function returns PNG bytes, so callers write them atomically.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter
from reynolds.plotting import new_figure, png_bytes

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip


def _legend_outside(axis) -> None:
    axis.legend(
        fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0
    )


def _series(report: dict, key: str):
    """(name, colour, [B] values of per_budget[key]) per estimator that ran; values that
    are 0 cannot be drawn on a log axis and come back as None with the reason."""
    for k, (name, summary) in enumerate(report["estimators"].items()):
        colour = PALETTE[k % len(PALETTE)]
        if "failure" in summary:
            yield name, colour, None, "not run"
            continue
        values = np.array(summary["per_budget"][key], dtype=np.float64)
        if np.all(values > 0):
            yield name, colour, values, ""
        else:
            yield name, colour, None, "zero at some budget: not drawn"


def std_budget_figure(report: dict, *, title: str = "") -> bytes:
    """Log-log: the total standard deviation of one call, sqrt(sum over components of
    std^2), against the edge sample budget, one line per estimator, with a dashed
    M^(-1/2) guide through the first drawn line's first point."""
    budgets = np.array(report["budgets"], dtype=np.float64)
    figure, axes = new_figure(1, (6.8, 4.2))
    axis = axes[0][0]
    guide = None
    for name, colour, values, why in _series(report, "total_std"):
        if values is None:
            axis.plot([], [], color=colour, label=f"{name} ({why})")
            continue
        axis.plot(budgets, values, "o-", color=colour, linewidth=1.3, label=name)
        guide = guide if guide is not None else values[0]
    if guide is not None:
        axis.plot(
            budgets,
            guide * (budgets / budgets[0]) ** -0.5,
            "--",
            color="grey",
            linewidth=1.0,
            label="slope -1/2 (i.i.d. rate)",
        )
    axis.set_xscale("log")
    axis.set_yscale("log")
    # The budgets themselves are the ticks: minor-tick labels of a short log axis overlap.
    axis.set_xticks(budgets, [str(int(b)) for b in budgets])
    axis.xaxis.set_minor_formatter(NullFormatter())
    axis.set_xlabel("edge samples per backward call, M")
    axis.set_ylabel("std of one call, summed over components\n(gradient units)")
    axis.grid(True, which="both", alpha=0.3)
    _legend_outside(axis)
    figure.suptitle(
        title or f"{report['scene']}: {report['repeat']} seeds per budget", fontsize=9
    )
    return png_bytes(figure)


def error_time_figure(report: dict, *, title: str = "") -> bytes:
    """Log-log: the root-mean-square error of one call, sqrt(sum over components of
    std^2 + bias^2) (bias^2 less its own noise), against the median seconds per call,
    one line per estimator through its budgets."""
    figure, axes = new_figure(1, (6.8, 4.2))
    axis = axes[0][0]
    for name, colour, values, why in _series(report, "rms_error"):
        if values is None:
            axis.plot([], [], color=colour, label=f"{name} ({why})")
            continue
        times = report["estimators"][name]["per_budget"]["time_per_call_s"]
        axis.plot(times, values, "o-", color=colour, linewidth=1.3, label=name)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.xaxis.set_minor_formatter(NullFormatter())
    axis.set_xlabel("median wall time per backward call (seconds)")
    axis.set_ylabel("RMS error of one call, summed over\ncomponents (gradient units)")
    axis.grid(True, which="both", alpha=0.3)
    _legend_outside(axis)
    figure.suptitle(
        title
        or f"{report['scene']}: budgets {report['budgets'][0]} to "
        f"{report['budgets'][-1]} edge samples",
        fontsize=9,
    )
    return png_bytes(figure)


def _slope_text(slope: dict) -> str:
    if "none" in slope:
        return "no slope"
    low, high = slope["interval95"]
    return f"slope {slope['slope']:.2f} [{low:.2f}, {high:.2f}]"


def component_std_figure(report: dict, labels: list[str], *, title: str = "") -> bytes:
    """Log-log, one panel per component label: its standard deviation over seeds
    against the edge sample budget, one line per estimator, its fitted slope and 95 %
    interval in the legend. A spread of 0 is drawn at the axis floor, marked x."""
    budgets = np.array(report["budgets"], dtype=np.float64)
    figure, axes = new_figure(
        len(labels), (5.0 * len(labels), 5.2), gridspec_kw={"wspace": 0.3}
    )
    for axis, label in zip(axes[0], labels, strict=True):
        c = report["components"].index(label)
        drawn = [
            (k, name, np.array(summary["per_budget"]["std"])[:, c], summary)
            for k, (name, summary) in enumerate(report["estimators"].items())
            if "failure" not in summary
        ]
        positive = [s[s > 0] for _, _, s, _ in drawn if np.any(s > 0)]
        floor = min(float(p.min()) for p in positive) / 10 if positive else 1e-16
        for k, name, std, summary in drawn:
            slope = summary["components"][label]["slope"]
            colour = PALETTE[k % len(PALETTE)]
            axis.plot(
                budgets,
                np.maximum(std, floor),
                "o-" if np.all(std > 0) else "x--",
                color=colour,
                linewidth=1.2,
                label=f"{name}: {_slope_text(slope)}",
            )
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("edge samples per backward call, M")
        axis.set_ylabel("std over seeds (objective units per pixel)")
        axis.set_title(f"d objective / d {label}", fontsize=9)
        axis.grid(True, which="both", alpha=0.3)
        # Below the axes: the slopes are part of the legend, and must not hide data.
        axis.legend(
            fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), borderaxespad=0
        )
    if title:
        figure.suptitle(title, fontsize=9)
    return png_bytes(figure)
