"""Hostile input files through the command line: each is one line `error: FILE: ...`,
exit status 2, in bounded time, and nothing is written."""

from __future__ import annotations

import io
import os
import signal

import numpy as np
import pytest
from builders import scene_dict
from conftest import ARCH
from PIL import Image
from reynolds.cli import main
from reynolds.image_io import read_image
from reynolds.scene_io import MAX_SCENE_BYTES

TRIANGLE = scene_dict(
    8,
    6,
    [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[1, 1], [6, 2], [3, 5]],
            "fill": [0.8, 0.1, 0.1],
        }
    ],
)


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    pixels = np.random.default_rng(0).integers(0, 255, (height, width, 3), np.uint8)
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _one_line_error(capsys, source: str, text: str) -> None:
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"error: {source}: "), err
    assert text in err, err


# (case, file content, what the message says): targets of `grad` and adjoints
BAD_ARRAYS = [
    ("strings", _npy(np.full((6, 8, 3), "a")), "got dtype '<U1'"),
    (
        "numeric-strings",
        _npy(np.full((6, 8, 3), "1.5")),
        "expected an array of numbers",
    ),
    ("records", _npy(np.zeros((6, 8, 3), dtype=[("a", "f4")])), "got dtype '|V4'"),
    ("objects", _npy(np.zeros((6, 8, 3), dtype=object)), "got dtype '|O'"),
    ("complex", _npy(np.zeros((6, 8, 3), dtype=complex)), "got dtype '<c16'"),
    ("empty-file", b"", "not a readable .npy array"),
    ("truncated", _npy(np.zeros((6, 8, 3)))[:-10], "header promises 1152 bytes"),
    # A header that promises 720 GB: refused before NumPy allocates it.
    (
        "huge-header",
        _npy(np.zeros((2, 2, 3))).replace(b"(2, 2, 3)", b"(99999, 99999, 9)"),
        "header promises",
    ),
    ("not-npy", b"hello world", "not a readable .npy array"),
    ("wrong-shape", _npy(np.zeros((6, 8))), "expected an H x W x 3 image"),
]


@pytest.mark.parametrize("case, data, text", BAD_ARRAYS, ids=[c[0] for c in BAD_ARRAYS])
@pytest.mark.parametrize("option", ["--adjoint", "--target"])
def test_bad_arrays_are_one_line_errors(
    case, data, text, option, write_json, tmp_path, capsys
):
    scene = write_json(TRIANGLE)
    array = tmp_path / "w.npy"
    array.write_bytes(data)
    out = tmp_path / "g.json"
    status = main(["grad", scene, option, str(array), "--arch", ARCH, "-o", str(out)])
    assert status == 2
    if case == "wrong-shape" and option == "--adjoint":
        text = "adjoint has shape (6, 8)"
    _one_line_error(capsys, str(array), text)
    assert not out.exists()


@pytest.mark.parametrize(
    "case, data, text",
    [
        ("truncated", png_bytes(30, 20)[:500], "not a readable PNG image"),
        ("header-only", png_bytes(30, 20)[:40], "not a readable PNG image"),
        ("empty", b"", "not a readable PNG image"),
        ("text", b"not a png", "not a readable PNG image"),
    ],
)
def test_damaged_pngs_are_one_line_errors(
    case, data, text, write_json, tmp_path, capsys
):
    scene = write_json(TRIANGLE)
    target = tmp_path / "t.png"
    target.write_bytes(data)
    assert main(["grad", scene, "--target", str(target), "--arch", ARCH]) == 2
    _one_line_error(capsys, str(target), text)


def test_a_png_larger_than_any_canvas_is_refused_from_its_header(tmp_path):
    # 8193 x 4096 > 16,777,216 pixels; a 1-bit image keeps the file small.
    path = tmp_path / "big.png"
    Image.new("1", (8193, 4096)).save(path)
    with pytest.raises(Exception, match="larger than any canvas"):
        read_image(path)


def test_grey_alpha_and_one_bit_pngs_read_as_rgb(tmp_path):
    grey = tmp_path / "la.png"
    Image.new("LA", (4, 3), (51, 200)).save(grey)
    np.testing.assert_allclose(read_image(grey), np.full((3, 4, 3), 51 / 255))
    bits = tmp_path / "one.png"
    Image.new("1", (4, 3), 1).save(bits)
    np.testing.assert_array_equal(read_image(bits), np.ones((3, 4, 3)))


@pytest.fixture
def alarm():
    """Fail, rather than hang, a test whose reader blocks (SIGALRM after 30 s)."""

    def expire(signum, frame):
        raise TimeoutError("blocked reading input")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_fifo_is_refused_without_blocking(alarm, write_json, tmp_path, capsys):
    fifo = tmp_path / "scene.json.fifo"
    os.mkfifo(fifo)
    assert main(["validate", str(fifo)]) == 2
    _one_line_error(capsys, str(fifo), "not a regular file")
    scene = write_json(TRIANGLE)
    target = tmp_path / "t.npy"
    os.mkfifo(target)
    assert main(["grad", scene, "--target", str(target), "--arch", ARCH]) == 2
    _one_line_error(capsys, str(target), "not a regular file")


def test_a_device_is_refused_unread(capsys):
    assert main(["validate", "/dev/zero"]) == 2
    _one_line_error(capsys, "/dev/zero", "not a regular file")


def test_a_scene_file_beyond_the_size_cap_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: no disk used, no time spent
        handle.truncate(MAX_SCENE_BYTES + 1)
    assert main(["validate", str(path)]) == 2
    _one_line_error(capsys, str(path), "exceeds the limit of 64 MiB")


def test_a_folder_as_scene_is_refused(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    _one_line_error(capsys, str(tmp_path), "is a directory")


def test_a_scene_that_is_not_utf8_is_refused(tmp_path, capsys):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"version": 1, "description": "caf\xe9"}')
    assert main(["validate", str(path)]) == 2
    _one_line_error(capsys, str(path), "not UTF-8 text (byte 34)")
