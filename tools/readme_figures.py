"""Draw the README's pictures into docs/images:

- flagship.gif, flagship-loss.png: the flagship demo (naive autodiff against Reynolds);
- derivative.png: dI/d(radius) of the occluded circle by edge sampling, finite
  differences, naive autodiff and the exact reference.

    python tools/readme_figures.py
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from reynolds import derivative_figure, load_demo, load_scene, run_demo

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        result = run_demo(load_demo("naive-vs-reynolds"), Path(work), progress=False)
        shutil.copy(Path(work) / "progress.gif", out / "flagship.gif")
        shutil.copy(Path(work) / "loss.png", out / "flagship-loss.png")
    print("flagship final errors:", result.final_errors)

    scene = load_scene(ROOT / "scenes" / "occluded_circle.json")
    figure = derivative_figure(
        scene, "disc.radius", methods=("reynolds", "fd", "naive", "exact"), spp=64
    )
    (out / "derivative.png").write_bytes(figure)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
