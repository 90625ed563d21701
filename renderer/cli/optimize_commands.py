"""`reynolds optimize` and `reynolds demo`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reynolds.cli.options import (
    add_edge_sampling,
    add_sampling,
    checked_params,
    name_list,
    positive_int,
    sample_count,
)
from reynolds.cli.signals import interrupted_status
from reynolds.demos import FLAGSHIP, demo_names, load_demo, run_demo
from reynolds.errors import SceneError
from reynolds.optimize import (
    DEFAULT_LR,
    OptimizationInterrupted,
    default_params,
    optimize,
)
from reynolds.progress import ProgressBar
from reynolds.run_outputs import (
    check_run_folder,
    write_interrupted_outputs,
    write_run_outputs,
)
from reynolds.scene_io import load_scene
from reynolds.targets import load_target


def learning_rates(text: str) -> dict[str, float]:
    """`--lr`: a number scaling every default rate, or `kind=value` pairs."""
    try:
        factor = float(text)
    except ValueError:
        factor = None
    if factor is not None:
        if not factor > 0:
            raise argparse.ArgumentTypeError(
                f"learning-rate factor must be positive, got {text!r}"
            )
        return {kind: rate * factor for kind, rate in DEFAULT_LR.items()}
    rates = {}
    for item in text.split(","):
        kind, _, value = item.partition("=")
        kind = kind.strip()
        if kind not in DEFAULT_LR:
            raise argparse.ArgumentTypeError(
                f"unknown learning-rate kind {kind!r} (known: {', '.join(DEFAULT_LR)})"
            )
        try:
            rates[kind] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {kind}=NUMBER, got {item!r}"
            ) from None
        if not rates[kind] > 0:
            raise argparse.ArgumentTypeError(
                f"learning rate for {kind} must be positive"
            )
    return rates


def cmd_optimize(args: argparse.Namespace) -> int:
    out = Path(args.out)
    check_run_folder(out)
    scene = load_scene(args.start)
    target = load_target(args.target, scene)
    reference = (
        load_scene(args.target) if args.target.lower().endswith(".json") else None
    )
    names = checked_params(scene, args.params, default_params(scene))
    if not names:
        raise SceneError(
            "nothing to optimise: every shape is an occluder; name parameters",
            source="--params",
        )
    every = max(1, args.steps // 40)
    trail = {}
    bar = ProgressBar(args.steps, "optimize")

    def on_step(step, current, loss):
        if step % every == 0:
            trail[step] = current
        bar.update(step, loss)

    try:
        result, history = optimize(
            scene,
            target,
            params=names,
            steps=args.steps,
            optimizer=args.optimizer,
            lr=args.lr,
            schedule=args.schedule,
            estimator=args.estimator,
            loss=args.loss,
            spp=args.spp,
            spp_final=args.spp_final,
            edge_samples=args.edge_samples,
            sampler=args.sampler,
            edge_sampling=args.edge_sampling,
            soft_sigma=args.soft_sigma,
            seed=args.seed,
            reference=reference,
            patience=args.patience,
            callback=on_step,
            arch=args.arch,
        )
    except OptimizationInterrupted as interrupted:
        bar.close()
        return _keep_finished_steps(out, args.estimator, interrupted)
    bar.close()
    trail[len(history.loss)] = result
    write_run_outputs(
        out,
        {args.estimator: (result, history)},
        target,
        {args.estimator: trail},
        arch=args.arch,
    )
    print(f"loss {history.loss[0]:.4g} -> {history.loss[-1]:.4g} ({history.stopped})")
    if reference is not None:
        for name, error in history.final_errors.items():
            print(f"  {name}: error {error:.4g}")
    print(f"wrote {out}/result.json, history.json, loss.png, progress.gif")
    return 0


def _keep_finished_steps(
    out: Path, label: str, interrupted: OptimizationInterrupted
) -> int:
    """After an interruption: write the last complete state and the history of the
    finished steps (no figures), say where, and return the interrupted exit status."""
    steps = len(interrupted.history.loss)
    if steps == 0:
        print("error: interrupted before the first step finished", file=sys.stderr)
    else:
        write_interrupted_outputs(
            out, {label: (interrupted.scene, interrupted.history)}
        )
        print(
            f"error: interrupted after {steps} steps; wrote the last complete state "
            f"to {out / 'result.json'} and its history to {out / 'history.json'}",
            file=sys.stderr,
        )
    return interrupted_status()


def cmd_demo(args: argparse.Namespace) -> int:
    if args.list:
        for name in demo_names():
            demo = load_demo(name)
            flag = "  (flagship, the default)" if name == FLAGSHIP else ""
            print(f"{name:<20} {demo.title}{flag}")
        return 0
    demo = load_demo(args.name or FLAGSHIP)
    out = Path(args.out) / demo.name
    check_run_folder(out)
    print(f"{demo.title}\n{demo.teaches}\n", file=sys.stderr)
    result = run_demo(
        demo,
        out,
        steps=args.steps,
        seed=args.seed,
        spp=args.spp,
        sampler=args.sampler,
        edge_samples=args.edge_samples,
        edge_sampling=args.edge_sampling,
        soft_sigma=args.soft_sigma,
        arch=args.arch,
    )
    unit = {"rotate": "deg", "scale": "", "fill": "", "opacity": "", "background": ""}
    print(
        f"{'parameter':<20} {'start error':>12} "
        + " ".join(f"{e + ' error':>16}" for e in demo.estimators)
    )
    for name in demo.params:
        suffix = unit.get(name.rsplit(".", 1)[-1], "px")
        finals = " ".join(
            f"{result.final_errors[e][name]:>13.4f} {suffix:<2}"
            for e in demo.estimators
        )
        print(f"{name:<20} {result.initial_errors[name]:>9.4f} {suffix:<2} {finals}")
    print(
        f"\npictures: {out}/progress.gif (target | each run | each run - target) and {out}/loss.png"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "optimize", help="recover parameters of a start scene from a target image"
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
        default=None,
        help="comma-separated names (default: every non-occluder shape parameter)",
    )
    p.add_argument(
        "--steps", type=positive_int, default=200, help="gradient steps (default 200)"
    )
    p.add_argument(
        "--lr",
        type=learning_rates,
        default=None,
        help="a factor on the default rates, or kind=value pairs, e.g. points=0.5,rotate=1 "
        f"(defaults: {', '.join(f'{k}={v:g}' for k, v in DEFAULT_LR.items())})",
    )
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    p.add_argument(
        "--schedule",
        choices=("cosine", "constant"),
        default="cosine",
        help="learning-rate schedule",
    )
    p.add_argument("--estimator", choices=("reynolds", "naive"), default="reynolds")
    p.add_argument("--loss", choices=("l2", "l1"), default="l2")
    add_sampling(p, spp=4, spp_help="at the start, default 4")
    add_edge_sampling(p)
    p.add_argument(
        "--spp-final",
        type=sample_count,
        default=16,
        help="at the end, growing geometrically (default 16)",
    )
    p.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        help="stop when the loss has not improved by 1%% for this many steps",
    )
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.set_defaults(handler=cmd_optimize)

    p = sub.add_parser(
        "demo", help=f"run an inverse-rendering demo (default: {FLAGSHIP})"
    )
    p.add_argument("name", nargs="?", default=None, help="demo name (see --list)")
    p.add_argument("--list", action="store_true", help="list the demos")
    p.add_argument(
        "--out",
        default="demo-output",
        help="parent folder of the demo's outputs (default demo-output)",
    )
    p.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help="override the demo's number of steps",
    )
    add_sampling(p, spp=None, spp_help="default: the demo's own, growing")
    add_edge_sampling(p)
    p.set_defaults(handler=cmd_demo)
