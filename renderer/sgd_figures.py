"""Figures of derivatives of SGD iterates (off-screen matplotlib; PNG bytes).

Each takes the JSON-ready record of a preset of `reynolds.sgd_experiments` (or of a
`reynolds sgd-derivatives` run) and states in its title the problem, seeds, step sizes
and sample counts. Legends sit outside the axes so that they hide no data.
"""

from __future__ import annotations

import numpy as np
from reynolds.plotting import new_figure, png_bytes

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf")


def _problem_line(record: dict) -> str:
    problem = record["problem"]
    width, height = problem["canvas"]
    return (
        f"{width} x {height} canvas; x = {', '.join(problem['params'])}; "
        f"theta: {problem['theta']}"
    )


def _samples(record: dict) -> str:
    if record.get("gradients") == "exact":
        return "exact pixel values"
    if "edge_samples" not in record:  # colours only: no boundary term
        return f"{record['spp']} spp"
    return f"{record['spp']} spp, edge samples {record['edge_samples']}"


def _seeds(record: dict) -> str:
    seeds = record.get("seeds", [record.get("seed")])
    if len(seeds) > 4:
        return f"seeds {seeds[0]}, {seeds[1]}, ..., {seeds[-1]}"
    return f"seeds {', '.join(str(s) for s in seeds)}"


def _legend(axis) -> None:
    """The legend below the axes, clear of the data."""
    axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)


def _style(axis, xlabel: str, ylabel: str) -> None:
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.grid(True, which="both", alpha=0.3)


def plateau_figure(record: dict) -> bytes:
    """(a) constant steps: RMS of ||J_k - J*|| and ||x_k - x*|| over the seeds, per
    step size, with each plateau (RMS over the second half) dashed."""
    figure, axes = new_figure(2, (11.0, 4.4))
    for axis, key, label in (
        (axes[0][0], "J", "||J_k - J*||, RMS over seeds"),
        (axes[0][1], "x", "||x_k - x*||, RMS over seeds"),
    ):
        for colour, (name, curve) in zip(
            COLOURS, record["curves"].items(), strict=False
        ):
            values = np.asarray(curve[f"{key}_rms"])
            axis.semilogy(values, color=colour, linewidth=1.1, label=f"a = {name}")
            plateau = curve[f"{key}_plateau"]
            axis.axhline(
                plateau,
                color=colour,
                linestyle="--",
                linewidth=0.9,
                label=f"plateau {plateau:.2e}",
            )
        _style(axis, "step k", label)
        _legend(axis)
    figure.suptitle(
        "SGD derivatives, constant steps a_k = a: the error plateaus and the plateau "
        f"shrinks with a\n{_problem_line(record)}\n{_samples(record)}, "
        f"{len(record['seeds'])} runs ({_seeds(record)}), {record['steps']} steps",
        fontsize=8,
    )
    return png_bytes(figure)


def inverse_figure(record: dict) -> bytes:
    """(a) steps a0 / k: mean squares in log-log, the log(k)^2 / k guide (matched at the
    start of the fit) and the fitted slopes."""
    figure, axes = new_figure(1, (7.5, 5.0))
    axis = axes[0][0]
    k = np.asarray(record["k"], dtype=float)
    start = record["fit_from"]
    fit = k >= start
    for colour, key, label in (
        (COLOURS[0], "J", "E ||J_k - J*||^2"),
        (COLOURS[1], "x", "E ||x_k - x*||^2"),
    ):
        values = np.asarray(record[f"{key}_mean_square"])
        slope = record[f"{key}_slope"]
        axis.loglog(k, values, color=colour, linewidth=1.0, label=label)
        intercept = np.mean(np.log(values[fit]) - slope * np.log(k[fit]))
        axis.loglog(
            k[fit],
            np.exp(intercept) * k[fit] ** slope,
            color=colour,
            linestyle=":",
            linewidth=1.6,
            label=f"fit over k >= {start}: slope {slope:.2f}",
        )
    j_values = np.asarray(record["J_mean_square"])
    anchor = int(np.argmax(fit))
    for guide, style, label in (
        (np.log(k[fit]) ** 2 / k[fit], "--", "log(k)^2 / k guide (the bound)"),
        (1 / k[fit], "-.", "1 / k guide"),
    ):
        axis.loglog(
            k[fit],
            guide * j_values[anchor] / guide[0],
            color="black",
            linestyle=style,
            linewidth=1.0,
            label=label,
        )
    _style(axis, "step k", "mean square over runs")
    _legend(axis)
    figure.suptitle(
        f"SGD derivatives, steps a_k = {record['rate']:g} / k\n{_problem_line(record)}\n"
        f"{_samples(record)}, {len(record['seeds'])} runs ({_seeds(record)}), "
        f"{record['steps']} steps",
        fontsize=8,
    )
    return png_bytes(figure)


