"""Figures (matplotlib, off-screen): derivative images and optimisation curves.

Every function returns PNG bytes, so callers write them atomically.
"""

from __future__ import annotations

import io

import numpy as np


def new_figure(columns: int, figsize: tuple[float, float], *, rows: int = 1, **grid):
    """A figure with a grid of `rows` x `columns` axes (`grid`: options of
    `Figure.subplots`), drawn off-screen.

    `matplotlib.figure.Figure` without pyplot: no global backend is selected or changed,
    so importing Reynolds leaves a notebook's plotting alone, and no display is needed.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize)
    return figure, figure.subplots(rows, columns, squeeze=False, **grid)


def png_bytes(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def derivative_panels(
    panels: list[tuple[str, np.ndarray]], *, limit: float, label: str
) -> bytes:
    """Scalar images side by side on one diverging scale (blue negative, red positive).

    Args:
        panels: (title, `[H, W]` values) pairs.
        limit: values at +-limit saturate the colour map.
        label: colour-bar label.
    """
    height, width = panels[0][1].shape
    figure, axes = new_figure(
        len(panels), (3.2 * len(panels), 3.2 * height / width + 0.9)
    )
    image = None
    for axis, (title, values) in zip(axes[0], panels, strict=True):
        image = axis.imshow(
            values, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
        )
        axis.set_title(title, fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
    bar = figure.colorbar(
        image, ax=axes[0].tolist(), orientation="horizontal", fraction=0.06, pad=0.04
    )
    bar.set_label(label, fontsize=9)
    return png_bytes(figure)


COLOUR_ATTRIBUTES = ("fill", "opacity", "background")
RUN_STYLES = ("-", "--", ":", "-.")
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip


def _is_colour(name: str) -> bool:
    return name.split(".")[-1].split("[")[0] in COLOUR_ATTRIBUTES


def optimisation_curves(
    curves: dict[str, np.ndarray],
    errors: dict[str, dict[str, np.ndarray]] | None = None,
    *,
    title: str = "",
) -> bytes:
    """Loss per step (log scale) for one or more runs and, optionally, parameter errors:
    geometry (pixels; rotations in degrees) and colour (linear units) in panels of their
    own. A parameter keeps its colour in every run; runs differ by line style; legends
    sit outside the axes.

    Args:
        curves: {run label: `[steps]` loss}.
        errors: {run label: {parameter name: `[steps]` error}}.
    """
    from matplotlib.lines import Line2D

    runs = list(curves)
    styles = {run: RUN_STYLES[i % len(RUN_STYLES)] for i, run in enumerate(runs)}
    names = list(dict.fromkeys(n for series in (errors or {}).values() for n in series))
    groups = [
        (label, [n for n in names if _is_colour(n) == colour])
        for label, colour in (
            ("geometry error (px; rotate in degrees)", False),
            ("colour error (linear units)", True),
        )
    ]
    groups = [(label, members) for label, members in groups if members]
    figure, axes = new_figure(1 + len(groups), (4.3 * (1 + len(groups)) + 2.2, 3.6))
    loss_axis = axes[0][0]
    for run, values in curves.items():
        loss_axis.plot(
            np.arange(len(values)), values, styles[run], color="black", linewidth=1.3
        )
    loss_axis.set_yscale("log")
    loss_axis.set_xlabel("step")
    loss_axis.set_ylabel("image loss (mean squared error)")
    loss_axis.grid(True, which="both", alpha=0.3)
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    for axis, (label, members) in zip(axes[0][1:], groups, strict=True):
        for run in runs:
            for name in members:
                values = (errors or {}).get(run, {}).get(name)
                if values is None:
                    continue
                axis.plot(
                    np.arange(len(values)),
                    np.maximum(values, 1e-6),
                    styles[run],
                    color=colours[name],
                    linewidth=1.1,
                )
        axis.set_yscale("log")
        axis.set_xlabel("step")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    # Legends outside the curves: runs by line style, parameters by colour.
    handles = [
        Line2D([], [], color="black", linestyle=styles[r], label=r) for r in runs
    ]
    handles += [Line2D([], [], color=colours[n], label=n) for n in names]
    axes[0][-1].legend(
        handles=handles,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0,
    )
    if title:
        figure.suptitle(title, fontsize=10)
    return png_bytes(figure)


RULE_LABELS = {
    "stratified": "Reynolds, two-sided rule",
    "iid": "Reynolds, two-sided rule (i.i.d. samples)",
    "epsilon": "epsilon rule (diffvg)",
}


def sweep_figure(sweep, *, title: str = "") -> bytes:
    """The exact objective over a parameter sweep (top) and, below, its one-sided
    derivatives with each rule's mean and 95 % confidence band.

    Args:
        sweep: a `reynolds.nonsmooth.Sweep`.
    """
    figure, axes = new_figure(
        1, (7.0, 6.4), rows=2, sharex=True, height_ratios=(1, 1.6)
    )
    top, bottom = axes[0][0], axes[1][0]
    x = sweep.values
    label = f"{sweep.name}[{sweep.component}]"
    top.plot(x, sweep.objective, color="black", linewidth=1.4)
    top.set_ylabel("objective  sum(w * I_exact)")
    top.grid(True, alpha=0.3)
    bottom.plot(
        x, sweep.minus, "v", color="#1f77b4", markersize=5, label="exact d- (left)"
    )
    bottom.plot(
        x, sweep.plus, "^", color="#d62728", markersize=5, label="exact d+ (right)"
    )
    colours = {"stratified": "#2ca02c", "iid": "#17becf", "epsilon": "#ff7f0e"}
    for rule, mean in sweep.means.items():
        band = 1.96 * np.nan_to_num(sweep.stderrs[rule])
        colour = colours.get(rule, "#7f7f7f")
        bottom.plot(
            x,
            mean,
            "o-",
            markersize=3,
            color=colour,
            linewidth=1.1,
            label=RULE_LABELS.get(rule, rule),
        )
        bottom.fill_between(
            x, mean - band, mean + band, color=colour, alpha=0.25, linewidth=0
        )
    bottom.set_xlabel(f"{label} ({_units(sweep.name)})")
    bottom.set_ylabel(f"d objective / d {label}")
    bottom.grid(True, alpha=0.3)
    bottom.legend(
        fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0
    )
    settings = (
        f"{sweep.repeat} seeds ({sweep.seed}..{sweep.seed + sweep.repeat - 1}), "
        f"{sweep.spp} spp, edge samples "
        f"{sweep.edge_samples if sweep.edge_samples else '16 per px of boundary'}; "
        "bands: mean +- 1.96 standard errors"
    )
    figure.suptitle((title + "\n" if title else "") + settings, fontsize=9)
    return png_bytes(figure)


def _units(name: str) -> str:
    attribute = name.split(".")[-1].split("[")[0]
    return {"rotate": "degrees", "scale": "factor"}.get(attribute, "pixels")


def equal_time_figure(record: dict, *, title: str = "") -> bytes:
    """Parameter error (log scale) against seconds, one line per estimator: the median
    over seeds with the inter-quartile band shaded; the legend, outside the axes, gives
    each estimator's median step count.

    Args:
        record: the dict of `reynolds.equal_time.equal_time_runs`.
    """
    settings = record["settings"]
    grid = np.asarray(record["grid"])
    figure, axes = new_figure(1, (7.6, 4.4))
    axis = axes[0][0]
    for i, (estimator, summary) in enumerate(record["summary"].items()):
        colour = PALETTE[i % len(PALETTE)]
        steps = summary["steps_quartiles"][1]
        axis.fill_between(
            grid,
            summary["error_q25"],
            summary["error_q75"],
            color=colour,
            alpha=0.2,
            linewidth=0,
            step="post",
        )
        axis.step(
            grid,
            summary["error_median"],
            where="post",
            color=colour,
            linewidth=1.3,
            label=f"{estimator} ({steps:.0f} steps)",
        )
    axis.axhline(record["initial_error"], color="black", linewidth=0.8, linestyle=":")
    axis.set_yscale("log")
    axis.set_xlim(0, settings["seconds"])
    clock = {"wall": "wall-clock", "cpu": "process CPU"}.get(settings["clock"], "")
    axis.set_xlabel(f"{clock} seconds (after a kernel warm-up)")
    axis.set_ylabel("parameter error |theta - theta*| (px)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(
        title="median over seeds; band: quartiles",
        title_fontsize=8,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0,
    )
    seeds = settings["seeds"]
    subtitle = (
        f"equal time: {settings['seconds']:g} s per run, {len(seeds)} seeds each; every "
        f"estimator asks for the same samples per step ({settings['spp']} spp; edge "
        f"samples: {settings['edge_samples']}),\nso runs differ in how many steps "
        f"fit; Adam, {settings['schedule']} learning rate over the budget; dotted: "
        "the start's error"
    )
    if record["skipped"]:
        subtitle += f"; not applicable here: {', '.join(record['skipped'])}"
    figure.suptitle((title + "\n" if title else "") + subtitle, fontsize=8.5)
    return png_bytes(figure)
