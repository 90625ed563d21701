"""`reynolds render` and `reynolds validate` on valid input."""

from __future__ import annotations

import numpy as np
from conftest import SCENES
from PIL import Image
from reynolds import load_scene, render, render_exact
from reynolds.cli import main

HOUSE = str(SCENES / "house.json")


def test_render_npy_is_the_api_image(tmp_path):
    out = tmp_path / "house.npy"
    assert (
        main(
            [
                "render",
                HOUSE,
                "-o",
                str(out),
                "--spp",
                "4",
                "--seed",
                "3",
                "--arch",
                "cpu",
            ]
        )
        == 0
    )
    saved = np.load(out)
    assert saved.dtype == np.float32 and saved.shape == (96, 128, 3)
    np.testing.assert_array_equal(
        saved, render(load_scene(HOUSE), spp=4, seed=3, arch="cpu")
    )


def test_render_png_is_clamped_8_bit(tmp_path):
    out = tmp_path / "house.png"
    assert (
        main(["render", HOUSE, "-o", str(out), "--sampler", "r2", "--arch", "cpu"]) == 0
    )
    pixels = np.asarray(Image.open(out))
    assert pixels.dtype == np.uint8 and pixels.shape == (96, 128, 3)
    expected = np.round(
        np.clip(render(load_scene(HOUSE), sampler="r2", arch="cpu"), 0, 1) * 255
    )
    np.testing.assert_array_equal(pixels, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "house.png"
    ]  # no temporary left


def test_render_exact_and_verbose_timings(tmp_path, capsys):
    out = tmp_path / "exact.npy"
    assert main(["render", HOUSE, "-o", str(out), "--exact", "-v"]) == 0
    np.testing.assert_allclose(np.load(out), render_exact(load_scene(HOUSE)), atol=1e-7)
    err = capsys.readouterr().err
    assert "load:" in err and "render (exact):" in err and "write" in err


def test_bad_option_values_are_refused(tmp_path, capsys):
    import pytest

    for argv in (["--spp", "0"], ["--seed", "-1"], ["--sampler", "sobol"]):
        with pytest.raises(SystemExit) as info:
            main(["render", HOUSE, "-o", str(tmp_path / "x.png"), *argv])
        assert info.value.code == 2
    assert not list(tmp_path.iterdir())


def test_console_program_is_silent_on_success(tmp_path):
    # No Taichi banner, no "Starting on arch" line: a successful render prints nothing.
    import subprocess
    import sys

    exe = [sys.executable, "-c", "from reynolds.cli import entry_point; entry_point()"]
    out = tmp_path / "h.png"
    result = subprocess.run(
        exe + ["render", HOUSE, "-o", str(out), "--arch", "cpu"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert (result.stdout, result.stderr) == ("", "")
    assert out.stat().st_size > 0