def interpolation_figure(record: dict) -> bytes:
    """(b) interpolation: errors on a semilog scale with the fitted linear rates."""
    figure, axes = new_figure(1, (7.5, 4.6))
    axis = axes[0][0]
    for colour, key, label in (
        (COLOURS[0], "J_error", "||J_k - J*||"),
        (COLOURS[1], "x_error", "||x_k - x*||"),
    ):
        values = np.asarray(record[key])
        k = np.arange(len(values))
        axis.semilogy(k, values, color=colour, linewidth=1.1, label=label)
        first, last = record[f"{key}_fit_steps"]
        span = np.arange(first, last + 1)
        rate = record[f"{key}_rate"]
        intercept = np.mean(np.log(values[span]) - np.log(rate) * span)
        axis.semilogy(
            span,
            np.exp(intercept) * rate**span,
            color=colour,
            linestyle=":",
            linewidth=1.8,
            label=f"fit: x {rate:.4f} per step",
        )
    _style(axis, "step k", "error")
    _legend(axis)
    figure.suptitle(
        "SGD derivatives under interpolation: linear convergence\n"
        f"{_problem_line(record)} (realisable T0 and T1)\n"
        f"exact pixel values, {record['batch_pixels']} random pixels per step, "
        f"a = {record['rate']:g}, seed {record['seed']}, {record['steps']} steps",
        fontsize=8,
    )
    return png_bytes(figure)


def circle_figure(record: dict) -> bytes:
    """(c) or (d): RMS errors of x_k and J_k per gradient estimator (left, middle) and
    the first run's J_k components against J* (right)."""
    figure, axes = new_figure(3, (15.0, 4.4))
    reference = record["problem"]["reference"]
    j_star = np.concatenate([np.ravel(v) for v in reference["J_star"].values()])
    names = [
        f"{n}[{i}]" if np.size(v) > 1 else n
        for n, v in reference["J_star"].items()
        for i in range(np.size(v))
    ]
    for run_index, (method, run) in enumerate(record["runs"].items()):
        colour = COLOURS[run_index]
        for axis, key, label in (
            (axes[0][0], "x_rms", "||x_k - x*||, RMS over seeds"),
            (axes[0][1], "J_rms", "||J_k - J*||, RMS over seeds"),
        ):
            axis.semilogy(run[key], color=colour, linewidth=1.1, label=method)
            _style(axis, "step k", label)
        J = np.asarray(run["J_first_seed"])
        # Later runs dash-dotted, thicker and on top, so that a run whose J_k stays
        # at 0 (naive) is not hidden under the others.
        first = run_index == 0
        for i, name in enumerate(names):
            axes[0][2].plot(
                J[:, i],
                color=COLOURS[i + 2],
                linestyle="-" if first else "-.",
                linewidth=1.0 if first else 2.0,
                zorder=2 if first else 3,
                label=f"{method}: dx/dtheta {name}",
            )
    for i, name in enumerate(names):
        axes[0][2].axhline(
            j_star[i],
            color=COLOURS[i + 2],
            linestyle="--",
            linewidth=0.9,
            label=f"J* {name} = {j_star[i]:.3f}",
        )
    _style(axes[0][2], "step k", "J_k component (first seed)")
    for axis in axes[0]:
        _legend(axis)
    figure.subplots_adjust(wspace=0.3)
    figure.suptitle(
        f"SGD derivatives of geometry ({record['experiment']})\n{_problem_line(record)}"
        f"\n{_samples(record)}, SGD with constant steps a (see legend), "
        f"{len(record['seeds'])} runs ({_seeds(record)}), {record['steps']} steps",
        fontsize=8,
    )
    return png_bytes(figure)


def run_figure(record: dict) -> bytes:
    """A `reynolds sgd-derivatives` run: loss, ||x_k - x*|| and ||J_k - J*|| per step."""
    figure, axes = new_figure(3, (13.5, 3.8))
    history = record["history"]
    for axis, key, label in (
        (axes[0][0], "loss", "F estimate (image loss + regulariser)"),
        (axes[0][1], "x_error", "||x_k - x*||"),
        (axes[0][2], "J_error", "||J_k - J*||"),
    ):
        values = np.array([h[key] for h in history], dtype=float)
        axis.semilogy(np.arange(len(values)), np.maximum(values, 1e-300), linewidth=1.1)
        _style(axis, "step k", label)
    settings = record["settings"]
    rate = settings["lr"]
    figure.subplots_adjust(wspace=0.35)
    figure.suptitle(
        f"{settings['optimizer']} on {', '.join(settings['params'])}; theta: "
        f"{settings['hyper']}\nlr {rate} ({settings['schedule']}), gradients "
        f"{settings['gradients']}, {settings['spp']} spp, batch "
        f"{settings['batch_pixels'] or 'all'} pixels, seed {settings['seed']}, "
        f"{settings['steps']} steps",
        fontsize=8,
    )
    return png_bytes(figure)
