"""Benchmark of the forward renderer and the backward pass.

Prints the one-off start-up cost (Taichi init and kernel compilation with an empty
kernel cache), then a Markdown table per case: median times of several runs after a
warm-up of the forward render and of `backward` for every parameter (default edge
samples, a random adjoint), samples per second (pixels x spp / forward time) and the
process's peak resident memory. Then the per-run standard deviation of translation,
vertex and circle gradients for every unbiased boundary estimator at equal sample
counts (docs/design.md §3.7), with each one's variance reduction against i.i.d.
sampling, and the time of one backward call per estimator.
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
from reynolds.estimators import UNBIASED


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
        estimator_tables(args.arch)
    return 0


def estimator_sds(scene, adjoint, name, index, samples, seeds, arch) -> dict:
    """{estimator: per-run standard deviation over `seeds` seeds} of one gradient component."""
    sds = {}
    for mode in UNBIASED:
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
        sds[mode] = float(np.std(values, ddof=1))
    return sds


def variance_table(title, scene, adjoint, gradients, arch, seeds=32) -> None:
    """Markdown table: sd of each gradient per estimator, and the i.i.d. sd over it."""
    print(f"{title}; standard deviation over {seeds} seeds (variance ratio vs iid):\n")
    print("| gradient | edge samples | " + " | ".join(UNBIASED) + " |")
    print("|---|---|" + "---|" * len(UNBIASED))
    for label, name, index in gradients:
        for samples in (1024, 4096, 16384):
            sds = estimator_sds(scene, adjoint, name, index, samples, seeds, arch)
            cells = []
            for mode in UNBIASED:
                sd = sds[mode]
                if sd <= 1e-9 * max(sds.values()):
                    cells.append(f"{sd:.2g} (exact)")
                else:
                    cells.append(f"{sd:.3g} ({(sds['iid'] / sd) ** 2:.3g}x)")
            print(f"| {label} | {samples} | " + " | ".join(cells) + " |")
            sys.stdout.flush()
    print()


def estimator_tables(arch: str) -> None:
    """Variance of every unbiased estimator on three scenes that show what each is for:
    a triangle (pixel split, pairs), a disc behind a bar (pairs at phi, phi + pi), and
    100 triangles under an adjoint that is zero outside one 48 px window (importance)."""
    triangle = parse_scene(one_triangle(256))
    noise = np.random.default_rng(1).normal(size=(256, 256, 3))
    variance_table(
        "1 triangle 256², white-noise adjoint",
        triangle,
        noise,
        (("translate x", "tri.translate", (0,)), ("vertex 1 x", "tri.points", (1, 0))),
        arch,
    )
    disc = parse_scene(occluded_circle(256))
    variance_table(
        "circle + occluder 256², adjoint 1 everywhere",
        disc,
        np.ones((256, 256, 3)),
        (("centre x", "disc.center", (0,)), ("radius", "disc.radius", ())),
        arch,
    )
    many = parse_scene(random_triangles(100, 256, radius=14.0))
    window = np.zeros((256, 256, 3))
    window[100:148, 100:148] = np.random.default_rng(2).normal(size=(48, 48, 3))
    shape_id = many.shapes[0].id
    for shape in many.shapes:
        x, y = np.mean(np.asarray(shape.points, dtype=float), axis=0)
        if 100 <= x < 148 and 100 <= y < 148:
            shape_id = shape.id
            break
    variance_table(
        f"100 triangles 256², noise adjoint in one 48 px window ({shape_id})",
        many,
        window,
        ((f"{shape_id} translate x", f"{shape_id}.translate", (0,)),),
        arch,
    )
    print("Time of one backward call (default edge samples), 100 triangles 256²:\n")
    print("| estimator | backward (ms) |")
    print("|---|---|")
    noise = np.random.default_rng(0).normal(size=(256, 256, 3))
    for mode in UNBIASED:
        ms = 1e3 * median_seconds(
            lambda m=mode: backward(many, noise, seed=0, edge_sampling=m, arch=arch), 5
        )
        print(f"| {mode} | {ms:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
