"""Benchmark of the inverse-rendering demos: time per iteration and to convergence.

For each demo: median seconds per step, the first step from which every parameter stays
within tolerance (0.1 px, 0.5 degree, 0.01 colour), and the total. Then the wall time
of the flagship as a user runs it (`reynolds demo`, a fresh process), with an empty
kernel cache and with a warm one.

    python tools/bench_demos.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from reynolds import demo_names, load_demo, run_demo, tolerance_for


def converged_at(errors: list[dict[str, float]]) -> int | None:
    """First step from which every error stays within its tolerance, or None."""
    ok = [all(v <= tolerance_for(k) for k, v in e.items()) for e in errors]
    for step in range(len(ok)):
        if all(ok[step:]):
            return step
    return None


def flagship_seconds(cache: str | None) -> float:
    env = dict(os.environ)
    if cache is not None:
        env["REYNOLDS_KERNEL_CACHE"] = cache
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable,
            "-c",
            "from reynolds.cli import entry_point; entry_point()",
            "demo",
            "--out",
            out,
        ]
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, capture_output=True)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--arch", choices=("auto", "cpu", "gpu"), default="auto")
    args = parser.parse_args(argv)
    print(
        "| demo | steps | s / step (median) | converged at step | converged after (s) | total (s) |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as out:
        for name in demo_names():
            demo = load_demo(name)
            start = time.perf_counter()
            result = run_demo(demo, Path(out) / name, arch=args.arch, progress=False)
            total = time.perf_counter() - start
            _, history = result.runs["reynolds"]
            per_step = float(np.median(np.diff(history.seconds)))
            step = converged_at(history.errors)
            when = f"{step}" if step is not None else "no"
            after = f"{history.seconds[step]:.1f}" if step is not None else "-"
            print(
                f"| {name} | {len(history.loss)} | {per_step:.4f} | {when} | {after} | {total:.1f} |"
            )
            sys.stdout.flush()
    with tempfile.TemporaryDirectory() as cache:
        cold = flagship_seconds(cache)
        warm = flagship_seconds(cache)
    print(
        f"\nflagship `reynolds demo` wall time: {cold:.1f} s with an empty kernel cache, {warm:.1f} s warm"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
