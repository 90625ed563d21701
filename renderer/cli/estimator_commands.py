"""`reynolds estimators`: every boundary estimator on one scene, against the exact
gradient: bias, spread, convergence slope, time and work-normalised error."""

from __future__ import annotations

import argparse

from reynolds.cli.gradient_commands import _load_adjoint
from reynolds.cli.options import (
    add_sampling,
    add_soft_sigma,
    name_list,
    repeat_count,
    sample_count,
)
from reynolds.errors import SceneError
from reynolds.estimator_lab import (
    DEFAULT_BUDGETS,
    DEFAULT_REPEAT,
    DEFAULT_SPP,
    check_estimators,
    check_repeat,
    geometry_components,
    run_lab,
)
from reynolds.estimator_report import check_lab_folder, lab_summary, write_lab_outputs
from reynolds.estimators import EDGE_SAMPLINGS
from reynolds.scene_io import load_scene


def _checked(option: str, check, *args):
    """check(*args), with a SceneError reported as a fault of `option`."""
    try:
        return check(*args)
    except SceneError as error:
        raise SceneError(error.message, source=option) from None


def cmd_estimators(args: argparse.Namespace) -> int:
    check_lab_folder(args.out)
    scene = load_scene(args.scene)
    _checked("--params", geometry_components, scene, args.params)
    _checked("--estimators", check_estimators, args.estimators)
    _checked("--repeat", check_repeat, args.repeat)
    adjoint = _load_adjoint(args.adjoint, scene) if args.adjoint else None
    lab = run_lab(
        scene,
        params=args.params,
        estimators=args.estimators,
        budgets=args.budgets,
        repeat=args.repeat,
        seed=args.seed,
        adjoint=adjoint,
        adjoint_label=args.adjoint,
        spp=args.spp,
        sampler=args.sampler,
        soft_sigma=args.soft_sigma,
        arch=args.arch,
        progress=True,
    )
    paths = write_lab_outputs(args.out, lab_summary(lab, scene=args.scene))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "estimators",
        help="compare the boundary estimators on a scene: bias against the exact "
        "gradient, std and its slope over sample budgets, time, work-normalised error",
    )
    p.add_argument("scene", help="scene file")
    p.add_argument(
        "--params",
        type=name_list,
        default=None,
        help="comma-separated geometric parameters (default: all of them)",
    )
    p.add_argument(
        "--estimators",
        type=name_list,
        default=None,
        help=f"comma-separated boundary estimators (default: all, {','.join(EDGE_SAMPLINGS)})",
    )
    p.add_argument(
        "--budgets",
        type=sample_count,
        nargs="+",
        default=list(DEFAULT_BUDGETS),
        help="edge samples per call "
        f"(default {' '.join(str(m) for m in DEFAULT_BUDGETS)})",
    )
    p.add_argument(
        "--repeat",
        type=repeat_count,
        default=DEFAULT_REPEAT,
        help=f"independent seeds per budget, at least 3 (default {DEFAULT_REPEAT}); "
        "budget b uses seeds SEED + b * REPEAT + r",
    )
    p.add_argument(
        "--adjoint", help="NPY weights (default: a smooth random field from --seed)"
    )
    add_sampling(
        p,
        spp=DEFAULT_SPP,
        spp_help=f"default {DEFAULT_SPP}: the interior term does not change "
        "geometric gradients, only the time of a call",
    )
    add_soft_sigma(p)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(handler=cmd_estimators)
