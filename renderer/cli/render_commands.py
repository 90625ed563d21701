"""`reynolds render` and `reynolds validate`."""

from __future__ import annotations

import argparse
import sys

from reynolds.cli.options import Timer, add_sampling, check_output_folder
from reynolds.image_io import check_image_path, write_image
from reynolds.params import shape_attributes
from reynolds.render import render, render_exact
from reynolds.scene_io import load_scene
from reynolds.shape_kinds import kind_of


def cmd_render(args: argparse.Namespace) -> int:
    timer = Timer(args.verbose)
    check_image_path(args.output)
    check_output_folder(args.output)
    scene = load_scene(args.scene)
    timer.lap("load")
    if args.exact:
        image = render_exact(scene)
        timer.lap("render (exact)")
    else:
        image = render(
            scene, spp=args.spp, seed=args.seed, sampler=args.sampler, arch=args.arch
        )
        if args.verbose:
            from reynolds.kernels import ensure_initialized

            print(f"backend: {ensure_initialized()}", file=sys.stderr)
        timer.lap(
            f"render ({args.spp} spp, {args.sampler}, includes compile on first use)"
        )
    write_image(args.output, image)
    timer.lap(f"write {args.output}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    scene = load_scene(args.scene)
    kinds: dict[str, int] = {}
    for shape in scene.shapes:
        kind = kind_of(shape).name
        kinds[kind] = kinds.get(kind, 0) + 1
    summary = (
        ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in kinds.items())
        or "no shapes"
    )
    print(
        f"{args.scene}: valid scene, {scene.canvas.width} x {scene.canvas.height}, {summary}"
    )
    # The ids and parameter names a user passes to --params, --param and --target.
    shown = 50
    for shape in scene.shapes[:shown]:
        kind = kind_of(shape).name
        role = ", occluder" if shape.role == "occluder" else ""
        attributes = ", ".join(shape_attributes(shape))
        print(f"  {shape.id} ({kind}{role}): {shape.id}.{{{attributes}}}")
    if len(scene.shapes) > shown:
        print(f"  ... and {len(scene.shapes) - shown} more shapes")
    print("  parameter of the canvas: background")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a scene to PNG (8-bit) or NPY (float32)")
    p.add_argument("scene", help="scene file (JSON, format version 1)")
    p.add_argument("-o", "--output", required=True, help="output image, .png or .npy")
    add_sampling(p)
    p.add_argument(
        "--exact",
        action="store_true",
        help="exact box-filtered image instead of Monte Carlo",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="print timings to stderr"
    )
    p.set_defaults(handler=cmd_render)

    p = sub.add_parser("validate", help="check a scene file and summarise it")
    p.add_argument("scene", help="scene file (JSON, format version 1)")
    p.set_defaults(handler=cmd_validate)
