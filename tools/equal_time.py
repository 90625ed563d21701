"""Draw docs/images/equal-time.png, equal-time inverse rendering, and write every run
behind it to equal-time.json (with --edge-samples N: equal-time-edgesN.png/.json).

The task (`reynolds.equal_time.default_task`): recover a pentagon's five vertices and a
translucent disc's centre and radius (13 numbers, pixels) on a 96 x 96 canvas from the
exact render at the true values, starting 1.8-3.6 px off per coordinate. Each estimator of
`reynolds.EDGE_SAMPLINGS` (read when the tool runs) gets the same wall-clock
budget per run, at its default samples per step, for each seed; the figure shows the
parameter error |theta - theta*| against seconds (median over seeds, quartile band).

Wall-clock times depend on what else the machine runs (the load average before and
after is recorded in the JSON); `--clock cpu` budgets this process's CPU seconds
instead, which a shared machine disturbs less. The figures in docs/ were made with

    python tools/equal_time.py --clock cpu
    python tools/equal_time.py --clock cpu --edge-samples 128

each run taking (estimators x 5 seeds x 2 s) of budget plus warm-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from reynolds import render_exact
from reynolds.equal_time import CLOCKS, TASK_PARAMS, default_task, equal_time_runs
from reynolds.json_text import json_text
from reynolds.plotting import equal_time_figure
from reynolds.soft import SOFT_SIGMA

ROOT = Path(__file__).resolve().parent.parent
# A million apart: step k of a run uses seed + k, and no run takes a million steps.
DEFAULT_SEEDS = "0,1000000,2000000,3000000,4000000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--seconds", type=float, default=2.0, help="budget per run")
    parser.add_argument("--seeds", default=DEFAULT_SEEDS)
    parser.add_argument(
        "--estimators", default=None, help="comma-separated (default: all)"
    )
    parser.add_argument(
        "--edge-samples",
        type=int,
        default=None,
        help="edge samples per step (default: backward's, 16 per px of boundary)",
    )
    parser.add_argument(
        "--soft-sigma",
        type=float,
        default=SOFT_SIGMA,
        help=f"temperature of estimator soft, pixels (default {SOFT_SIGMA:g})",
    )
    parser.add_argument("--arch", choices=("auto", "cpu", "gpu"), default="cpu")
    parser.add_argument(
        "--clock",
        choices=tuple(CLOCKS),
        default="wall",
        help="budget in wall-clock seconds, or in this process's CPU seconds",
    )
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    estimators = args.estimators.split(",") if args.estimators else None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def report(run) -> None:
        print(
            f"{run.estimator:>12} seed {run.seed:>8}: {run.steps:5d} steps, "
            f"error {run.errors[0]:.3f} -> {run.errors[-1]:.4f} px",
            file=sys.stderr,
        )

    start, truth = default_task()
    began = time.perf_counter()
    load_before = os.getloadavg()
    record = equal_time_runs(
        start,
        render_exact(truth),
        TASK_PARAMS,
        reference=truth,
        seconds=args.seconds,
        seeds=seeds,
        estimators=estimators,
        edge_samples=args.edge_samples,
        soft_sigma=args.soft_sigma,
        clock=args.clock,
        arch=args.arch,
        on_run=report,
    )
    record["machine"] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "arch": args.arch,
        "load_average_1_5_15_min": {"before": load_before, "after": os.getloadavg()},
    }
    record["tool_seconds"] = time.perf_counter() - began
    stem = "equal-time" + (f"-edges{args.edge_samples}" if args.edge_samples else "")
    (out / f"{stem}.png").write_bytes(
        equal_time_figure(record, title="Equal-time inverse rendering")
    )
    (out / f"{stem}.json").write_text(json_text(record, indent=None, significant=5))
    print("estimator     final error (px) q25 / median / q75    steps   ms/step")
    for estimator, summary in record["summary"].items():
        q25, median, q75 = summary["final_error_quartiles"]
        print(
            f"{estimator:>12}  {q25:9.4f} {median:9.4f} {q75:9.4f}   "
            f"{summary['steps_quartiles'][1]:6.0f}   "
            f"{1e3 * summary['seconds_per_step_quartiles'][1]:7.2f}"
        )
    for estimator, reason in record["skipped"].items():
        print(f"{estimator:>12}  skipped: {reason}")
    print(
        f"initial error {record['initial_error']:.3f} px; "
        f"tool run time {record['tool_seconds']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
