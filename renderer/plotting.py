"""Figures (matplotlib, off-screen): derivative images and optimisation curves.

Every function returns PNG bytes, so callers write them atomically.
"""

from __future__ import annotations

import io

import numpy as np


def _figure(columns: int, figsize: tuple[float, float], *, rows: int = 1, **grid):
    """A figure with a grid of `rows` x `columns` axes (`grid`: options of
    `Figure.subplots`), drawn off-screen.

    `matplotlib.figure.Figure` without pyplot: no global backend is selected or changed,
    so importing Reynolds leaves a notebook's plotting alone, and no display is needed.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize)
    return figure, figure.subplots(rows, columns, squeeze=False, **grid)


def _png(figure) -> bytes:
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
    figure, axes = _figure(len(panels), (3.2 * len(panels), 3.2 * height / width + 0.9))
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
    return _png(figure)


def optimisation_curves(
    curves: dict[str, np.ndarray],
    errors: dict[str, dict[str, np.ndarray]] | None = None,
    *,
    title: str = "",
) -> bytes:
    """Loss per step (log scale) for one or more runs, and optionally parameter errors.

    Args:
        curves: {run label: `[steps]` loss}.
        errors: {run label: {error label: `[steps]` error}}, drawn in a second panel.
    """
    panels = 2 if errors else 1
    figure, axes = _figure(panels, (5.2 * panels, 3.6))
    loss_axis = axes[0][0]
    for label, values in curves.items():
        loss_axis.plot(np.arange(len(values)), values, label=label, linewidth=1.4)
    loss_axis.set_yscale("log")
    loss_axis.set_xlabel("step")
    loss_axis.set_ylabel("image loss")
    loss_axis.grid(True, which="both", alpha=0.3)
    loss_axis.legend(fontsize=8)
    if errors:
        error_axis = axes[0][1]
        for run, series in errors.items():
            for label, values in series.items():
                name = f"{run}: {label}" if len(errors) > 1 else label
                error_axis.plot(
                    np.arange(len(values)),
                    np.maximum(values, 1e-6),
                    label=name,
                    linewidth=1.2,
                )
        error_axis.set_yscale("log")
        error_axis.set_xlabel("step")
        error_axis.set_ylabel("parameter error (px, deg, colour)")
        error_axis.grid(True, which="both", alpha=0.3)
        error_axis.legend(fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
    return _png(figure)


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
    figure, axes = _figure(1, (7.0, 6.4), rows=2, sharex=True, height_ratios=(1, 1.6))
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
    return _png(figure)


def _units(name: str) -> str:
    attribute = name.split(".")[-1].split("[")[0]
    return {"rotate": "degrees", "scale": "factor"}.get(attribute, "pixels")
