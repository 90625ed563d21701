"""`reynolds nonsmooth`: sweep a parameter across a non-differentiable point and plot the
exact objective, its one-sided derivatives and the boundary rules' estimates."""

from __future__ import annotations

import argparse

from reynolds.atomic import write_atomic
from reynolds.cli.gradient_commands import _load_adjoint
from reynolds.cli.options import (
    add_edge_sampling,
    add_sampling,
    check_output_folder,
    checked_params,
    positive_float,
    positive_int,
    repeat_count,
)
from reynolds.image_io import check_image_path
from reynolds.json_text import json_text
from reynolds.nonsmooth import sweep
from reynolds.plotting import sweep_figure
from reynolds.scene_io import load_scene


def cmd_nonsmooth(args: argparse.Namespace) -> int:
    check_image_path(args.output)
    check_output_folder(args.output)
    if args.data:
        check_output_folder(args.data)
    scene = load_scene(args.scene)
    checked_params(scene, [args.param], [], option="--param")
    adjoint = _load_adjoint(args.adjoint, scene) if args.adjoint else None
    result = sweep(
        scene,
        args.param,
        component=args.component,
        adjoint=adjoint,
        half_width=args.half_width,
        points=args.points,
        rules=args.edge_sampling,
        soft_sigma=args.soft_sigma,
        repeat=args.repeat,
        seed=args.seed,
        spp=args.spp,
        edge_samples=args.edge_samples,
        arch=args.arch,
        progress=True,
    )
    png = sweep_figure(result, title=f"{args.scene}: {args.param}[{args.component}]")
    if args.data:
        write_atomic(args.data, json_text(result.to_json(), indent=1).encode())
    write_atomic(args.output, png)
    print(f"wrote {args.output}" + (f" and {args.data}" if args.data else ""))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "nonsmooth",
        help="sweep a parameter across a non-differentiable point: exact objective, "
        "one-sided derivatives, and each boundary rule's mean with a 95%% band",
    )
    p.add_argument("scene", help="scene file")
    p.add_argument("--param", required=True, help="geometric parameter, e.g. sq.rotate")
    p.add_argument(
        "--component", type=int, default=0, help="flat component index (default 0)"
    )
    p.add_argument("-o", "--output", required=True, help="output PNG figure")
    p.add_argument("--data", help="also write the numbers behind the figure (JSON)")
    p.add_argument(
        "--adjoint", help="NPY weights (default: a smooth random field, seed 7)"
    )
    p.add_argument(
        "--half-width",
        type=positive_float,
        default=None,
        help="half the swept interval in the parameter's units "
        "(default: half a pixel of boundary motion)",
    )
    p.add_argument(
        "--points", type=positive_int, default=21, help="swept values (default 21)"
    )
    p.add_argument(
        "--repeat", type=repeat_count, default=16, help="seeds per value (default 16)"
    )
    add_sampling(p)
    add_edge_sampling(p, several=("stratified", "epsilon"))
    p.set_defaults(handler=cmd_nonsmooth)
