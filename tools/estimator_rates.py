"""Measure the convergence rates of the boundary estimators: docs/images/estimator-rates.png
and .json.

On a purpose-built scene (one triangle, 64 x 64, vertices and edges off pixel lines, a
smooth adjoint with seed 0) the estimator lab (`reynolds.estimator_lab`) measures, for
every estimator of `reynolds.EDGE_SAMPLINGS`, the standard deviation over
seeds of a *vertex* gradient (tri.points[1][0]) and of a *translation* gradient
(tri.translate[0]) at budgets 256 .. 262144 edge samples, and fits the log-log slope
with its 95 % interval (docs/estimators.md). Expected: i.i.d. samples -1/2; stratified
samples on pieces cut at pixel lines fall faster (about -1.5) for a vertex, and the
translation gradient is exact (no spread, or rounding) once every piece has a sample.

    python tools/estimator_rates.py [--out docs/images] [--repeat 64] [--arch cpu]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reynolds import parse_scene
from reynolds.atomic import write_atomic
from reynolds.estimator_figures import component_std_figure
from reynolds.estimator_lab import run_lab
from reynolds.estimator_report import lab_summary
from reynolds.json_text import json_text

ROOT = Path(__file__).resolve().parent.parent
BUDGETS = (256, 1024, 4096, 16384, 65536, 262144)
VERTEX, TRANSLATION = "tri.points[1][0]", "tri.translate[0]"
SCENE = {
    "version": 1,
    "description": "estimator rates: one triangle with vertices off pixel lines",
    "canvas": {"width": 64, "height": 64, "background": [0.1, 0.1, 0.1]},
    "shapes": [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[10.3, 12.7], [52.6, 20.1], [23.4, 50.8]],
            "fill": [0.9, 0.6, 0.2],
        }
    ],
}


def _slope_text(slope: dict) -> str:
    if "none" in slope:
        return "none (" + slope["none"] + ")"
    low, high = slope["interval95"]
    return f"{slope['slope']:+.3f} [{low:+.3f}, {high:+.3f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--repeat", type=int, default=64, help="seeds per budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--arch", default="auto", choices=("auto", "cpu", "gpu"))
    args = parser.parse_args(argv)
    lab = run_lab(
        parse_scene(SCENE),
        params=["tri.points[1]", "tri.translate"],
        budgets=BUDGETS,
        repeat=args.repeat,
        seed=args.seed,
        arch=args.arch,
        progress=True,
    )
    report = lab_summary(lab, scene="tools/estimator_rates.py SCENE")
    report["scene_json"] = SCENE
    rates = {}
    print(f"{'estimator':<12} {'vertex slope [95% CI]':<30} translation slope [95% CI]")
    for name, summary in report["estimators"].items():
        if "failure" in summary:
            print(f"{name:<12} not run: {summary['failure']}")
            continue
        vertex = summary["components"][VERTEX]["slope"]
        translation = summary["components"][TRANSLATION]["slope"]
        rates[name] = {VERTEX: vertex, TRANSLATION: translation}
        print(f"{name:<12} {_slope_text(vertex):<30} {_slope_text(translation)}")
    report["rates"] = rates
    for summary in report["estimators"].values():
        # The per-seed values (hundreds of kB) stay out of the repository; the per-budget
        # means and spreads are kept, and a rerun with the same seeds reproduces them.
        summary.pop("estimates", None)
        summary.pop("times_s", None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    title = (
        f"one triangle, 64 x 64; {args.repeat} seeds per budget; "
        "slopes: weighted least squares on log std, 95 % intervals"
    )
    write_atomic(
        out / "estimator-rates.png",
        component_std_figure(report, [VERTEX, TRANSLATION], title=title),
    )
    write_atomic(out / "estimator-rates.json", json_text(report, indent=1).encode())
    print(f"wrote {out / 'estimator-rates.png'} and {out / 'estimator-rates.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
