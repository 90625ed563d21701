"""The estimator comparison table of docs/estimators.md: every boundary estimator on every
example scene and three benchmark scenes, measured by the estimator lab.

For each scene, the lab (`reynolds.estimator_lab.run_lab`: smooth adjoint with seed 0,
every geometric parameter, 1 pixel sample) runs every estimator at 1024, 4096 and 16384
edge samples with 16 seeds per budget, and the table reports per estimator, at 16384:
- the root of the summed variances over all components (`total std`);
- how many components lie more than 4 standard errors (stderr and reference accuracy
  combined) from the exact value, out of all components: a 95 % interval excludes 0 for
  1 component in 20 by chance, and the components of one shape share their seeds, so
  intervals fail together; with 16 seeds |t| > 4 happens for about 1 in 800;
- the median over components of the std-vs-samples slope (components with no slope,
  because they have no spread, are counted apart as "exact");
- the median time of one backward call and the summed work-normalised error
  (variance x time + bias^2).
It writes docs/estimator-table.md (linked from docs/estimators.md) and
docs/images/estimator-table.json (the per-scene summaries without per-seed values, and
without per-component numbers for scenes of more than 100 components).

    python tools/estimator_table.py [--repeat 16] [--arch cpu] [--scenes house ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
from bench import occluded_circle, one_triangle, random_triangles
from reynolds import load_scene, parse_scene
from reynolds.atomic import write_atomic
from reynolds.estimator_lab import run_lab
from reynolds.estimator_report import lab_summary
from reynolds.json_text import json_text
from reynolds.lab_statistics import Z95

ROOT = Path(__file__).resolve().parent.parent
BUDGETS = (1024, 4096, 16384)
Z_FLAG = 4.0  # standard errors from the exact value that count as a measured bias
BENCH_SCENES = {
    "bench: 1 triangle 256²": lambda: one_triangle(256),
    "bench: circle + occluder 256²": lambda: occluded_circle(256),
    "bench: 100 triangles 256²": lambda: random_triangles(100, 256, radius=14.0),
}


def scenes(only: list[str] | None) -> dict:
    """{label: Scene} of scenes/*.json and the benchmark scenes, or those named."""
    found = {
        path.stem: (lambda p=path: load_scene(p))
        for path in sorted((ROOT / "scenes").glob("*.json"))
    }
    found.update({k: (lambda f=f: parse_scene(f())) for k, f in BENCH_SCENES.items()})
    if only:
        found = {k: v for k, v in found.items() if any(o in k for o in only)}
    return {label: make() for label, make in found.items()}


def overview(summary: dict) -> dict:
    """One table row's numbers from an estimator's lab summary."""
    if "failure" in summary:
        return {"failure": summary["failure"]}
    rows = summary["components"].values()
    std = np.array([row["std_at_largest"] for row in rows])
    biased = 0
    for row in rows:
        low, high = row["bias_interval95"]
        half = 0.5 * (high - low)  # 1.96 sqrt(stderr^2 + accuracy^2)
        if abs(row["bias"]) > Z_FLAG / Z95 * half:
            biased += 1
    slopes = [row["slope"]["slope"] for row in rows if "slope" in row["slope"]]
    return {
        "total_std": float(np.sqrt(np.sum(std**2))),
        "biased_components": biased,
        "components": len(std),
        "median_slope": float(statistics.median(slopes)) if slopes else None,
        "components_without_slope": len(std) - len(slopes),
        "time_ms": 1e3 * summary["per_budget"]["time_per_call_s"][-1],
        "work_normalised_error": summary["work_normalised_error_total"],
    }


# Scenes with more components than this keep only their totals in the JSON: the
# per-component numbers of 100 triangles (1000 components x 8 estimators) were 5 MB.
MAX_STORED_COMPONENTS = 100


def compact(report: dict) -> dict:
    """The report without per-seed values, and without per-component numbers for
    scenes of more than MAX_STORED_COMPONENTS components (rerun the lab for those)."""
    large = len(report["components"]) > MAX_STORED_COMPONENTS
    for summary in report["estimators"].values():
        summary.pop("estimates", None)
        summary.pop("times_s", None)
        if large and "per_budget" in summary:
            summary.pop("components", None)
            for key in ("mean", "std", "stderr"):
                summary["per_budget"].pop(key, None)
    if large:
        report.pop("exact", None)
        report["note"] = (
            f"per-component numbers left out (> {MAX_STORED_COMPONENTS} components)"
        )
    return report


def markdown(results: dict, repeat: int) -> str:
    lines = [
        "<!-- written by tools/estimator_table.py; do not edit by hand -->",
        f"Budgets {', '.join(map(str, BUDGETS))} edge samples, {repeat} seeds each; "
        f"values at {BUDGETS[-1]}. *biased*: components more than {Z_FLAG:g} standard "
        "errors from the exact value (from [d−, d+] at kinks; by chance about 1 in 800 "
        "with 16 seeds). *slope*: median over components "
        "of the std-vs-samples slope; *exact*: components with no spread. "
        "*work*: Σ (variance × seconds + bias²).",
        "",
    ]
    for label, rows in results.items():
        lines += [
            f"**{label}**",
            "",
            "| estimator | total std | biased | slope (exact) | ms/call | work |",
            "|---|---|---|---|---|---|",
        ]
        for name, row in rows.items():
            if "failure" in row:
                lines.append(f"| {name} | not run: {row['failure']} | | | | |")
                continue
            slope = (
                "—" if row["median_slope"] is None else f"{row['median_slope']:+.2f}"
            )
            lines.append(
                f"| {name} | {row['total_std']:.3g} "
                f"| {row['biased_components']}/{row['components']} "
                f"| {slope} ({row['components_without_slope']}) "
                f"| {row['time_ms']:.1f} | {row['work_normalised_error']:.3g} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=16, help="seeds per budget")
    parser.add_argument("--arch", default="auto", choices=("auto", "cpu", "gpu"))
    parser.add_argument(
        "--scenes", nargs="*", help="only scenes whose label holds one of these"
    )
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args(argv)
    results, reports = {}, {}
    for label, scene in scenes(args.scenes).items():
        print(f"== {label}", file=sys.stderr)
        lab = run_lab(
            scene, budgets=BUDGETS, repeat=args.repeat, arch=args.arch, progress=True
        )
        report = lab_summary(lab, scene=label)
        results[label] = {n: overview(s) for n, s in report["estimators"].items()}
        reports[label] = compact(report)
    out = Path(args.out)
    text = markdown(results, args.repeat)
    write_atomic(out / "estimator-table.md", text.encode())
    write_atomic(
        out / "images" / "estimator-table.json",
        json_text({"overview": results, "reports": reports}, significant=6).encode(),
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
