"""The command line fits the hand: shared options everywhere, names listed where a user
needs them, derivative arrays as arrays, 8-bit NPY targets refused in one line."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ARCH, SCENES
from reynolds.cli import build_parser, main

HOUSE = str(SCENES / "house.json")
SHARED = [
    "--arch",
    "--seed",
    "--spp",
    "--edge-samples",
    "--sampler",
    "--edge-sampling",
    "--soft-sigma",
]
DIFFERENTIATING = [
    "grad",
    "check-grad",
    "gradimage",
    "optimize",
    "nonsmooth",
    "demo",
    "sgd-derivatives",
]


def _options(command: str) -> set[str]:
    sub = next(
        a
        for a in build_parser()._actions
        if a.__class__.__name__ == "_SubParsersAction"
    )
    return {
        o for action in sub.choices[command]._actions for o in action.option_strings
    }


@pytest.mark.parametrize("command", DIFFERENTIATING)
def test_every_differentiating_command_takes_every_shared_option(command):
    assert set(SHARED) <= _options(command)


def test_the_estimator_lab_takes_soft_sigma():
    # It compares every estimator (--estimators, --budgets) instead of taking
    # --edge-sampling and --edge-samples, but "soft" among them needs its temperature.
    assert "--soft-sigma" in _options("estimators")


def test_render_takes_the_pixel_sampling_options():
    assert {"--arch", "--seed", "--spp", "--sampler"} <= _options("render")


def test_validate_lists_shape_ids_and_parameter_names(capsys):
    assert main(["validate", HOUSE]) == 0
    out = capsys.readouterr().out
    assert (
        "roof (polygon): roof.{points, fill, opacity, translate, rotate, scale}" in out
    )
    assert "sun (circle): sun.{center, radius," in out
    assert "post (polygon, occluder)" in out and "background" in out


def test_unknown_shape_lists_the_ids_that_exist(tmp_path, capsys):
    adjoint = tmp_path / "w.npy"
    np.save(adjoint, np.zeros((96, 128, 3)))
    status = main(["grad", HOUSE, "--adjoint", str(adjoint), "--params", "moon.center"])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("no shape with id 'moon' (ids: 'roof', 'sun', 'post')"), err


def test_an_8_bit_npy_target_is_refused(tmp_path, capsys):
    target = tmp_path / "t.npy"
    np.save(target, np.full((96, 128, 3), 200, dtype=np.uint8))
    assert main(["grad", HOUSE, "--target", str(target), "--arch", ARCH]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith(f"error: {target}: NPY image has dtype uint8")
        and "\n" not in err
    )


def test_gradimage_writes_the_derivative_array_to_npy(tmp_path):
    out = tmp_path / "d.npy"
    args = ["gradimage", HOUSE, "--param", "sun.radius", "-o", str(out)]
    assert main(args + ["--spp", "4", "--arch", ARCH]) == 0
    image = np.load(out, allow_pickle=False)
    assert image.shape == (96, 128, 3) and image.dtype == np.float64
    # The boundary of the sun moves: its pixels change, far-away ones do not.
    assert np.abs(image[20, 100 - 12]).sum() > 0 and np.all(image[90, 5] == 0)


def test_gradimage_method_selects_the_array(tmp_path):
    # --method exact writes the exact derivative image: its sum is the exact gradient of
    # sum(image), computed independently by `exact_gradient`.
    from reynolds import exact_gradient, load_scene

    out = tmp_path / "d.npy"
    args = ["gradimage", HOUSE, "--param", "sun.radius", "-o", str(out)]
    assert main(args + ["--method", "exact", "--arch", ARCH]) == 0
    scene = load_scene(HOUSE)
    ones = np.ones((96, 128, 3))
    expected = exact_gradient(scene, ones, params=["sun.radius"])["sun.radius"]
    assert np.load(out).sum() == pytest.approx(float(expected), rel=1e-6)


def test_grad_honours_edge_sampling(write_json, tmp_path, capsys):
    # The worked example of docs/design.md §4.2 on one pixel: for A.translate the
    # two-sided rule gives the midpoint 0 and diffvg's epsilon rule -1, so the option
    # must reach the kernels for the two runs to differ.
    import json

    from builders import scene_dict, square

    shapes = [
        {
            "id": "B",
            "type": "polygon",
            "points": square(0.5, -1, 2, 2),
            "fill": [2.0] * 3,
        },
        {
            "id": "A",
            "type": "polygon",
            "points": square(-1, -1, 0.5, 2),
            "fill": [1.0] * 3,
        },
    ]
    scene = write_json(scene_dict(1, 1, shapes))
    adjoint = tmp_path / "w.npy"
    np.save(adjoint, np.full((1, 1, 3), 1.0 / 3.0))
    results = {}
    for rule in ("stratified", "epsilon"):
        args = ["grad", scene, "--adjoint", str(adjoint), "--params", "A.translate"]
        assert main(args + ["--edge-sampling", rule, "--arch", ARCH]) == 0
        results[rule] = json.loads(capsys.readouterr().out)["grads"]["A.translate"][0]
    assert results["stratified"] == pytest.approx(0.0, abs=1e-9)
    assert results["epsilon"] == pytest.approx(-1.0, abs=1e-9)


def test_grad_honours_soft_sigma(tmp_path, capsys):
    # The CLI's gradient is backward's at the temperature given, bit for bit (JSON
    # keeps every digit of a float64), and another temperature gives another one.
    import json

    from reynolds import backward, load_scene, smooth_adjoint

    adjoint = smooth_adjoint(96, 128, seed=3)
    path = tmp_path / "w.npy"
    np.save(path, adjoint)
    params = ["sun.radius", "roof.points[1]"]
    args = ["grad", HOUSE, "--adjoint", str(path), "--params", ",".join(params)]
    args += ["--spp", "2", "--seed", "4", "--edge-sampling", "soft", "--arch", ARCH]
    got = {}
    for sigma in (0.25, 0.5):
        assert main(args + ["--soft-sigma", str(sigma)]) == 0
        got[sigma] = json.loads(capsys.readouterr().out)["grads"]
    scene = load_scene(HOUSE)
    for sigma in (0.25, 0.5):
        expected = backward(
            scene,
            adjoint,
            params=params,
            spp=2,
            seed=4,
            edge_sampling="soft",
            soft_sigma=sigma,
            arch=ARCH,
        )
        for name in params:
            assert np.array_equal(got[sigma][name], expected[name]), (sigma, name)
    for name in params:
        # Same samples, another temperature: every component moves (measured: by
        # 0.6 % to 20 % of the gradient's size), far above float32 rounding (1e-7).
        difference = np.abs(np.subtract(got[0.5][name], got[0.25][name]))
        assert np.all(difference > 1e-3 * np.abs(got[0.5][name]).max()), name


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e9", "wide"])
def test_a_bad_soft_sigma_is_one_line_exit_2(tmp_path, capsys, value):
    out = tmp_path / "g.json"
    args = ["grad", HOUSE, "--adjoint", "w.npy", "-o", str(out)]
    with pytest.raises(SystemExit) as info:
        main(args + ["--soft-sigma", value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: reynolds grad: argument --soft-sigma: must be ")
    assert err.count("\n") == 1 and not out.exists()
