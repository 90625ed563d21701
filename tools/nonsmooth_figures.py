"""Draw docs/images/nonsmooth-*.png: parameters swept across non-differentiable points.

- nonsmooth-coincident.png: shape A (white, on top) and B (grey, below) share the edge
  x = 8.5; B's translate is swept across it. Its one-sided derivatives differ (moving
  right exposes the background, moving left slides under A); the two-sided rule gives
  their midpoint, while diffvg's epsilon rule sees A on one side and B on the other and
  lands outside the interval.
- nonsmooth-pixel-line.png: a square whose edges lie on pixel lines, rotated: the
  two-sided rule gives the midpoint at the kink.

Adjoints: ones for the first (the objective is the sum of the image), white noise
(NumPy seed 3) for the second, so that neighbouring pixel columns differ; 64 seeds per
value.

    python tools/nonsmooth_figures.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from reynolds import parse_scene
from reynolds.nonsmooth import sweep
from reynolds.plotting import sweep_figure

ROOT = Path(__file__).resolve().parent.parent


def rect(pid: str, x0: float, y0: float, x1: float, y1: float, grey: float) -> dict:
    return {
        "id": pid,
        "type": "polygon",
        "points": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
        "fill": [grey] * 3,
    }


def scene(width: int, height: int, shapes: list[dict]):
    return parse_scene(
        {
            "version": 1,
            "canvas": {"width": width, "height": height, "background": [0, 0, 0]},
            "shapes": shapes,
        }
    )


CASES = {
    "nonsmooth-coincident.png": (
        "A (white, on top) and B (grey, below) share the edge x = 8.5; B.translate[0]",
        scene(16, 8, [rect("B", 8.5, 0, 16, 8, 0.4), rect("A", 0, 0, 8.5, 8, 1.0)]),
        "B.translate",
        np.ones((8, 16, 3)),
    ),
    "nonsmooth-pixel-line.png": (
        "a square with its edges on pixel lines, rotated; sq.rotate",
        scene(16, 12, [rect("sq", 4, 2, 12, 10, 1.0)]),
        "sq.rotate",
        np.random.default_rng(3).normal(size=(12, 16, 3)),
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--repeat", type=int, default=64, help="seeds per value")
    parser.add_argument("--arch", default="auto", choices=("auto", "cpu", "gpu"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for filename, (title, case, name, adjoint) in CASES.items():
        result = sweep(
            case,
            name,
            adjoint=adjoint,
            repeat=args.repeat,
            arch=args.arch,
            progress=True,
        )
        (out / filename).write_bytes(sweep_figure(result, title=title))
        middle = len(result.values) // 2
        print(
            f"{filename}: at the kink d- {result.minus[middle]:.4f} "
            f"d+ {result.plus[middle]:.4f}; "
            + "; ".join(
                f"{rule} {m[middle]:.4f} +- {result.stderrs[rule][middle]:.4f}"
                for rule, m in result.means.items()
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
