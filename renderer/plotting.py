"""Figures (matplotlib, off-screen): derivative images and optimisation curves.

Every function returns PNG bytes, so callers write them atomically.
"""

from __future__ import annotations

import io

import numpy as np


def _figure(columns: int, figsize: tuple[float, float]):
    """A figure with one row of `columns` axes, drawn off-screen.

    `matplotlib.figure.Figure` without pyplot: no global backend is selected or changed,
    so importing Reynolds leaves a notebook's plotting alone, and no display is needed.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize)
    return figure, figure.subplots(1, columns, squeeze=False)


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
