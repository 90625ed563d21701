"""Images on disk: PNG (8-bit, clamped) and NPY (float32), read and written atomically.

Values are linear colours. A PNG stores `round(clamp(v, 0, 1) * 255)` with no transfer
curve, so a rendered PNG read back as a target gives the same numbers up to 1/510.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from pathlib import Path

import numpy as np
from reynolds.atomic import write_atomic
from reynolds.errors import SceneError
from reynolds.input_files import MiB, read_input
from reynolds.scene import MAX_PIXELS

IMAGE_SUFFIXES = (".png", ".npy")
# An image file larger than this is refused unread: a float64 .npy of the largest
# canvas (16,777,216 pixels x 3) is 403 MB.
MAX_IMAGE_BYTES = 512 * MiB


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


def npy_bytes(array: np.ndarray) -> bytes:
    """The bytes of an NPY file holding `array` (its dtype kept)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_image(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write an `H x W x 3` float image as PNG (8-bit, clamped) or NPY (float32)."""
    suffix = check_image_path(path)
    if suffix == ".png":
        data = encode_png(image)
    else:
        data = npy_bytes(np.asarray(image, dtype=np.float32))
    write_atomic(path, data)


def _decode_npy(data: bytes, source: str) -> np.ndarray:
    """The array of an NPY file's bytes, after checking its header: NumPy would
    allocate whatever size a header promises before reading a byte of data."""
    from numpy.lib import format as npy_format

    stream = io.BytesIO(data)
    try:
        version = npy_format.read_magic(stream)
        read_header = {
            (1, 0): npy_format.read_array_header_1_0,
            (2, 0): npy_format.read_array_header_2_0,
        }.get(version)
        if read_header is None:
            raise ValueError(f"unsupported format version {version}")
        shape, _, dtype = read_header(stream)
    except (OSError, ValueError, EOFError) as error:
        raise SceneError(f"not a readable .npy array: {error}", source=source) from None
    # Numbers only: strings, records, objects and complex values are no image.
    if dtype.kind not in "biuf":
        raise SceneError(
            f"expected an array of numbers, got dtype {dtype.str!r}", source=source
        )
    promised = math.prod(shape) * dtype.itemsize
    if stream.tell() + promised != len(data):
        raise SceneError(
            f"not a readable .npy array: its header promises {promised} bytes of "
            f"data, the file holds {len(data) - stream.tell()}",
            source=source,
        )
    return np.load(io.BytesIO(data), allow_pickle=False)


def _decode_png(data: bytes, source: str) -> np.ndarray:
    import imageio.v3 as iio
    from PIL import Image

    # Pillow raises OSError, SyntaxError or ValueError for a damaged file, and refuses
    # (or warns about) a huge one before decoding; its header gives the size first.
    damaged = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except damaged as error:
        raise SceneError(f"not a readable PNG image: {error}", source=source) from None
    if width * height > MAX_PIXELS:
        raise SceneError(
            f"image of {width} x {height} pixels is larger than any canvas "
            f"({MAX_PIXELS} pixels)",
            source=source,
        )
    try:
        pixels = iio.imread(data, extension=".png")
    except damaged as error:
        raise SceneError(f"not a readable PNG image: {error}", source=source) from None
    if pixels.ndim == 3 and pixels.shape[2] == 2:  # grey and alpha
        pixels = pixels[:, :, 0]
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    scale = 1.0 if pixels.dtype == bool else np.iinfo(pixels.dtype).max
    return pixels[:, :, :3].astype(np.float64) / scale


def read_array(path: str | os.PathLike) -> np.ndarray:
    """The numbers of an NPY file (a regular file of at most MAX_IMAGE_BYTES), float64.

    Raises:
        SceneError: the file is missing, not a regular file, too large, damaged, or
            holds something other than numbers (strings, records, objects, complex).
    """
    source = os.fspath(path)
    return _decode_npy(read_input(path, max_bytes=MAX_IMAGE_BYTES), source).astype(
        np.float64
    )


def read_image(path: str | os.PathLike) -> np.ndarray:
    """An `H x W x 3` float64 image from a PNG (scaled to [0, 1]) or an NPY file.

    Raises:
        SceneError: the file is missing, unreadable, damaged, too large, or not an RGB
            image of finite numbers.
    """
    suffix = check_image_path(path)
    source = os.fspath(path)
    data = read_input(path, max_bytes=MAX_IMAGE_BYTES)
    if suffix == ".png":
        image = _decode_png(data, source)
    else:
        array = _decode_npy(data, source)
        if not np.issubdtype(array.dtype, np.floating):
            # A 0-255 array read as linear values would give a loss 65,000 times too
            # large without any other sign of trouble.
            raise SceneError(
                f"NPY image has dtype {array.dtype}: images are floats, linear, in [0, 1] "
                "(for 8-bit values save image / 255 as float32, or use a PNG)",
                source=source,
            )
        image = array.astype(np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise SceneError(
            f"expected an H x W x 3 image, got shape {image.shape}", source=source
        )
    if not np.all(np.isfinite(image)):
        raise SceneError("image holds NaN or infinite values", source=source)
    return image
