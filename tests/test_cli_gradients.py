"""`reynolds grad`, `check-grad` and `gradimage` through the command line."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest
from builders import scene_dict, square
from conftest import ARCH, SCENES
from PIL import Image
from reynolds import load_scene, render_exact
from reynolds.backward import backward_with_stderr, loss_and_grad
from reynolds.cli import main

HOUSE = str(SCENES / "house.json")
STACK = str(SCENES / "translucent_stack.json")


def test_grad_against_a_scene_target_matches_the_api(tmp_path, capsys):
    target = tmp_path / "target.json"
    scene = load_scene(STACK)
    moved = json.loads((SCENES / "translucent_stack.json").read_text())
    moved["shapes"][0]["center"] = [29.5, 25.0]
    target.write_text(json.dumps(moved))
    out = tmp_path / "g.json"
    argv = [
        "grad",
        STACK,
        "--target",
        str(target),
        "--params",
        "red.center,blue.fill",
        "--seed",
        "4",
        "--arch",
        ARCH,
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    report = json.loads(out.read_text())
    assert set(report) == {"loss", "grads"}
    loss, grads = loss_and_grad(
        scene,
        render_exact(load_scene(target)),
        params=["red.center", "blue.fill"],
        seed=4,
        arch=ARCH,
    )
    assert report["loss"] == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(
        report["grads"]["red.center"], grads["red.center"], rtol=1e-9
    )
    np.testing.assert_allclose(
        report["grads"]["blue.fill"], grads["blue.fill"], rtol=1e-9
    )
    assert capsys.readouterr().out == ""


def test_grad_with_adjoint_and_repeat_reports_standard_errors(tmp_path, capsys):
    scene = load_scene(HOUSE)
    adjoint = np.random.default_rng(0).normal(size=(96, 128, 3)).astype(np.float32)
    path = tmp_path / "w.npy"
    np.save(path, adjoint)
    assert (
        main(
            [
                "grad",
                HOUSE,
                "--adjoint",
                str(path),
                "--params",
                "sun.radius,roof.points[1]",
                "--repeat",
                "4",
                "--arch",
                ARCH,
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=["sun.radius", "roof.points[1]"], repeat=4, arch=ARCH
    )
    assert report["grads"]["sun.radius"] == pytest.approx(
        float(mean["sun.radius"]), rel=1e-9
    )
    assert report["stderr"]["roof.points[1]"] == pytest.approx(
        stderr["roof.points[1]"].tolist(), rel=1e-6
    )
    assert len(report["grads"]["roof.points[1]"]) == 2


def test_naive_estimator_on_the_command_line_gives_zero_geometry(tmp_path, capsys):
    path = tmp_path / "w.npy"
    np.save(path, np.ones((96, 128, 3)))
    assert (
        main(
            [
                "grad",
                HOUSE,
                "--adjoint",
                str(path),
                "--params",
                "roof.points,sun.fill",
                "--estimator",
                "naive",
                "--arch",
                ARCH,
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert np.all(np.array(report["grads"]["roof.points"]) == 0.0)
    assert np.abs(report["grads"]["sun.fill"]).max() > 1.0


@pytest.mark.parametrize(
    "extra, where",
    [
        (["--params", "sun.radious"], "--params: unknown parameter 'sun.radious'"),
        (
            ["--params", "moon.radius"],
            "--params: unknown parameter 'moon.radius': no shape",
        ),
    ],
)
def test_grad_refuses_unknown_parameters(tmp_path, capsys, extra, where):
    target = tmp_path / "t.npy"
    np.save(target, np.zeros((96, 128, 3)))
    out = tmp_path / "g.json"
    assert main(["grad", HOUSE, "--target", str(target), *extra, "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {where}") and "\n" not in err
    assert not out.exists()


def test_grad_refuses_mismatched_target_and_adjoint(tmp_path, capsys):
    target = tmp_path / "small.png"
    Image.new("RGB", (64, 48)).save(target)
    assert main(["grad", HOUSE, "--target", str(target)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {target}: target is 64 x 48 but the scene's canvas is 128 x 96"
    )
    adjoint = tmp_path / "w.npy"
    np.save(adjoint, np.zeros((96, 128)))
    assert main(["grad", HOUSE, "--adjoint", str(adjoint)]) == 2
    assert capsys.readouterr().err.startswith(
        f"error: {adjoint}: adjoint has shape (96, 128)"
    )


def test_check_grad_passes_on_a_smooth_scene(capsys):
    status = main(
        [
            "check-grad",
            STACK,
            "--params",
            "red.center,blue.points[1],green.opacity",
            "--repeat",
            "64",
            "--arch",
            ARCH,
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.strip().splitlines()[-1] == "5 passed, 0 failed"
    assert "red.center[0]" in out and "PASS" in out


def _edge_on_pixel_line(write_json):
    shapes = [
        {
            "id": "sq",
            "type": "polygon",
            "points": square(2.3, 1.3, 5.0, 4.6),
            "fill": [1, 1, 1],
        }
    ]
    return write_json(scene_dict(8, 6, shapes))


def test_check_grad_judges_against_the_one_sided_interval(write_json, capsys):
    # The right edge of the square lies on the pixel line x = 5: the exact one-sided
    # derivatives of vertex 1's x differ, check-grad prints them as an interval and
    # passes the estimate, which is their midpoint.
    status = main(
        [
            "check-grad",
            _edge_on_pixel_line(write_json),
            "--params",
            "sq.points[1]",
            "--arch",
            ARCH,
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    row = next(line for line in out.splitlines() if line.startswith("sq.points[1][0]"))
    assert "[" in row and row.endswith("PASS")
    assert out.strip().splitlines()[-1] == "2 passed, 0 failed"


def test_check_grad_fails_without_the_boundary_term(write_json, capsys, monkeypatch):
    # check-grad must catch a wrong gradient: with the boundary term replaced by zeros
    # (the naive estimator's answer for geometry) the vertex gradient fails.
    # The module, not the function of the same name that `reynolds` exports.
    backward_module = importlib.import_module("reynolds.backward")

    def no_boundary(buffers, pieces, adjoint, **_options):
        zeros = np.zeros((buffers.verts.shape[0], 2))
        return zeros, np.zeros((buffers.num_shapes, 3)), zeros

    monkeypatch.setattr(backward_module, "boundary_adjoint", no_boundary)
    status = main(
        [
            "check-grad",
            _edge_on_pixel_line(write_json),
            "--params",
            "sq.points[1]",
            "--arch",
            ARCH,
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL" in out and out.strip().splitlines()[-1].endswith("2 failed")


def test_gradimage_writes_a_figure(tmp_path):
    out = tmp_path / "d.png"
    assert (
        main(
            [
                "gradimage",
                STACK,
                "--param",
                "red.radius",
                "-o",
                str(out),
                "--spp",
                "4",
                "--arch",
                ARCH,
            ]
        )
        == 0
    )
    figure = Image.open(out)
    assert (
        figure.format == "PNG" and figure.width > 2.5 * figure.height
    )  # three panels side by side
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.png"]


def test_gradimage_refuses_unknown_parameter_and_component(tmp_path, capsys):
    out = tmp_path / "d.png"
    assert main(["gradimage", STACK, "--param", "red.radious", "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith(
        "error: --param: unknown parameter 'red.radious'"
    )
    assert (
        main(
            [
                "gradimage",
                STACK,
                "--param",
                "red.center",
                "--component",
                "2",
                "-o",
                str(out),
            ]
        )
        == 2
    )
    assert "has 2 component(s)" in capsys.readouterr().err
    assert not out.exists()


def test_derivative_images_and_differences_respect_parameter_bounds():
    # Opacity at its limit 1 and a radius below the 1/4 px Monte Carlo step: the
    # differences become one-sided or shorter instead of refusing (found by review).
    from reynolds import (
        derivative_image,
        exact_gradient,
        finite_difference_gradient,
        parse_scene,
    )

    shapes = [
        {
            "id": "p",
            "type": "polygon",
            "points": [[2.3, 1.2], [9.7, 2.1], [6.2, 8.4]],
            "fill": [0.9, 0.5, 0.1],
        },
        {
            "id": "c",
            "type": "circle",
            "center": [3.5, 7.1],
            "radius": 0.2,
            "fill": [1, 1, 1],
        },
    ]
    scene = parse_scene(scene_dict(12, 10, shapes))
    ones = np.ones((10, 12, 3))
    exact = exact_gradient(scene, ones, params=["p.opacity"])["p.opacity"]
    image = derivative_image(scene, "p.opacity", method="exact", arch=ARCH)
    assert image.sum() == pytest.approx(float(exact), rel=1e-9)
    for method in ("reynolds", "fd"):
        assert np.isfinite(
            derivative_image(scene, "p.opacity", method=method, arch=ARCH)
        ).all()
    fd = finite_difference_gradient(scene, ones, params=["c.radius"], arch=ARCH)
    assert np.isfinite(fd["c.radius"])


def test_nonsmooth_writes_the_figure_and_its_numbers(write_json, tmp_path, capsys):
    figure, data = tmp_path / "sweep.png", tmp_path / "sweep.json"
    args = ["nonsmooth", _edge_on_pixel_line(write_json), "--param", "sq.rotate"]
    options = ["--points", "5", "--repeat", "2", "--arch", ARCH]
    assert main(args + ["-o", str(figure), "--data", str(data)] + options) == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    numbers = json.loads(data.read_text())
    assert len(numbers["values"]) == 5 and numbers["seeds"] == [0, 1]
    assert set(numbers["estimates"]) == {"stratified", "epsilon"}
    # At the scene's own value the square's right edge lies on x = 5: a kink.
    assert numbers["d_minus"][2] != pytest.approx(numbers["d_plus"][2], abs=1e-3)


def test_nonsmooth_refuses_a_colour_parameter(write_json, tmp_path, capsys):
    out = tmp_path / "sweep.png"
    args = ["nonsmooth", _edge_on_pixel_line(write_json), "--param", "sq.fill"]
    assert main(args + ["-o", str(out), "--arch", ARCH]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "colour parameter" in err and "\n" not in err
    assert not out.exists()
