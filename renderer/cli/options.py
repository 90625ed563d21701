"""Argument types and option groups shared by the `reynolds` subcommands."""

from __future__ import annotations

import argparse
import sys
import time
from typing import NoReturn

from reynolds.atomic import check_writable
from reynolds.errors import SceneError, echo, printable
from reynolds.estimators import EDGE_SAMPLINGS, ESTIMATORS
from reynolds.limits import MAX_REPEAT, MAX_SAMPLES
from reynolds.params import parse_name
from reynolds.scene import Scene
from reynolds.soft import SOFT_SIGMA, check_soft_sigma


class Timer:
    """Prints named durations to stderr when verbose."""

    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.start = time.perf_counter()

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        if self.verbose:
            print(f"{label}: {1e3 * (now - self.start):.1f} ms", file=sys.stderr)
        self.start = now


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, `error: ...`, exit status 2, like
    every other mistake of a user (the usage is one `--help` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {printable(message)}\n")


def check_output_folder(path: str) -> None:
    """Refuse an output file that could not be written, before any work is done: a
    folder, a missing folder, or a folder where nothing can be created."""
    check_writable(path)


def checked_params(
    scene: Scene,
    names: list[str] | None,
    default: list[str],
    *,
    option: str = "--params",
) -> list[str]:
    """`names` (or `default` when None), each resolved against `scene`; an unknown name is
    reported as a fault of `option`."""
    names = default if names is None else names
    for name in names:
        try:
            parse_name(scene, name)
        except SceneError as error:
            raise SceneError(error.message, source=option) from None
    return names


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {echo(text)}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {echo(text)}"
        )
    return value


def _bounded_count(text: str, maximum: int, reason: str) -> int:
    value = positive_int(text)
    if value > maximum:
        raise argparse.ArgumentTypeError(
            f"must be at most {maximum} ({reason}), got {value}"
        )
    return value


def sample_count(text: str) -> int:
    """A number of samples: 1 to MAX_SAMPLES (2**31 - 1)."""
    return _bounded_count(text, MAX_SAMPLES, "the kernels count in 32-bit integers")


def repeat_count(text: str) -> int:
    """A number of independent seeds: 1 to MAX_REPEAT (2**32)."""
    return _bounded_count(text, MAX_REPEAT, "there are no more 32-bit seeds")


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer seed, got {echo(text)}"
        ) from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"seed must lie in [0, 2**32), got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number, got {echo(text)}"
        ) from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"expected a positive number, got {echo(text)}"
        )
    return value


def name_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected comma-separated parameter names")
    return names


def add_sampling(
    parser: argparse.ArgumentParser, *, spp: int | None = 16, spp_help: str = ""
) -> None:
    """--spp, --seed, --sampler, --arch: the pixel sampling options every command that
    renders or differentiates takes (spp None: the command's own default, `spp_help`)."""
    default = spp_help or f"default {spp}"
    parser.add_argument(
        "--spp",
        type=sample_count,
        default=spp,
        help=f"samples per pixel ({default})",
    )
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
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


EDGE_SAMPLING_CHOICES = EDGE_SAMPLINGS
EDGE_SAMPLING_HELP = "; ".join(f"{e.name}: {e.summary}" for e in ESTIMATORS.values())


def edge_sampling_list(text: str) -> list[str]:
    """A comma-separated list of boundary rules, each one of EDGE_SAMPLING_CHOICES."""
    rules = name_list(text)
    for rule in rules:
        if rule not in EDGE_SAMPLING_CHOICES:
            raise argparse.ArgumentTypeError(
                f"unknown rule {rule!r} (choose from {', '.join(EDGE_SAMPLING_CHOICES)})"
            )
    return rules


def soft_sigma(text: str) -> float:
    """A temperature of the "soft" estimator, pixels, as `check_soft_sigma` allows."""
    try:
        return check_soft_sigma(text)
    except SceneError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def add_soft_sigma(parser: argparse.ArgumentParser) -> None:
    """--soft-sigma: the temperature of the "soft" estimator (unused by the others)."""
    parser.add_argument(
        "--soft-sigma",
        type=soft_sigma,
        default=SOFT_SIGMA,
        metavar="S",
        help=f"temperature of --edge-sampling soft, pixels (default {SOFT_SIGMA:g}; "
        "smaller is less biased and noisier)",
    )


def add_edge_sampling(
    parser: argparse.ArgumentParser, *, several: tuple[str, ...] | None = None
) -> None:
    """--edge-samples, --edge-sampling and --soft-sigma: the boundary-term options every
    command that differentiates takes. With `several` (the default list),
    --edge-sampling takes a comma-separated list of rules to compare."""
    parser.add_argument(
        "--edge-samples",
        type=sample_count,
        default=None,
        help="edge samples over the whole boundary (default 16 per pixel of boundary length)",
    )
    if several:
        parser.add_argument(
            "--edge-sampling",
            type=edge_sampling_list,
            default=list(several),
            help=f"comma-separated rules to compare (default {','.join(several)}); "
            "each one of " + EDGE_SAMPLING_HELP,
        )
    else:
        parser.add_argument(
            "--edge-sampling",
            choices=EDGE_SAMPLING_CHOICES,
            default="stratified",
            help="boundary estimator (default stratified): " + EDGE_SAMPLING_HELP,
        )
    add_soft_sigma(parser)
