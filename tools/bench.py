"""Benchmark of the forward renderer and the backward pass.

Prints the one-off start-up cost (Taichi init and kernel compilation with an empty
kernel cache), then a Markdown table per case: median times of several runs after a
warm-up of the forward render and of `backward` for every parameter (default edge
samples, a random adjoint), samples per second (pixels x spp / forward time) and the
process's peak resident memory. Then the per-run standard deviation of a translation
gradient, stratified against i.i.d. edge sampling at equal sample counts.
Random-triangle scenes come from a fixed seed so runs compare.

    python tools/bench.py
    python tools/bench.py --runs 9 --arch cpu --spp 4 16
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
from reynolds import backward, parse_scene, render


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
    points = [[30.5, 200.25], [128.3, 20.7], [230.1, 180.9]]
    return {
        "version": 1,
        "canvas": {"width": size, "height": size, "background": [1, 1, 1]},
        "shapes": [
            {"id": "tri", "type": "polygon", "points": points, "fill": [0.8, 0.2, 0.1]}
        ],
    }


def occluded_circle(size: int) -> dict:
    bar = [[140, 10], [170, 10], [170, 246], [140, 246]]
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
                "points": bar,
                "fill": [0.25, 0.25, 0.25],
            },
        ],
    }


CASES: dict[str, Callable[[], dict]] = {
    "1 triangle 256²": lambda: one_triangle(256),
    "100 triangles 256²": lambda: random_triangles(100, 256, radius=14.0),
    "1000 triangles 512²": lambda: random_triangles(1000, 512, radius=14.0),
    "circle + occluder 256²": lambda: occluded_circle(256),
    # Twice the shapes at half the area each on the same canvas: the same coverage per
    # tile. Time should follow work per tile (and the longer total perimeter), not count.
    "2000 half-size triangles 512²": lambda: random_triangles(
        2000, 512, radius=14.0 / math.sqrt(2.0), seed=2
    ),
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of `runs` calls of `fn`, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=7,
        help="timed runs per case (median reported, at least 5)",
    )
    parser.add_argument("--spp", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--arch", choices=("auto", "cpu", "gpu"), default="auto")
    parser.add_argument(
        "--cases", nargs="+", default=list(CASES), choices=list(CASES), metavar="CASE"
    )
    args = parser.parse_args(argv)
    runs = max(args.runs, 5)

    with tempfile.TemporaryDirectory() as cache:
        os.environ["REYNOLDS_KERNEL_CACHE"] = cache  # an empty cache: real compile time
        warm_scene = parse_scene(one_triangle(64))
        t0 = time.perf_counter()
        render(warm_scene, spp=1, seed=0, arch=args.arch)
        startup = time.perf_counter() - t0
        from reynolds.kernels import ensure_initialized

        print(
            f"backend {ensure_initialized(args.arch)}; Taichi init + forward compile (empty cache): {startup:.2f} s\n"
        )
        print(
            "| case | spp | forward (ms) | backward (ms) | forward + backward (ms) "
            "| Msamples/s | peak RSS (MiB) |"
        )
        print("|---|---|---|---|---|---|---|")
        for name in args.cases:
            scene = parse_scene(CASES[name]())
            h, w = scene.canvas.height, scene.canvas.width
            adjoint = np.random.default_rng(0).normal(size=(h, w, 3))
            for spp in args.spp:
                forward = median_seconds(
                    lambda s=scene, n=spp: render(s, spp=n, seed=0, arch=args.arch),
                    runs,
                )
                back = median_seconds(
                    lambda s=scene, n=spp, w=adjoint: backward(
                        s, w, spp=n, seed=0, arch=args.arch
                    ),
                    runs,
                )
                print(
                    f"| {name} | {spp} | {1e3 * forward:.1f} | {1e3 * back:.1f} "
                    f"| {1e3 * (forward + back):.1f} | {h * w * spp / forward / 1e6:.0f} "
                    f"| {peak_rss_mib():.0f} |"
                )
                sys.stdout.flush()
        print()
        stratification_table(args.arch)
    return 0


def stratification_table(arch: str, seeds: int = 32) -> None:
    """Per-run standard deviation of d(sum(w * I))/d theta for one triangle, stratified
    against i.i.d. edge sampling, for a translation and for one vertex."""
    scene = parse_scene(one_triangle(256))
    adjoint = np.random.default_rng(1).normal(size=(256, 256, 3))
    print(
        f"Standard deviation over {seeds} seeds, 1 triangle 256², white-noise adjoint:\n"
    )
    print("| gradient | edge samples | sd stratified | sd i.i.d. | ratio |")
    print("|---|---|---|---|---|")
    for label, name, index in (
        ("translate x", "tri.translate", (0,)),
        ("vertex 1 x", "tri.points", (1, 0)),
    ):
        for samples in (1024, 4096, 16384):
            sds = []
            for mode in ("stratified", "iid"):
                values = [
                    backward(
                        scene,
                        adjoint,
                        params=[name],
                        edge_samples=samples,
                        edge_sampling=mode,
                        seed=k,
                        arch=arch,
                    )[name][index]
                    for k in range(seeds)
                ]
                sds.append(float(np.std(values, ddof=1)))
            ratio = (
                f"{sds[1] / sds[0]:.0f}x"
                if sds[0] > 1e-9 * sds[1]
                else "exact (rounding only)"
            )
            print(f"| {label} | {samples} | {sds[0]:.3g} | {sds[1]:.3g} | {ratio} |")


if __name__ == "__main__":
    sys.exit(main())
