"""Draw docs/images/sgd-*.png, derivatives of SGD iterates against the exact J*, and
write the numbers behind each figure next to it (sgd-*.json).

- sgd-constant: colours, Monte Carlo pixel noise, constant steps a = 8, 4, 2, 1;
- sgd-inverse: the same with a_k = 12 / k, log-log with a log(k)^2 / k guide;
- sgd-interpolation: exact pixels, 16-pixel batches, realisable targets: linear rate;
- sgd-occluder: a disc's centre and radius while theta moves an occluding bar;
- sgd-naive: naive autodiff against Reynolds: the geometric J_k never moves.

The problems, seeds, step sizes and sample counts are the presets' defaults in
`reynolds.sgd_experiments`; each figure's title repeats them. About 80 s in all
on two CPU cores.

    python tools/sgd_figures.py [--out docs/images] [--only sgd-inverse,...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reynolds import sgd_experiments as experiments
from reynolds import sgd_figures as figures
from reynolds.json_text import json_text

ROOT = Path(__file__).resolve().parent.parent

PRESETS = {
    "sgd-constant": (experiments.constant_steps, figures.plateau_figure),
    "sgd-inverse": (experiments.inverse_steps, figures.inverse_figure),
    "sgd-interpolation": (experiments.interpolation, figures.interpolation_figure),
    "sgd-occluder": (experiments.occluder, figures.circle_figure),
    "sgd-naive": (experiments.naive_vs_reynolds, figures.circle_figure),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    parser.add_argument(
        "--only", default=None, help="comma-separated preset names (default: all)"
    )
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(PRESETS)
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        parser.error(f"unknown presets {unknown} (known: {', '.join(PRESETS)})")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        run, draw = PRESETS[name]
        start = time.perf_counter()
        record = run()
        (out / f"{name}.png").write_bytes(draw(record))
        # 7 significant digits: smaller files, far below the plotted differences.
        (out / f"{name}.json").write_text(json_text(record, indent=None, significant=7))
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
