"""`--soft-sigma` reaches every `backward` call of every command that differentiates,
and the outputs that record the boundary estimator record the temperature too.

Every runner (optimize, the sweep, the SGD linearisations, the lab) ends in
`reynolds.backward.backward`, which checks its `soft_sigma` with the
`check_soft_sigma` of its own module on every call, for every estimator and even
without geometric parameters: recording those calls shows the temperature each one got.
The runs are tiny (a 16 x 12 canvas, one to three steps): they check the plumbing, not
the estimator (tests/test_soft.py checks that).
"""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest
from builders import scene_dict
from conftest import ARCH
from reynolds import SceneError, save_scene
from reynolds.cli import main
from reynolds.sgd_experiments import colour_problem

# The module; the package's attribute `reynolds.backward` is the function.
BACKWARD = importlib.import_module("reynolds.backward")
SIGMA = 0.375  # not the default 0.5; exact in binary, so the JSON holds it as given
SCENE = scene_dict(
    16,
    12,
    [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[2.3, 1.7], [13.6, 3.1], [5.2, 10.4]],
            "fill": [0.9, 0.2, 0.1],
        },
        {
            "id": "dot",
            "type": "circle",
            "center": [11.3, 7.2],
            "radius": 2.4,
            "fill": [0.1, 0.3, 0.9],
        },
    ],
)


@pytest.fixture
def sigmas(monkeypatch) -> list[float]:
    """The soft_sigma of every `backward` call made while the test runs."""
    real = BACKWARD.check_soft_sigma
    seen: list[float] = []

    def recording(sigma):
        seen.append(sigma)
        return real(sigma)

    monkeypatch.setattr(BACKWARD, "check_soft_sigma", recording)
    return seen


@pytest.fixture
def files(tmp_path, write_json) -> dict[str, str]:
    moved = json.loads(json.dumps(SCENE))
    moved["shapes"][1]["center"] = [10.8, 7.5]
    np.save(tmp_path / "w.npy", np.random.default_rng(3).normal(size=(12, 16, 3)))
    colours, target, blend = colour_problem()
    save_scene(colours, tmp_path / "colours.json")
    np.save(tmp_path / "T.npy", target)
    np.save(tmp_path / "T1.npy", blend.target)
    return {
        "scene": write_json(SCENE),
        "target": write_json(moved, "target.json"),
        "adjoint": str(tmp_path / "w.npy"),
        "colours": str(tmp_path / "colours.json"),
        "T": str(tmp_path / "T.npy"),
        "T1": str(tmp_path / "T1.npy"),
        "out": str(tmp_path / "out"),
        "out2": str(tmp_path / "out2"),
    }


