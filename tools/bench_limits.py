"""Cost on the hard cases: huge circles, huge canvases, pathological polygons.

Each case runs in its own process. The parent measures the child's wall time (of the
measured call, after imports and backend start-up) and its peak resident memory
(`os.wait4`'s ru_maxrss, which covers imports and start-up too), and checks both
against the case's target. A child that passes twice its memory target or three times
its time target is stopped and fails. The cases are those of issue 9 that must cost in
proportion to the canvas and the boundary inside it, not to a shape's size. Where the
issue's magnitudes are now refused by the loader (`reynolds.limits`: coordinates within
1e5 px, canvas sides within 65536 px), the largest accepted ones stand in: a circle of
radius 49900 across the canvas for r = 1e7..1e12, and 65536 x 256 for 16777216 x 1.
Targets: 20 s for single circles, 60 s for the others, 5 s for the exact image of 100
shapes on 1024^2; 2 GiB (3 GiB on the 4096^2 canvas).

    python tools/bench_limits.py --arch cpu
    python tools/bench_limits.py --arch cpu --only exact-star-1001 backward-circle-r5e4
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GIB = 1024**3


def _scene(width: int, height: int, shapes: list[dict]) -> dict:
    return {
        "version": 1,
        "canvas": {"width": width, "height": height, "background": [1, 1, 1]},
        "shapes": shapes,
    }


def _circle(cx: float, cy: float, r: float, shape_id: str = "disc") -> dict:
    return {
        "id": shape_id,
        "type": "circle",
        "center": [cx, cy],
        "radius": r,
        "fill": [0.1, 0.4, 0.9],
    }


def arc_circle(radius: float) -> dict:
    """64 x 64: a circle whose top passes through the canvas at y = 20.7."""
    return _scene(64, 64, [_circle(32.3, radius + 20.7, radius)])


def big_canvas_circle() -> dict:
    return _scene(4096, 4096, [_circle(2048.3, 2047.6, 1500.0)])


def long_canvas(*, triangle: bool) -> dict:
    """65536 x 256, the widest canvas of 16,777,216 pixels: a circle of radius 30000 in
    the middle, and with `triangle` a triangle whose two long edges run along the whole
    width (a boundary of 2 x 65610 px inside the canvas)."""
    shapes = [_circle(32768.5, 128.3, 30000.0)]
    if triangle:
        shapes.append(
            {
                "id": "tri",
                "type": "polygon",
                "points": [[-10.0, 20.5], [65600.0, 128.3], [-10.0, 230.7]],
                "fill": [0.8, 0.2, 0.1],
                "opacity": 0.5,
            }
        )
    return _scene(65536, 256, shapes)


def star(points: int, step: int) -> dict:
    """64 x 64: the star polygon {points/step}, radius 30, even-odd fill."""
    angles = 2.0 * np.pi * np.arange(points) * step / points
    vertices = np.column_stack([32 + 30 * np.cos(angles), 32 + 30 * np.sin(angles)])
    shape = {
        "id": "star",
        "type": "polygon",
        "points": vertices.tolist(),
        "fill": [0.9, 0.6, 0.1],
        "fill_rule": "evenodd",
    }
    return _scene(64, 64, [shape])


def many_vertices(count: int) -> dict:
    """64 x 64: a simple wavy polygon of `count` vertices about the centre, radius ~30."""
    angles = 2.0 * np.pi * np.arange(count) / count
    radius = 30.0 + 2.0 * np.sin(37.0 * angles)
    vertices = np.column_stack(
        [32 + radius * np.cos(angles), 32 + radius * np.sin(angles)]
    )
    shape = {"id": "wavy", "type": "polygon", "points": vertices.tolist()}
    return _scene(64, 64, [{**shape, "fill": [0.3, 0.7, 0.2]}])


def random_shapes(count: int, size: int, *, radius: float, circles: bool) -> dict:
    """`count` random triangles (and circles every other shape when `circles`) of size
    about `radius`, random fills and opacities in [0.5, 1], from a fixed seed."""
    rng = np.random.default_rng(1)
    shapes = []
    for k in range(count):
        center = rng.uniform(0, size, 2)
        fill = rng.uniform(0, 1, 3).round(3).tolist()
        opacity = round(float(rng.uniform(0.5, 1.0)), 3)
        if circles and k % 2:
            r = float(radius * rng.uniform(0.2, 1.0))
            shapes.append({**_circle(*center, r, f"c{k}"), "fill": fill})
            shapes[-1]["opacity"] = opacity
            continue
        angles = np.sort(rng.uniform(0, 2 * np.pi, 3))
        r = radius * rng.uniform(0.6, 1.0, 3)
        points = center + np.column_stack([r * np.cos(angles), r * np.sin(angles)])
        shapes.append(
            {
                "id": f"t{k}",
                "type": "polygon",
                "points": points.round(3).tolist(),
                "fill": fill,
                "opacity": opacity,
            }
        )
    return _scene(size, size, shapes)


@dataclass(frozen=True)
class Case:
    """One measured call on one scene, with its targets."""

    name: str
    operation: str  # "exact", "render" or "backward"
    scene: Callable[[], dict]
    seconds: float
    memory_gib: float


def _cases() -> list[Case]:
    cases = []
    scenes = [
        ("circle-r5e4", lambda: arc_circle(49900.0), 20, 2),
        ("canvas-4096-circle", big_canvas_circle, 20, 3),
        ("canvas-65536x256-circle", lambda: long_canvas(triangle=False), 20, 2),
        ("canvas-65536x256-long-edges", lambda: long_canvas(triangle=True), 60, 2),
        ("star-1001", lambda: star(1001, 500), 60, 2),
        (
            "2000-shapes",
            lambda: random_shapes(2000, 64, radius=8, circles=False),
            60,
            2,
        ),
        # The largest polygon the format accepts (MAX_POLYGON_POINTS).
        ("polygon-100k-vertices", lambda: many_vertices(100_000), 60, 2),
        (
            "1024-100-shapes",
            lambda: random_shapes(100, 1024, radius=150, circles=True),
            5,
            2,
        ),
    ]
    for name, scene, seconds, memory in scenes:
        for operation in ("exact", "render", "backward"):
            cases.append(Case(f"{operation}-{name}", operation, scene, seconds, memory))
    return cases


def run_child(case: Case, arch: str) -> dict:
    """Run `case` in this process; returns {"seconds": wall time of the call}."""
    from reynolds import backward, parse_scene, render, render_exact

    scene = parse_scene(case.scene())
    if case.operation != "exact":
        render(parse_scene(_scene(4, 4, [])), spp=1, arch=arch)  # backend start-up
    start = time.perf_counter()
    if case.operation == "exact":
        image = render_exact(scene)
    elif case.operation == "render":
        image = render(scene, spp=16, arch=arch)
    else:
        rng = np.random.default_rng(0)
        adjoint = rng.normal(size=(scene.canvas.height, scene.canvas.width, 3))
        grads = backward(scene, adjoint, arch=arch)
        image = np.concatenate([np.ravel(g) for g in grads.values()])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "finite": bool(np.all(np.isfinite(image)))}


def _peak_rss(pid: int) -> int:
    """Peak resident memory so far (bytes) of a running process, 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(case: Case, arch: str) -> dict:
    """Run `case` in a child process; its time, peak memory and verdict."""
    command = [sys.executable, __file__, "--child", case.name, "--arch", arch]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err)
        started = time.perf_counter()
        stopped = ""
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if _peak_rss(child.pid) > 2 * case.memory_gib * GIB:
                stopped = "memory"
            elif time.perf_counter() - started > 3 * case.seconds + 30:
                stopped = "time"
            if stopped:
                child.send_signal(signal.SIGKILL)
                _, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    peak = usage.ru_maxrss * 1024
    result = {"case": case.name, "peak_mib": peak / 2**20, "seconds": math.nan}
    if stopped:
        result["verdict"] = f"FAIL (stopped: {stopped})"
        return result
    if child.returncode != 0:
        lines = stderr.strip().splitlines()
        result["verdict"] = "FAIL (" + (lines[-1] if lines else "crashed")[:60] + ")"
        return result
    report = json.loads(stdout.strip().splitlines()[-1])
    result["seconds"] = report["seconds"]
    ok = (
        report["seconds"] <= case.seconds
        and peak <= case.memory_gib * GIB
        and report["finite"]
    )
    result["verdict"] = "pass" if ok else "FAIL"
    if not report["finite"]:
        result["verdict"] += " (non-finite)"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="cpu", choices=("auto", "cpu", "gpu"))
    parser.add_argument("--only", nargs="+", metavar="CASE", help="cases to run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cases = {case.name: case for case in _cases()}
    if args.child:
        print(json.dumps(run_child(cases[args.child], args.arch)))
        return 0
    names = args.only or list(cases)
    unknown = [name for name in names if name not in cases]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; known: {list(cases)}")
    print("| case | seconds | target s | peak MiB | target MiB | verdict |")
    print("|---|---|---|---|---|---|")
    failures = 0
    for name in names:
        case = cases[name]
        r = measure(case, args.arch)
        failures += r["verdict"] != "pass"
        print(
            f"| {name} | {r['seconds']:.2f} | {case.seconds:g} | {r['peak_mib']:.0f}"
            f" | {case.memory_gib * 1024:.0f} | {r['verdict']} |",
            flush=True,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
