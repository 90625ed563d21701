"""What an optimisation run leaves in its output folder: the recovered scene, the history,
a loss plot and an animation (target | each run | each run's difference, per frame)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from reynolds.atomic import check_output_folder, write_folder_atomic
from reynolds.image_io import to_uint8
from reynolds.json_text import json_text
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
    """GIF of frames: target | each run's scene at that step | each run's |difference|
    from the target, x4.

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
        panels += [
            _panel(
                np.clip(4.0 * np.abs(image - target), 0, 1),
                f"|{label} - target| x4",
                zoom,
            )
            for label, image in zip(labels, images, strict=True)
        ]
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


RESULT_NAMES = ("result.json", "history.json", "loss.png", "progress.gif")


def is_run_output(name: str) -> bool:
    """True for a file name `write_run_outputs` writes: an earlier run's output that a
    new run into the same folder replaces."""
    if name in RESULT_NAMES:
        return True
    return name.startswith("result-") and name.endswith(".json")


def check_run_folder(out_dir: str | os.PathLike) -> None:
    """Refuse, before a run starts, an output folder `write_run_outputs` could not
    write whole (see `reynolds.atomic.check_output_folder`)."""
    check_output_folder(out_dir, is_run_output)


def _result_files(runs: dict[str, tuple[Scene, History]]) -> dict[str, bytes]:
    """result.json (first run; result-<label>.json for the others) and history.json."""
    files: dict[str, bytes] = {}
    for k, (label, (scene, _)) in enumerate(runs.items()):
        name = "result.json" if k == 0 else f"result-{label}.json"
        files[name] = scene_to_json(scene).encode("utf-8")
    histories = {label: history.to_dict() for label, (_, history) in runs.items()}
    history_data = next(iter(histories.values())) if len(runs) == 1 else histories
    files["history.json"] = json_text(history_data, indent=1).encode("utf-8")
    return files


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
    loss.png and progress.gif as the whole content of `out_dir`.

    The folder is built beside `out_dir` and renamed into place
    (`reynolds.atomic.write_folder_atomic`): an earlier run's outputs there are replaced
    as a whole, never mixed with the new ones. Returns the paths written.
    """
    files = _result_files(runs)
    curves = {label: np.array(h.loss) for label, (_, h) in runs.items()}
    errors = None
    if all(h.errors for _, h in runs.values()):
        errors = {
            label: {name: np.array([e[name] for e in h.errors]) for name in h.params}
            for label, (_, h) in runs.items()
        }
    files["loss.png"] = optimisation_curves(curves, errors, title=title)
    files["progress.gif"] = animation_gif(target, trails, arch=arch)
    return write_folder_atomic(out_dir, files, replaceable=is_run_output)


def write_interrupted_outputs(
    out_dir: Path, runs: dict[str, tuple[Scene, History]]
) -> list[Path]:
    """After an interruption: result.json (the last complete state) and history.json
    (the finished steps) as the whole content of `out_dir`, without the figures, which
    take time to draw. Returns the paths written."""
    return write_folder_atomic(out_dir, _result_files(runs), replaceable=is_run_output)