def _commands(f: dict[str, str]) -> dict[str, list[str]]:
    soft = ["--edge-sampling", "soft", "--spp", "1"]
    return {
        "grad": ["grad", f["scene"], "--adjoint", f["adjoint"], *soft],
        "check-grad": ["check-grad", f["scene"], "--repeat", "2", *soft],
        "optimize": [
            "optimize", f["scene"], "--target", f["target"], "--steps", "2",
            "--out", f["out"], *soft,
        ],
        "demo": ["demo", "pose", "--steps", "1", "--out", f["out"], *soft],
        "nonsmooth": [
            "nonsmooth", f["scene"], "--param", "dot.radius", "--points", "3",
            "--repeat", "1", "-o", f["out"] + ".png", "--data", f["out"] + ".json",
            *soft,
        ],
        "sgd-derivatives": [
            "sgd-derivatives", f["colours"], "--target", f["T"], "--params",
            "a.fill,b.fill", "--hyper", f"blend:{f['T1']}", "--steps", "3", "--lr",
            "4", "--out", f["out"], *soft,
        ],
        "estimators": [
            "estimators", f["scene"], "--estimators", "stratified,soft", "--budgets",
            "16", "--repeat", "3", "--spp", "1", "--out", f["out"],
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [
        "grad",
        "check-grad",
        "optimize",
        "demo",
        "nonsmooth",
        "sgd-derivatives",
        "estimators",
    ],
)
def test_soft_sigma_reaches_every_backward_call(command, files, sigmas, capsys):
    argv = _commands(files)[command] + ["--soft-sigma", str(SIGMA), "--arch", ARCH]
    # check-grad compares "soft" (biased by design) with the exact gradient: it may
    # report failures (status 1); what matters here is what it ran.
    assert main(argv) in ((0, 1) if command == "check-grad" else (0,))
    assert sigmas and set(sigmas) == {SIGMA}, sigmas


def test_outputs_that_record_the_estimator_record_the_temperature(files, capsys):
    commands = _commands(files)
    extra = ["--soft-sigma", str(SIGMA), "--arch", ARCH]
    out, out2 = files["out"], files["out2"]
    assert main(commands["estimators"] + extra) == 0
    lab = json.loads(open(f"{out}/estimators.json", encoding="utf-8").read())
    assert lab["settings"]["soft_sigma"] == SIGMA
    sgd_argv = commands["sgd-derivatives"]
    sgd_argv[sgd_argv.index(out)] = out2
    assert main(sgd_argv + extra) == 0
    sgd = json.loads(open(f"{out2}/derivatives.json", encoding="utf-8").read())
    assert sgd["settings"]["edge_sampling"] == "soft"
    assert sgd["settings"]["soft_sigma"] == SIGMA
    assert main(commands["nonsmooth"] + extra) == 0
    sweep = json.loads(open(f"{out}.json", encoding="utf-8").read())
    assert sweep["soft_sigma"] == SIGMA and list(sweep["estimates"]) == ["soft"]


def test_the_equal_time_runner_passes_and_records_the_temperature(sigmas):
    from reynolds import equal_time as eq
    from reynolds import parse_scene, render_exact

    start = parse_scene(SCENE)
    moved = json.loads(json.dumps(SCENE))
    moved["shapes"][1]["center"] = [10.8, 7.5]
    truth = parse_scene(moved)
    options = dict(reference=truth, seconds=0.01, seeds=[0], arch=ARCH)
    record = eq.equal_time_runs(
        start,
        render_exact(truth),
        ["dot.center"],
        estimators=["soft"],
        soft_sigma=SIGMA,
        **options,
    )
    assert record["settings"]["soft_sigma"] == SIGMA and not record["skipped"]
    assert sigmas and set(sigmas) == {SIGMA}
    # A bad temperature is refused as such, not as every estimator's "skip".
    with pytest.raises(SceneError, match=r"^soft_sigma: must be finite"):
        eq.equal_time_runs(
            start, render_exact(truth), ["dot.center"], soft_sigma=0.0, **options
        )


def test_the_torch_adapter_passes_the_temperature(sigmas):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    from reynolds import parse_scene
    from reynolds.torch import SceneModule, render

    scene = parse_scene(SCENE)
    radius = torch.tensor(2.4, dtype=torch.float64, requires_grad=True)
    options = dict(spp=1, edge_sampling="soft", soft_sigma=SIGMA, arch=ARCH)
    render(scene, {"dot.radius": radius}, seed=3, **options).sum().backward()
    model = SceneModule(scene, ["dot.center"], **options)
    model(seed=4).sum().backward()
    assert len(sigmas) == 2 and set(sigmas) == {SIGMA}
    for bad in (
        lambda: render(scene, {"dot.radius": radius}, seed=3, soft_sigma=-1.0),
        lambda: SceneModule(scene, ["dot.center"], soft_sigma=float("nan")),
    ):
        with pytest.raises(SceneError, match="soft_sigma"):
            bad()


def test_the_lab_and_the_sweep_refuse_a_bad_temperature_first(sigmas):
    # The lab would otherwise record it as every estimator's failure; both refuse it
    # before any `backward` call.
    from reynolds import parse_scene, run_lab
    from reynolds.nonsmooth import sweep

    scene = parse_scene(SCENE)
    with pytest.raises(SceneError, match=r"^soft_sigma: must be finite"):
        run_lab(scene, estimators=["stratified"], budgets=[16], repeat=3, soft_sigma=0)
    with pytest.raises(SceneError, match=r"^soft_sigma: must be finite"):
        sweep(scene, "dot.radius", rules=["soft"], soft_sigma=float("inf"))
    assert sigmas == []
