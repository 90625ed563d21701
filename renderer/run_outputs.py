"""What an optimisation run leaves in its output folder: the recovered scene, the history,
a loss plot and an animation (target | current | difference, per frame)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from reynolds.atomic import write_atomic
from reynolds.image_io import to_uint8
from reynolds.optimize import History
from reynolds.plotting import optimisation_curves
from reynolds.render import render
from reynolds.scene import Scene
from reynolds.scene_io import scene_to_json

PREVIEW_SPP = 16
MIN_PANEL_HEIGHT = 160


def _panel(image: np.ndarray, label: str, zoom: int) -> Image.Image:
    h, w = image.shape[:2]
    pixels = Image.fromarray(to_uint8(image)).resize(
        (w * zoom, h * zoom), Image.NEAREST
    )
    panel = Image.new("RGB", (pixels.width, pixels.height + 16), "white")
    panel.paste(pixels, (0, 16))
    ImageDraw.Draw(panel).text((3, 2), label, fill="black")
    return panel


def animation_gif(
    target: np.ndarray, trails: dict[str, dict[int, Scene]], *, arch: str = "auto"
) -> bytes:
    """GIF of frames: target | each run's scene at that step | |difference| x4 of the first.

    Args:
        target: `[H, W, 3]` target image.
        trails: {run label: {step: scene}}, the same steps for every run.
    """
    import imageio.v3 as iio

    zoom = max(1, -(-MIN_PANEL_HEIGHT // target.shape[0]))
    frames = []
    labels = list(trails)
    for step in sorted(trails[labels[0]]):
        images = [
            render(trails[label][step], spp=PREVIEW_SPP, seed=step, arch=arch)
            for label in labels
        ]
        panels = [_panel(target, "target", zoom)]
        panels += [
            _panel(image, f"{label}, step {step}", zoom)
            for label, image in zip(labels, images, strict=True)
        ]
        panels.append(
            _panel(
                np.clip(4.0 * np.abs(images[0] - target), 0, 1),
                f"|{labels[0]} - target| x4",
                zoom,
            )
        )
        gap = 4
        frame = Image.new(
            "RGB",
            (sum(p.width for p in panels) + gap * (len(panels) - 1), panels[0].height),
            "white",
        )
        x = 0
        for panel in panels:
            frame.paste(panel, (x, 0))
            x += panel.width + gap
        frames.append(np.asarray(frame))
    buffer = io.BytesIO()
    durations = [120] * (len(frames) - 1) + [1500]  # hold the last frame
    iio.imwrite(buffer, np.stack(frames), extension=".gif", duration=durations, loop=0)
    return buffer.getvalue()


def write_run_outputs(
    out_dir: Path,
    runs: dict[str, tuple[Scene, History]],
    target: np.ndarray,
    trails: dict[str, dict[int, Scene]],
    *,
    title: str = "",
    arch: str = "auto",
) -> list[Path]:
    """Write result.json (first run; result-<label>.json for the others), history.json,
    loss.png and progress.gif into `out_dir`, each atomically. Returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = list(runs)
    written = []
    for k, (label, (scene, _)) in enumerate(runs.items()):
        path = out_dir / ("result.json" if k == 0 else f"result-{label}.json")
        write_atomic(path, scene_to_json(scene).encode("utf-8"))
        written.append(path)
    histories = {label: history.to_dict() for label, (_, history) in runs.items()}
    history_data = histories[labels[0]] if len(runs) == 1 else histories
    path = out_dir / "history.json"
    write_atomic(path, (json.dumps(history_data, indent=1) + "\n").encode("utf-8"))
    written.append(path)
    curves = {label: np.array(h.loss) for label, (_, h) in runs.items()}
    errors = None
    if all(h.errors for _, h in runs.values()):
        errors = {
            label: {name: np.array([e[name] for e in h.errors]) for name in h.params}
            for label, (_, h) in runs.items()
        }
    path = out_dir / "loss.png"
    write_atomic(path, optimisation_curves(curves, errors, title=title))
    written.append(path)
    path = out_dir / "progress.gif"
    write_atomic(path, animation_gif(target, trails, arch=arch))
    written.append(path)
    return written
