"""The `reynolds` command line: a thin layer over the public API.

A user's mistake (bad scene, bad image, bad option value) prints one line
`error: FILE: PLACE: message` on stderr and exits with status 2, having written nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from renderer.errors import SceneError

EXIT_USER_ERROR = 2


class _Timer:
    """Collects named durations and prints them to stderr when verbose."""

    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.start = time.perf_counter()

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        if self.verbose:
            print(f"{label}: {1e3 * (now - self.start):.1f} ms", file=sys.stderr)
        self.start = now


def _check_output_folder(path: str) -> None:
    folder = Path(path).parent
    if str(folder) and not folder.is_dir():
        raise SceneError(f"folder {str(folder)!r} does not exist", source=path)


def cmd_render(args: argparse.Namespace) -> int:
    from renderer.image_io import check_image_path, write_image
    from renderer.render import render, render_exact
    from renderer.scene_io import load_scene

    timer = _Timer(args.verbose)
    check_image_path(args.output)
    _check_output_folder(args.output)
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
            from kernels import ensure_initialized

            print(f"backend: {ensure_initialized()}", file=sys.stderr)
        timer.lap(
            f"render ({args.spp} spp, {args.sampler}, includes compile on first use)"
        )
    write_image(args.output, image)
    timer.lap(f"write {args.output}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from renderer.scene_io import load_scene

    scene = load_scene(args.scene)
    kinds: dict[str, int] = {}
    for shape in scene.shapes:
        kinds[type(shape).__name__.lower()] = (
            kinds.get(type(shape).__name__.lower(), 0) + 1
        )
    summary = (
        ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in kinds.items())
        or "no shapes"
    )
    print(
        f"{args.scene}: valid scene, {scene.canvas.width} x {scene.canvas.height}, {summary}"
    )
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer seed, got {text!r}"
        ) from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"seed must lie in [0, 2**32), got {value}")
    return value


def _add_sampling(parser: argparse.ArgumentParser, *, spp: int = 16) -> None:
    parser.add_argument(
        "--spp",
        type=_positive_int,
        default=spp,
        help=f"samples per pixel (default {spp})",
    )
    parser.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--sampler",
        choices=("jitter", "iid", "r2"),
        default="jitter",
        help="pixel sampler: stratified jitter (default), i.i.d., or shifted R2",
    )
    parser.add_argument(
        "--arch",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="Taichi backend: gpu tries CUDA then Vulkan, else the CPU (default auto = gpu)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reynolds", description="Reynolds: a 2D differentiable renderer."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("render", help="render a scene to PNG (8-bit) or NPY (float32)")
    p.add_argument("scene", help="scene file (JSON, format version 1)")
    p.add_argument("-o", "--output", required=True, help="output image, .png or .npy")
    _add_sampling(p)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `reynolds`; returns the exit status."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SceneError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def entry_point() -> None:
    sys.exit(main())
