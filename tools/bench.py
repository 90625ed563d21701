"""Benchmark of the forward renderer (and, where available, the backward pass).

Prints a Markdown table: compile time (first call minus the steady median), median time
of at least 5 runs after a warm-up, samples per second and the process's peak resident
memory. Scenes with random triangles are generated from a fixed seed so runs compare.

    python tools/bench.py                 # all cases, 4 and 16 spp
    python tools/bench.py --runs 9 --arch cpu
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from renderer import parse_scene, render


def random_triangles(count: int, size: int, *, radius: float, seed: int = 1) -> dict:
    """A scene dict of `count` random triangles of circumradius about `radius` pixels."""
    rng = np.random.default_rng(seed)
    shapes = []
    for k in range(count):
        center = rng.uniform(0, size, 2)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 3))
        r = radius * rng.uniform(0.6, 1.0, 3)
        points = center + np.column_stack([r * np.cos(angles), r * np.sin(angles)])
        shapes.append(
            {
                "id": f"tri{k}",
                "type": "polygon",
                "points": points.round(3).tolist(),
                "fill": rng.uniform(0, 1, 3).round(3).tolist(),
                "opacity": round(float(rng.uniform(0.5, 1.0)), 3),
            }
        )
    return {
        "version": 1,
        "canvas": {"width": size, "height": size, "background": [1, 1, 1]},
        "shapes": shapes,
    }


def one_triangle(size: int) -> dict:
    return {
        "version": 1,
        "canvas": {"width": size, "height": size, "background": [1, 1, 1]},
        "shapes": [
            {
                "id": "tri",
                "type": "polygon",
                "points": [[30.5, 200.25], [128.3, 20.7], [230.1, 180.9]],
                "fill": [0.8, 0.2, 0.1],
            }
        ],
    }


def occluded_circle(size: int) -> dict:
    return {
        "version": 1,
        "canvas": {"width": size, "height": size, "background": [1, 1, 1]},
        "shapes": [
            {
                "id": "disc",
                "type": "circle",
                "center": [120.3, 130.7],
                "radius": 70.2,
                "fill": [0.1, 0.45, 0.9],
            },
            {
                "id": "bar",
                "type": "polygon",
                "role": "occluder",
                "points": [[140, 10], [170, 10], [170, 246], [140, 246]],
                "fill": [0.25, 0.25, 0.25],
            },
        ],
    }


CASES: dict[str, Callable[[], dict]] = {
    "1 triangle 256²": lambda: one_triangle(256),
    "100 triangles 256²": lambda: random_triangles(100, 256, radius=14.0),
    "1000 triangles 512²": lambda: random_triangles(1000, 512, radius=14.0),
    "circle + occluder 256²": lambda: occluded_circle(256),
    # Same density as the 1000-triangle case on twice the area: tests that time scales
    # with work per tile, not with the number of shapes.
    "2000 triangles 724²": lambda: random_triangles(2000, 724, radius=14.0, seed=2),
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def time_calls(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(first call seconds, median of `runs` later calls in seconds)."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    fn()  # warm-up after compilation
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=7, help="timed runs per case (median reported)"
    )
    parser.add_argument("--spp", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--arch", choices=("auto", "cpu", "gpu"), default="auto")
    parser.add_argument(
        "--cases", nargs="+", default=list(CASES), help="subset of case names"
    )
    args = parser.parse_args(argv)

    print(
        "| case | spp | compile (s) | forward median (ms) | Msamples/s | peak RSS (MiB) |"
    )
    print("|---|---|---|---|---|---|")
    first_case = True
    for name in args.cases:
        scene = parse_scene(CASES[name]())
        pixels = scene.canvas.width * scene.canvas.height
        for spp in args.spp:
            first, median = time_calls(
                lambda s=scene, n=spp: render(s, spp=n, seed=0, arch=args.arch),
                args.runs,
            )
            compile_s = first - median
            note = " (includes Taichi init)" if first_case else ""
            first_case = False
            print(
                f"| {name} | {spp} | {compile_s:.2f}{note} | {1e3 * median:.1f} | "
                f"{pixels * spp / median / 1e6:.0f} | {peak_rss_mib():.0f} |"
            )
            sys.stdout.flush()
    from kernels import ensure_initialized

    print(f"\nbackend: {ensure_initialized(args.arch)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
