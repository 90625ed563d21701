"""How far float32 geometry misplaces an edge, by coordinate magnitude (renderer/limits.py).

The kernels store coordinates in float32 and classify a point by an edge function
(`(x1 - x0) (y - y0) - (x - x0) (y1 - y0)`, kernels/coverage.py `winding_number`) or a
squared distance (`dx^2 + dy^2 <= r^2`). This script repeats both tests in NumPy float32
on points within a few pixels of random segments and arcs that cross a 4096 px canvas,
with both ends (or the centre and the radius) near magnitude B, and prints the largest
float64 distance from the edge of a point the float32 test puts on the wrong side.

    python tools/float32_resolution.py
"""

from __future__ import annotations

import argparse

import numpy as np

CANVAS = 4096.0
f32 = np.float32


def segment_error(magnitude: float, rng: np.random.Generator, trials: int) -> float:
    worst = 0.0
    for _ in range(trials):
        px, py = rng.random(2) * CANVAS
        angle = rng.random() * np.pi
        c, s = np.cos(angle), np.sin(angle)
        far = rng.uniform(0.5, 1.0)
        x0, y0 = px - magnitude * c, py - magnitude * s
        x1, y1 = px + magnitude * far * c, py + magnitude * far * s
        t = rng.uniform(-CANVAS / 2, CANVAS / 2, 100_000)
        off = rng.uniform(-3, 3, t.size)
        x, y = px + t * c - off * s, py + t * s + off * c
        inside = (x >= 0) & (x < CANVAS) & (y >= 0) & (y < CANVAS)
        x, y = x[inside], y[inside]
        ex, ey = x1 - x0, y1 - y0
        exact = (ex * (y - y0) - (x - x0) * ey) / np.hypot(ex, ey)
        a0, b0, a1, b1 = f32(x0), f32(y0), f32(x1), f32(y1)
        side = (a1 - a0) * (f32(y) - b0) - (f32(x) - a0) * (b1 - b0)
        wrong = (side > 0) != (exact > 0)
        if wrong.any():
            worst = max(worst, float(np.abs(exact[wrong]).max()))
    return worst


def arc_error(magnitude: float, rng: np.random.Generator, trials: int) -> float:
    worst = 0.0
    for _ in range(trials):
        r = magnitude * rng.uniform(0.5, 1.0)
        cx, cy = -r + CANVAS * rng.random(), CANVAS * rng.random()
        x = rng.random(200_000) * CANVAS
        y = cy + rng.uniform(-3000, 3000, x.size)
        exact = np.hypot(x - cx, y - cy) - r
        near = np.abs(exact) < 50
        x, y, exact = x[near], y[near], exact[near]
        dx, dy, rr = f32(x) - f32(cx), f32(y) - f32(cy), f32(r)
        wrong = (dx * dx + dy * dy <= rr * rr) != (exact <= 0)
        if wrong.any():
            worst = max(worst, float(np.abs(exact[wrong]).max()))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40, help="edges per magnitude")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    print(f"{'magnitude B (px)':>18} {'segment (px)':>14} {'arc (px)':>10}")
    for magnitude in (1e4, 65_536, 1e5, 1e6, 1e7):
        seg = segment_error(magnitude, rng, args.trials)
        arc = arc_error(magnitude, rng, args.trials // 2)
        print(f"{magnitude:>18g} {seg:>14.4f} {arc:>10.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
