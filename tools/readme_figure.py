"""Draw the README's picture: a scene at 1 and 16 spp beside its exact image.

python tools/readme_figure.py -o docs/images/house.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from renderer import load_scene, render, render_exact
from renderer.image_io import encode_png

ROOT = Path(__file__).resolve().parent.parent


def labelled(image: np.ndarray, label: str, zoom: int) -> Image.Image:
    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    panel = Image.fromarray(pixels).resize(
        (image.shape[1] * zoom, image.shape[0] * zoom), Image.NEAREST
    )
    canvas = Image.new("RGB", (panel.width, panel.height + 22), "white")
    canvas.paste(panel, (0, 22))
    ImageDraw.Draw(canvas).text((6, 5), label, fill="black")
    return canvas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scene", default=str(ROOT / "scenes" / "house.json"))
    parser.add_argument(
        "-o", "--output", default=str(ROOT / "docs" / "images" / "house.png")
    )
    parser.add_argument("--zoom", type=int, default=2)
    args = parser.parse_args(argv)
    scene = load_scene(args.scene)
    panels = [
        labelled(
            render(scene, spp=1, seed=0, sampler="iid"),
            "Monte Carlo, 1 spp (iid)",
            args.zoom,
        ),
        labelled(
            render(scene, spp=16, seed=0), "Monte Carlo, 16 spp (jitter)", args.zoom
        ),
        labelled(render_exact(scene), "exact box filter (GEOS areas)", args.zoom),
    ]
    gap = 8
    figure = Image.new(
        "RGB", (sum(p.width for p in panels) + gap * 2, panels[0].height), "white"
    )
    x = 0
    for panel in panels:
        figure.paste(panel, (x, 0))
        x += panel.width + gap
    Path(args.output).write_bytes(encode_png(np.asarray(figure)))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
