"""The `reynolds` command line: a thin layer over the public API.

A user's mistake (bad scene, bad image, bad option value) prints one line
`error: FILE: PLACE: message` on stderr and exits with status 2, having written nothing.
Ctrl-C and SIGTERM interrupt a command cleanly (`reynolds.cli.signals`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import reynolds
from reynolds.cli import (
    estimator_commands,
    gradient_commands,
    nonsmooth_commands,
    optimize_commands,
    render_commands,
    sgd_commands,
    svg_commands,
)
from reynolds.cli.options import Parser
from reynolds.cli.signals import interrupted_status, sigterm_interrupts
from reynolds.errors import SceneError

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="reynolds", description="Reynolds: a 2D differentiable renderer."
    )
    parser.add_argument(
        "--version", action="version", version=f"reynolds {reynolds.__version__}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        render_commands,
        gradient_commands,
        nonsmooth_commands,
        estimator_commands,
        optimize_commands,
        sgd_commands,
        svg_commands,
    ):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `reynolds`; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `reynolds`: say what it can do
        parser.print_help()
        return 0
    handler: Callable[[argparse.Namespace], int] = args.handler
    with sigterm_interrupts():
        try:
            return handler(args)
        except SceneError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USER_ERROR
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return interrupted_status()


def entry_point() -> None:
    sys.exit(main())
