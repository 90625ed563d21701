"""Images on disk: PNG (8-bit, clamped) and NPY (float32), read and written atomically.

Values are linear colours. A PNG stores `round(clamp(v, 0, 1) * 255)` with no transfer
curve, so a rendered PNG read back as a target gives the same numbers up to 1/510.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from reynolds.atomic import write_atomic
from reynolds.errors import SceneError

IMAGE_SUFFIXES = (".png", ".npy")


def check_image_path(path: str | os.PathLike) -> str:
    """The lower-case suffix of an output image path, or a `SceneError` if unsupported."""
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise SceneError(
            f"unsupported image type {suffix or '(none)'!r}; use .png or .npy",
            source=str(path),
        )
    return suffix


def to_uint8(image: np.ndarray) -> np.ndarray:
    """`H x W x 3` linear floats -> `H x W x 3` uint8, clamped to [0, 1] and rounded."""
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an `H x W x 3` float image (or an already 8-bit one)."""
    from PIL import Image

    pixels = image if image.dtype == np.uint8 else to_uint8(image)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def write_image(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write an `H x W x 3` float image as PNG (8-bit, clamped) or NPY (float32)."""
    suffix = check_image_path(path)
    if suffix == ".png":
        data = encode_png(image)
    else:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(image, dtype=np.float32))
        data = buffer.getvalue()
    write_atomic(path, data)


def read_image(path: str | os.PathLike) -> np.ndarray:
    """An `H x W x 3` float64 image from a PNG (scaled to [0, 1]) or an NPY file.

    Raises:
        SceneError: the file is missing, unreadable, or not an RGB image.
    """
    suffix = check_image_path(path)
    if not Path(path).is_file():
        raise SceneError("no such file", source=str(path))
    try:
        if suffix == ".png":
            import imageio.v3 as iio

            pixels = iio.imread(path)
            if pixels.ndim == 2:
                pixels = np.repeat(pixels[:, :, None], 3, axis=2)
            image = pixels[:, :, :3].astype(np.float64) / np.iinfo(pixels.dtype).max
        else:
            image = np.load(path, allow_pickle=False).astype(np.float64)
    except (OSError, ValueError) as error:
        raise SceneError(f"cannot read image: {error}", source=str(path)) from None
    if image.ndim != 3 or image.shape[2] != 3:
        raise SceneError(
            f"expected an H x W x 3 image, got shape {image.shape}", source=str(path)
        )
    if not np.all(np.isfinite(image)):
        raise SceneError("image holds NaN or infinite values", source=str(path))
    return image
