"""`reynolds import-svg` and `reynolds export-svg`."""

from __future__ import annotations

import argparse
import sys

from reynolds.atomic import write_atomic
from reynolds.cli.options import check_output_folder
from reynolds.errors import SvgWarning
from reynolds.scene_io import load_scene, save_scene
from reynolds.svg_export import scene_to_svg
from reynolds.svg_import import read_svg


def _report(found: list[SvgWarning]) -> None:
    for warning in found:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_import_svg(args: argparse.Namespace) -> int:
    check_output_folder(args.output)
    scene, found = read_svg(args.svg)
    _report(found)
    save_scene(scene, args.output)
    return 0


def cmd_export_svg(args: argparse.Namespace) -> int:
    check_output_folder(args.output)
    text, found = scene_to_svg(load_scene(args.scene), source=args.scene)
    _report(found)
    write_atomic(args.output, text.encode("utf-8"))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-svg",
        help="convert an SVG file to a scene; what is left out is one warning line each",
    )
    p.add_argument("svg", help="SVG file (docs/svg.md says what is read)")
    p.add_argument("-o", "--output", required=True, help="scene file to write (JSON)")
    p.set_defaults(handler=cmd_import_svg)

    p = sub.add_parser(
        "export-svg", help="write a scene as an SVG file that imports back unchanged"
    )
    p.add_argument("scene", help="scene file (JSON, format version 1)")
    p.add_argument("-o", "--output", required=True, help="SVG file to write")
    p.set_defaults(handler=cmd_export_svg)
