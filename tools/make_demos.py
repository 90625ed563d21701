"""Write the demo folders of scenes/demos (start.json, target.json, demo.json).

Deterministic: running it again rewrites the same files.

    python tools/make_demos.py
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np
from reynolds import parse_scene, save_scene

ROOT = Path(__file__).resolve().parent.parent / "scenes" / "demos"
PAPER = [0.96, 0.95, 0.91]


def canvas(width: int, height: int, background=PAPER) -> dict:
    return {"width": width, "height": height, "background": list(background)}


def scene(
    description: str, width: int, height: int, shapes: list[dict], background=PAPER
) -> dict:
    return {
        "version": 1,
        "description": description,
        "canvas": canvas(width, height, background),
        "shapes": shapes,
    }


def pose() -> tuple[dict, dict, dict]:
    tri = {
        "id": "tri",
        "type": "polygon",
        "points": [[30.3, 64.1], [47.8, 20.6], [70.2, 58.4]],
        "fill": [0.85, 0.25, 0.15],
    }
    target = scene(
        "A triangle moved, turned and enlarged.",
        96,
        96,
        [
            {
                **tri,
                "transform": {"translate": [3.2, -2.6], "rotate": 17.0, "scale": 1.12},
            }
        ],
    )
    start = scene("The triangle before: identity transform.", 96, 96, [tri])
    settings = {
        "title": "Pose: translate, rotate and scale of a triangle",
        "teaches": "Only the edges of the triangle carry information about its pose: the colour inside is "
        "the same wherever it is. The boundary term of the Reynolds transport theorem turns the "
        "image mismatch along the edges into a translation, a rotation and a scale.",
        "params": ["tri.translate", "tri.rotate", "tri.scale"],
        "steps": 150,
        "spp": 4,
        "spp_final": 16,
    }
    return start, target, settings


def vertices() -> tuple[dict, dict, dict]:
    truth = [
        [14.2, 40.3],
        [46.1, 38.2],
        [44.6, 22.4],
        [78.3, 48.7],
        [43.9, 74.1],
        [46.3, 58.6],
        [15.8, 57.2],
    ]
    offsets = np.random.default_rng(4).uniform(-3.5, 3.5, (len(truth), 2))
    start_points = (np.array(truth) + offsets).round(2).tolist()
    arrow = {"id": "arrow", "type": "polygon", "fill": [0.15, 0.35, 0.8]}
    target = scene("A concave arrow.", 96, 96, [{**arrow, "points": truth}])
    start = scene(
        "The arrow with every vertex up to 3.5 px off.",
        96,
        96,
        [{**arrow, "points": start_points}],
    )
    settings = {
        "title": "Vertices of a concave polygon",
        "teaches": "Each vertex moves the two edges that meet at it; its gradient is the boundary integral "
        "along those edges weighted by how far along the edge the point is. Concave corners work "
        "like convex ones.",
        "params": ["arrow.points"],
        "steps": 200,
        "spp": 4,
        "spp_final": 16,
        "lr": {"points": 0.4},
    }
    return start, target, settings


def occluded_circle() -> tuple[dict, dict, dict]:
    bar = {
        "id": "bar",
        "type": "polygon",
        "role": "occluder",
        "points": [[52, 4], [64, 4], [64, 92], [52, 92]],
        "fill": [0.25, 0.25, 0.25],
    }
    disc = {"id": "disc", "type": "circle", "fill": [0.1, 0.45, 0.9]}
    target = scene(
        "A disc behind a fixed bar.",
        96,
        96,
        [{**disc, "center": [45.3, 50.7], "radius": 24.6}, bar],
    )
    start = scene(
        "The disc smaller and off centre.",
        96,
        96,
        [{**disc, "center": [41.2, 46.9], "radius": 20.1}, bar],
    )
    settings = {
        "title": "A circle's centre and radius behind an occluder",
        "teaches": "Where the bar covers the circle, f_in = f_out and the boundary term vanishes: only the "
        "visible arcs pull. The bar is an occluder, so it stays fixed; the visible arcs still "
        "determine the centre and the radius.",
        "params": ["disc.center", "disc.radius"],
        "steps": 150,
        "spp": 4,
        "spp_final": 16,
    }
    return start, target, settings


def colour_and_shape() -> tuple[dict, dict, dict]:
    tri = {
        "id": "tri",
        "type": "polygon",
        "points": [[16.3, 70.4], [40.2, 18.7], [62.6, 66.3]],
    }
    sun = {"id": "sun", "type": "circle", "opacity": 0.8}
    target = scene(
        "A triangle and a translucent disc.",
        96,
        80,
        [
            {**tri, "fill": [0.8, 0.2, 0.15], "transform": {"translate": [2.5, 1.8]}},
            {**sun, "center": [66.4, 30.2], "radius": 14.3, "fill": [0.95, 0.75, 0.1]},
        ],
    )
    start = scene(
        "Wrong colours, wrong places.",
        96,
        80,
        [
            {**tri, "fill": [0.55, 0.45, 0.4]},
            {**sun, "center": [63.1, 33.3], "radius": 11.8, "fill": [0.7, 0.7, 0.5]},
        ],
    )
    settings = {
        "title": "Colours and geometry together",
        "teaches": "Colours get the interior term (the derivative of each sample's colour), geometry the "
        "boundary term; both come out of one backward pass and one optimiser step.",
        "params": ["tri.fill", "tri.translate", "sun.fill", "sun.center", "sun.radius"],
        "steps": 200,
        "spp": 4,
        "spp_final": 16,
    }
    return start, target, settings


def twenty_shapes() -> tuple[dict, dict, dict]:
    rng = np.random.default_rng(20)
    target_shapes, start_shapes, params = [], [], []
    centers = [
        (
            16 + 24 * (k % 5) + rng.uniform(-3, 3),
            16 + 24 * (k // 5) + rng.uniform(-3, 3),
        )
        for k in range(20)
    ]
    for k, (cx, cy) in enumerate(centers):
        fill = rng.uniform(0.1, 0.9, 3).round(3).tolist()
        offset = rng.uniform(-3.0, 3.0, 2)
        if k % 2:
            r = float(rng.uniform(6.0, 9.0))
            base = {
                "id": f"disc{k}",
                "type": "circle",
                "radius": round(r, 2),
                "fill": fill,
            }
            target_shapes.append({**base, "center": [round(cx, 2), round(cy, 2)]})
            start_shapes.append(
                {**base, "center": [round(cx + offset[0], 2), round(cy + offset[1], 2)]}
            )
            params.append(f"disc{k}.center")
        else:
            # Well-spread corners (120 degrees apart, +-0.35 rad): no slivers, which a
            # 3 px offset could move off their targets entirely (then no edge overlaps).
            angles = (
                rng.uniform(0, 2 * np.pi)
                + np.arange(3) * 2 * np.pi / 3
                + rng.uniform(-0.35, 0.35, 3)
            )
            pts = (
                np.column_stack([cx + 9 * np.cos(angles), cy + 9 * np.sin(angles)])
                .round(2)
                .tolist()
            )
            base = {"id": f"tri{k}", "type": "polygon", "points": pts, "fill": fill}
            target_shapes.append(base)
            start_shapes.append(
                {
                    **base,
                    "transform": {
                        "translate": [round(-offset[0], 2), round(-offset[1], 2)]
                    },
                }
            )
            params.append(f"tri{k}.translate")
    target = scene("Twenty shapes on a 5 x 4 grid.", 120, 96, target_shapes)
    start = scene("Each shape up to 3 px off.", 120, 96, start_shapes)
    settings = {
        "title": "Twenty shapes at once",
        "teaches": "One backward pass gives the gradient for every shape: the edge samples are spread over "
        "the whole boundary in proportion to length, and each lands in the pixel it crosses.",
        "params": params,
        "steps": 150,
        "spp": 4,
        "spp_final": 16,
    }
    return start, target, settings


def naive_vs_reynolds() -> tuple[dict, dict, dict]:
    start, target, settings = colour_and_shape()
    start = copy.deepcopy(start)
    target = copy.deepcopy(target)
    start["description"] = "Wrong colours, wrong places: both estimators start here."
    settings = {
        "title": "Naive autodiff against Reynolds",
        "teaches": "Automatic differentiation of the pixel samples sees only the colours: the inside test "
        "of a sample is a branch, whose derivative is zero. So the naive run fixes the colours and "
        "leaves every edge where it started; the Reynolds boundary term moves the geometry too.",
        "params": ["tri.fill", "tri.translate", "sun.fill", "sun.center", "sun.radius"],
        "steps": 160,
        "spp": 4,
        "spp_final": 16,
        "estimators": ["reynolds", "naive"],
    }
    return start, target, settings


DEMOS = {
    "pose": pose,
    "vertices": vertices,
    "occluded-circle": occluded_circle,
    "colour-and-shape": colour_and_shape,
    "twenty-shapes": twenty_shapes,
    "naive-vs-reynolds": naive_vs_reynolds,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--root", default=str(ROOT), help="folder to write the demos into"
    )
    args = parser.parse_args(argv)
    for name, make in DEMOS.items():
        folder = Path(args.root) / name
        folder.mkdir(parents=True, exist_ok=True)
        start, target, settings = make()
        save_scene(parse_scene(start), folder / "start.json")
        save_scene(parse_scene(target), folder / "target.json")
        (folder / "demo.json").write_text(json.dumps(settings, indent=2) + "\n")
        print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
