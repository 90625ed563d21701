"""Target images for losses: PNG or NPY images, or a scene file rendered exactly."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from reynolds.errors import SceneError
from reynolds.image_io import read_image
from reynolds.render import render_exact
from reynolds.scene import Scene
from reynolds.scene_io import load_scene


def load_target(path: str | os.PathLike, scene: Scene) -> np.ndarray:
    """The target image `[height, width, 3]` float64 for `scene`.

    A `.json` target is a scene file, rendered by `render_exact`; `.png` and `.npy` are
    read as images (PNG scaled to [0, 1]).

    Raises:
        SceneError: unreadable file, or a size different from the scene's canvas.
    """
    if Path(path).suffix.lower() == ".json":
        image = render_exact(load_scene(path))
    else:
        image = read_image(path)
    expected = (scene.canvas.height, scene.canvas.width, 3)
    if image.shape != expected:
        raise SceneError(
            f"target is {image.shape[1]} x {image.shape[0]} but the scene's canvas is "
            f"{scene.canvas.width} x {scene.canvas.height}",
            source=str(path),
        )
    return image
