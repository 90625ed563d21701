"""`reynolds sgd-derivatives`: differentiate SGD (or Adam) iterates with respect to a
hyper-parameter and compare with the exact J* (docs/sgd-derivatives.md)."""

from __future__ import annotations

import argparse

import numpy as np
from reynolds.atomic import check_output_folder, write_folder_atomic
from reynolds.cli.optimize_commands import learning_rates
from reynolds.cli.options import (
    add_edge_sampling,
    add_sampling,
    checked_params,
    name_list,
    positive_int,
)
from reynolds.errors import SceneError, echo
from reynolds.json_text import json_text
from reynolds.params import get_param
from reynolds.progress import ProgressBar
from reynolds.scene import Scene
from reynolds.scene_io import load_scene
from reynolds.sgd_derivatives import (
    GRADIENTS,
    OPTIMIZERS,
    SCHEDULES,
    differentiate_iterates,
)
from reynolds.sgd_figures import run_figure
from reynolds.sgd_problem import BlendTarget, Hyper, L2Weight, SceneParameter
from reynolds.sgd_reference import exact_reference
from reynolds.targets import load_target


def step_sizes(text: str) -> float | dict[str, float]:
    """`--lr`: one step size A for every component, or `kind=A` pairs."""
    try:
        value = float(text)
    except ValueError:
        return learning_rates(text)
    if not (value > 0 and np.isfinite(value)):
        raise argparse.ArgumentTypeError(
            f"step size must be positive, got {echo(text)}"
        )
    return value


def parse_hyper(text: str, scene: Scene) -> Hyper:
    """`--hyper`: `blend:T1.(png|npy|json)`, `l2:WEIGHT` or `NAME[:COMPONENT]`.

    Raises:
        SceneError: an unreadable blend target, a bad weight, an unknown parameter.
    """
    kind, _, rest = text.partition(":")
    if kind == "blend":
        return BlendTarget(load_target(rest, scene))
    if kind == "l2":
        try:
            weight = float(rest)
        except ValueError:
            raise SceneError(
                f"expected l2:WEIGHT with a number, got {echo(text)}", source="--hyper"
            ) from None
        if not (np.isfinite(weight) and weight >= 0):
            raise SceneError(
                f"the L2 weight must be finite and >= 0, got {echo(rest)}",
                source="--hyper",
            )
        return L2Weight(weight)
    if rest and not rest.isdigit():
        raise SceneError(
            f"expected NAME:COMPONENT with a component number, got {echo(text)}",
            source="--hyper",
        )
    checked_params(scene, [kind], [], option="--hyper")
    component = int(rest) if rest else 0
    size = get_param(scene, kind).size
    if component >= size:
        raise SceneError(
            f"{kind} has {size} component(s); component {component} does not exist",
            source="--hyper",
        )
    return SceneParameter(kind, component)


def run_record(run, reference) -> dict:
    """derivatives.json: final x and J, the exact x* and J*, and the history."""
    view = run.view
    x_error = np.linalg.norm(run.x - reference.x_star, axis=1)
    J_error = np.linalg.norm(run.J - reference.J_star, axis=1)

    def named(vector: np.ndarray) -> dict:
        return {n: v.tolist() for n, v in view.split(vector).items()}

    return {
        "x": named(run.x[-1]),
        "J": named(run.J[-1]),
        "J_star": named(reference.J_star),
        "x_star": named(reference.x_star),
        "history": [
            {
                "step": k,
                "loss": float(run.loss[k]),
                "x_error": float(x_error[k]),
                "J_error": float(J_error[k]),
            }
            for k in range(len(run.loss))
        ],
        "final": {"x_error": float(x_error[-1]), "J_error": float(J_error[-1])},
        "settings": run.settings,
        "reference": reference.to_json(view),
    }


OUTPUTS = ("derivatives.json", "derivatives.png")


def is_output(name: str) -> bool:
    """True for a file an earlier run wrote, which a new run into the folder replaces."""
    return name in OUTPUTS


def cmd_sgd_derivatives(args: argparse.Namespace) -> int:
    check_output_folder(args.out, is_output)
    scene = load_scene(args.start)
    target = load_target(args.target, scene)
    names = checked_params(scene, args.params, [])
    hyper = parse_hyper(args.hyper, scene)
    bar = ProgressBar(args.steps, "sgd-derivatives")
    try:
        run = differentiate_iterates(
            scene,
            target,
            params=names,
            hyper=hyper,
            steps=args.steps,
            lr=args.lr,
            schedule=args.schedule,
            optimizer=args.optimizer,
            gradients=args.gradients,
            batch_pixels=args.batch_pixels,
            spp=args.spp,
            edge_samples=args.edge_samples,
            edge_sampling=args.edge_sampling,
            soft_sigma=args.soft_sigma,
            sampler=args.sampler,
            seed=args.seed,
            arch=args.arch,
            callback=bar.update,
        )
    finally:
        bar.close()
    # Newton starts from the last iterate: the local minimiser the run approaches.
    try:
        reference = exact_reference(
            scene, target, params=names, hyper=hyper, start=run.x[-1]
        )
    except SceneError as error:
        raise SceneError(
            f"{error.message} (Newton started from the last iterate: did the run "
            "converge?)"
        ) from None
    record = run_record(run, reference)
    files = {
        "derivatives.json": json_text(record, indent=1).encode(),
        "derivatives.png": run_figure(record),
    }
    write_folder_atomic(args.out, files, replaceable=is_output)
    print(
        f"||x_K - x*|| {record['final']['x_error']:.3e}, "
        f"||J_K - J*|| {record['final']['J_error']:.3e} "
        f"(||J*|| {np.linalg.norm(reference.J_star):.3e})"
    )
    print(f"wrote {args.out}/derivatives.json and derivatives.png")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sgd-derivatives",
        help="derivatives of SGD/Adam iterates with respect to a hyper-parameter, "
        "against the exact J* = -H^-1 B",
    )
    p.add_argument("start", help="starting scene file")
    p.add_argument(
        "--target",
        required=True,
        help="target: .png, .npy, or a .json scene (rendered exactly)",
    )
    p.add_argument(
        "--params",
        type=name_list,
        required=True,
        help="comma-separated names of the optimised parameters",
    )
    p.add_argument(
        "--hyper",
        required=True,
        help="theta: blend:T1.(png|npy|json) (T = (1 - theta) T + theta T1 at 0), "
        "l2:WEIGHT (weight of (theta/2)||x - x0||^2), or a fixed scene parameter "
        "NAME[:COMPONENT], e.g. bar.translate:0",
    )
    p.add_argument("--steps", type=positive_int, required=True, help="steps K")
    p.add_argument(
        "--lr",
        type=step_sizes,
        required=True,
        help="step size A for every component, or kind=A pairs (fill=2,center=40)",
    )
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default="constant",
        help="a_k = A (constant, default) or A / k (inverse)",
    )
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    p.add_argument(
        "--gradients",
        choices=GRADIENTS,
        default="reynolds",
        help="reynolds (Monte Carlo, default), naive, or exact (no noise)",
    )
    p.add_argument(
        "--batch-pixels",
        type=positive_int,
        default=None,
        help="pixels drawn per step for the loss (default: all)",
    )
    add_sampling(p, spp=4)
    add_edge_sampling(p)
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.set_defaults(handler=cmd_sgd_derivatives)
