"""Reynolds' picture of an SVG against an independent rasteriser of the same SVG.

resvg (the `resvg-py` wheel, in the `test` extra) renders each file at ZOOM x the
canvas size; its 8-bit sRGB pixels are decoded to linear light and averaged over each
ZOOM x ZOOM block, which is the box-filtered linear image that `render_exact` computes,
up to two effects:
- 8-bit quantisation: an sRGB step of 1/255 is at most 0.0045 in linear light (near
  white), the floor of every pixel's error;
- anti-aliasing: resvg blends each sub-pixel an edge crosses in sRGB, not linear light.
  A straight edge crosses at most 2 ZOOM - 1 = 15 of the 64 sub-pixels of a pixel, and
  the sRGB-versus-linear blend of two colours differs by at most 0.29, so an edge pixel
  is off by at most 15 / 64 x 0.29 = 0.068; corners and slivers are rarer still.
Hence the thresholds: MAX_ERROR 0.07 on every pixel, and the mean and 99th percentile
small enough that a shape moved by a tenth of a pixel or a colour off by one 8-bit
step over its area fails. Translucent shapes are not compared: SVG viewers composite
in sRGB, Reynolds in linear light (docs/svg.md).
"""

from __future__ import annotations

import dataclasses
import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENE_FILES
from PIL import Image
from reynolds import SvgWarning, load_scene, load_svg, render_exact, save_svg

resvg_py = pytest.importorskip("resvg_py")

DATA = Path(__file__).resolve().parent / "data" / "svg"
ZOOM = 8
MAX_ERROR = 0.07
# The test files use 8-bit colours, so flat regions agree exactly; scenes' colours
# fall between 8-bit steps, which adds up to 0.0045 on every pixel.
MEAN_ERROR = {"svg": 1.5e-3, "scene": 5e-3}
P99_ERROR = {"svg": 0.03, "scene": 0.05}


def decode_srgb(s: np.ndarray) -> np.ndarray:
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)


def resvg_image(path: Path, width: int, height: int) -> np.ndarray:
    """`height x width x 3` linear image of the SVG at `path`, box-filtered."""
    png = resvg_py.svg_to_bytes(
        svg_path=str(path),
        width=width * ZOOM,
        height=height * ZOOM,
        background="white",
        skip_system_fonts=True,
    )
    rgb = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB"), dtype=float)
    linear = decode_srgb(rgb / 255.0)
    return linear.reshape(height, ZOOM, width, ZOOM, 3).mean(axis=(1, 3))


def raster_error(path: Path, scene, out: Path) -> tuple[np.ndarray, str]:
    """|render_exact(scene) - resvg(path)| per pixel and channel, and a one-line summary;
    the three images are saved in `out` for inspection."""
    ours = render_exact(scene)
    theirs = resvg_image(path, scene.canvas.width, scene.canvas.height)
    error = np.abs(ours - theirs)
    for name, image in (
        ("reynolds", ours),
        ("resvg", theirs),
        ("error_x10", 10 * error),
    ):
        pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(out / f"{path.stem}_{name}.png")
    summary = (
        f"{path.name}: mean {error.mean():.2e}, p99 {np.percentile(error, 99):.2e}, "
        f"max {error.max():.2e} (images in {out})"
    )
    return error, summary


def within_thresholds(error: np.ndarray, kind: str) -> bool:
    """The mean, 99th percentile and maximum of `error` are within kind's thresholds."""
    return bool(
        error.mean() <= MEAN_ERROR[kind]
        and np.percentile(error, 99) <= P99_ERROR[kind]
        and error.max() <= MAX_ERROR
    )


@pytest.mark.parametrize("path", sorted(DATA.glob("*.svg")), ids=lambda p: p.name)
def test_imported_svg_matches_resvg(path, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scene = load_svg(path)
    # Every test file is read whole (viewbox_none.svg has no background rect).
    unexpected = [
        str(w.message)
        for w in caught
        if issubclass(w.category, SvgWarning)
        and "background becomes white" not in str(w.message)
    ]
    assert unexpected == []
    assert len(scene.shapes) >= 2
    error, summary = raster_error(path, scene, tmp_path)
    assert within_thresholds(error, "svg"), summary


@pytest.mark.parametrize("path", SCENE_FILES, ids=lambda p: p.name)
def test_exported_scene_matches_resvg(path, tmp_path):
    # Opacity 1 everywhere: translucent compositing differs by design (see above).
    scene = load_scene(path)
    opaque = tuple(dataclasses.replace(s, opacity=1.0) for s in scene.shapes)
    scene = dataclasses.replace(scene, shapes=opaque)
    svg = tmp_path / f"{path.stem}.svg"
    save_svg(scene, svg)
    error, summary = raster_error(svg, scene, tmp_path)
    assert within_thresholds(error, "scene"), summary


def test_resvg_comparison_catches_a_shifted_scene(tmp_path):
    # The thresholds are tight enough to fail: every shape of the first example scene
    # moved by half a pixel against the SVG of the unmoved scene.
    scene = load_scene(SCENE_FILES[0])
    opaque = tuple(dataclasses.replace(s, opacity=1.0) for s in scene.shapes)
    scene = dataclasses.replace(scene, shapes=opaque)
    svg = tmp_path / "unmoved.svg"
    save_svg(scene, svg)
    moved = tuple(
        dataclasses.replace(
            s,
            transform=dataclasses.replace(
                s.transform,
                translate=(s.transform.translate[0] + 0.5, s.transform.translate[1]),
            ),
        )
        for s in scene.shapes
    )
    error, summary = raster_error(
        svg, dataclasses.replace(scene, shapes=moved), tmp_path
    )
    assert not within_thresholds(error, "scene"), summary
