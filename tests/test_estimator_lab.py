"""The estimator lab (`reynolds estimators`): its slope fit, its report, its errors.

Lab runs here are tiny (a 24 x 16 canvas, 2 budgets, 4 seeds): they check that the
report holds what was measured, not the estimators' rates (tools/estimator_rates.py
measures those).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from builders import scene_dict
from reynolds import backward, exact_one_sided, parse_scene, smooth_adjoint
from reynolds.cli import main
from reynolds.errors import SceneError
from reynolds.estimator_figures import component_std_figure
from reynolds.estimator_lab import (
    Component,
    EstimatorRecord,
    ExactGradient,
    LabRecord,
    run_lab,
)
from reynolds.estimator_report import lab_summary
from reynolds.estimators import EDGE_SAMPLINGS
from reynolds.lab_statistics import fit_std_slope, log_std_variance, spread

ARCH = "cpu"
SCENE = scene_dict(
    24,
    16,
    [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[3.3, 2.7], [19.6, 4.1], [8.2, 13.4]],
            "fill": [0.9, 0.2, 0.1],
        },
        {
            "id": "dot",
            "type": "circle",
            "center": [16.3, 10.2],
            "radius": 3.4,
            "fill": [0.1, 0.3, 0.9],
            "opacity": 0.8,
        },
    ],
)
BUDGETS = ["64", "256"]


def _coverage(draw, trials: int, repeat: int, rng) -> tuple[float, float]:
    """Fraction of `trials` slope intervals that hold the true slope -0.75, and the
    mean fitted slope, for values drawn by `draw` scaled to std 3 M^-0.75."""
    budgets = np.array([256, 1024, 4096, 16384])
    sigma = 3.0 * budgets**-0.75
    hits, slopes = 0, []
    for _ in range(trials):
        values = 1.0 + sigma * draw(rng, (repeat, len(budgets)))
        _, std = spread(values)
        fit = fit_std_slope(budgets, std, log_std_variance(values))
        hits += fit.low <= -0.75 <= fit.high
        slopes.append(fit.slope)
    return hits / trials, float(np.mean(slopes))


def test_slope_fit_recovers_a_known_slope_with_its_stated_coverage():
    # 400 trials of 32 normal values per budget (NumPy seed 11). One slope's standard
    # error is about sqrt(1 / 62 / 9.6) = 0.041, so the mean of 400 lies within 0.01
    # (5 standard errors) of -0.75. A 95 % interval covers 380 +- 4.4 of 400 times:
    # 0.91 and 0.99 are more than 4 binomial standard deviations away.
    rng = np.random.default_rng(11)
    coverage, mean_slope = _coverage(lambda g, size: g.normal(size=size), 400, 32, rng)
    assert abs(mean_slope + 0.75) < 0.01
    assert 0.91 <= coverage <= 0.99


def test_slope_interval_holds_for_heavy_tailed_estimates():
    # Laplace values (excess kurtosis 3): Var(log s) is 2.5x its normal value, and an
    # interval built on the normal value covered 79 % of 1500 trials; the jackknife
    # 90.7 % and 92.7 % in two runs of 1500 (binomial std at 400 trials: 0.014), so
    # 0.86 is more than 3 standard deviations below both. NumPy seed 12.
    rng = np.random.default_rng(12)
    coverage, _ = _coverage(lambda g, size: g.laplace(size=size), 400, 32, rng)
    assert coverage >= 0.86


@pytest.fixture(scope="module")
def lab_output(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    scene_path = folder / "scene.json"
    scene_path.write_text(json.dumps(SCENE), encoding="utf-8")
    out = folder / "out"
    status = main(
        [
            "estimators",
            str(scene_path),
            "--params",
            "tri.points[1],tri.translate,dot.radius",
            "--budgets",
            *BUDGETS,
            "--repeat",
            "4",
            "--seed",
            "5",
            "--soft-sigma",
            "0.25",
            "--arch",
            ARCH,
            "--out",
            str(out),
        ]
    )
    assert status == 0
    report = json.loads((out / "estimators.json").read_text(encoding="utf-8"))
    table = (out / "estimators.md").read_text(encoding="utf-8")
    return out, report, table


def test_lab_writes_its_four_outputs(lab_output):
    out, _, _ = lab_output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["estimators.json", "estimators.md", "std-vs-samples.png", "error-vs-time.png"]
    )
    for figure in ("std-vs-samples.png", "error-vs-time.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_component_figure_draws_from_the_report(lab_output):
    _, report, _ = lab_output
    png = component_std_figure(report, ["tri.points[1][0]", "tri.translate[0]"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_lab_json_records_what_was_measured(lab_output):
    _, report, _ = lab_output
    scene = parse_scene(SCENE)
    assert report["budgets"] == [64, 256]
    assert report["repeat"] == 4
    assert report["settings"]["soft_sigma"] == 0.25
    seeds = np.array(report["seeds"])
    assert seeds.shape == (2, 4) and len(set(seeds.ravel())) == 8
    labels = ["tri.points[1][0]", "tri.points[1][1]", "tri.translate[0]"]
    assert report["components"] == labels + ["tri.translate[1]", "dot.radius"]
    assert list(report["estimators"]) == list(EDGE_SAMPLINGS)
    # The exact gradient is the midpoint of the exact one-sided derivatives of
    # sum(w * I) with check-grad's adjoint (smooth, seeded by --seed).
    adjoint = smooth_adjoint(16, 24, seed=5)
    sided = exact_one_sided(scene, adjoint, params=["tri.points[1]"])
    for k, label in enumerate(labels[:2]):
        midpoint = 0.5 * (
            sided.minus["tri.points[1]"][k] + sided.plus["tri.points[1]"][k]
        )
        assert report["exact"][label]["value"] == pytest.approx(midpoint, rel=1e-12)
    for name, summary in report["estimators"].items():
        if "failure" in summary:
            continue
        estimates = np.array(summary["estimates"])
        assert estimates.shape == (2, 4, 5)
        # One recorded call, repeated: the same seed gives the same gradient ("soft"
        # only at the temperature --soft-sigma gave).
        again = backward(
            scene,
            adjoint,
            params=["dot.radius"],
            spp=1,
            edge_samples=256,
            seed=int(seeds[1, 2]),
            edge_sampling=name,
            soft_sigma=0.25,
            arch=ARCH,
        )
        assert estimates[1, 2, 4] == pytest.approx(
            float(again["dot.radius"]), abs=1e-12
        )
        per_budget = summary["per_budget"]
        np.testing.assert_allclose(per_budget["mean"], estimates.mean(axis=1))
        np.testing.assert_allclose(per_budget["std"], estimates.std(axis=1, ddof=1))
        np.testing.assert_allclose(
            per_budget["stderr"], estimates.std(axis=1, ddof=1) / 2.0
        )
        times = np.array(summary["times_s"])
        assert times.shape == (2, 4) and np.all(times > 0)
        np.testing.assert_allclose(
            per_budget["time_per_call_s"], np.median(times, axis=1)
        )
        for c, label in enumerate(report["components"]):
            row = summary["components"][label]
            # Bias: the distance of the mean outside [d-, d+] (0 inside it).
            sides = report["exact"][label]["minus"], report["exact"][label]["plus"]
            mean = estimates[1, :, c].mean()
            nearest = min(max(mean, min(sides)), max(sides))
            assert row["bias"] == pytest.approx(mean - nearest, abs=1e-15)
            low, high = row["bias_interval95"]
            assert low <= row["bias"] <= high


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row (escaped pipes stay inside a cell)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]


def _numbers(cell: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", cell)]


def test_lab_table_shows_what_the_json_holds(lab_output):
    _, report, table = lab_output
    rows = [
        _cells(line)
        for line in table.splitlines()
        if line.startswith("| ") and len(_cells(line)) == 8
    ][1:]  # past the header
    shown = 0
    for estimator, label, exact, bias, std, slope, ms, work in rows:
        summary = report["estimators"][estimator]
        if "failure" in summary:
            assert summary["failure"] in bias
            continue
        entry = summary["components"][label]
        expected_exact = report["exact"][label]
        if expected_exact["differentiable"]:
            assert _numbers(exact) == pytest.approx([expected_exact["value"]], rel=1e-3)
        wanted = [entry["bias"], *entry["bias_interval95"]]
        assert _numbers(bias) == pytest.approx(wanted, rel=1e-3, abs=1e-300)
        assert _numbers(std) == pytest.approx([entry["std_at_largest"]], rel=1e-3)
        if "none" in entry["slope"]:
            assert slope.startswith("none")
        else:
            fit = entry["slope"]
            assert _numbers(slope)[:3] == pytest.approx(
                [fit["slope"], *fit["interval95"]], abs=0.006
            )
            assert ("not a power law" in slope) == fit["poor_fit"]
        seconds = summary["per_budget"]["time_per_call_s"][-1]
        assert _numbers(ms) == pytest.approx([1e3 * seconds], rel=1e-2)
        assert _numbers(work) == pytest.approx(
            [entry["work_normalised_error"]], rel=1e-3
        )
        shown += 1
    ran = [s for s in report["estimators"].values() if "failure" not in s]
    assert shown == 5 * len(ran)
    assert "soft at sigma 0.25 px" in table


def _record(estimates: np.ndarray) -> LabRecord:
    """A LabRecord of one component with the given `[B, R, 1]` estimates."""
    budgets = np.array([100, 400, 1600])
    return LabRecord(
        components=[Component("s.translate", (0,), "s.translate[0]")],
        budgets=budgets,
        seeds=np.arange(budgets.size * estimates.shape[1]).reshape(budgets.size, -1),
        exact=ExactGradient(
            value=np.array([2.0]),
            minus=np.array([2.0]),
            plus=np.array([2.0]),
            accuracy=np.array([1e-6]),
            agree=np.array([True]),
        ),
        estimators={
            "x": EstimatorRecord(estimates, np.full(estimates.shape[:2], 0.01))
        },
        settings={"adjoint": "given"},
    )


def test_deterministic_estimates_get_no_slope():
    summary = lab_summary(_record(np.full((3, 5, 1), 2.0)), scene="none")
    slope = summary["estimators"]["x"]["components"]["s.translate[0]"]["slope"]
    assert "zero spread" in slope["none"]
    # Spread at the float32 rounding level is not Monte Carlo noise either.
    rounding = 2.0 + 1e-12 * np.random.default_rng(1).normal(size=(3, 5, 1))
    summary = lab_summary(_record(rounding), scene="none")
    slope = summary["estimators"]["x"]["components"]["s.translate[0]"]["slope"]
    assert "rounding" in slope["none"]


def test_an_estimator_that_refuses_the_scene_is_reported_not_fatal(monkeypatch):
    import reynolds.estimator_lab as lab

    def refusing(scene, adjoint, *, edge_sampling, **options):
        if edge_sampling == "iid":
            raise SceneError("polygon scenes only")
        return backward(scene, adjoint, edge_sampling=edge_sampling, **options)

    monkeypatch.setattr(lab, "backward", refusing)
    record = run_lab(
        parse_scene(SCENE),
        params=["tri.translate"],
        estimators=["stratified", "iid"],
        budgets=[64, 128],
        repeat=3,
        arch=ARCH,
    )
    assert record.estimators["iid"].failure == "polygon scenes only"
    assert record.estimators["stratified"].failure is None
    report = lab_summary(record, scene="scene.json")
    assert report["estimators"]["iid"] == {"failure": "polygon scenes only"}


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--estimators",
            "stratified,bogus",
            "error: --estimators: unknown estimator 'bogus'",
        ),
        ("--params", "tri.bogus", "error: --params: unknown parameter 'tri.bogus'"),
        (
            "--params",
            "tri.fill",
            "error: --params: tri.fill is not a geometric parameter",
        ),
        ("--repeat", "2", "error: --repeat: at least 3 seeds"),
    ],
)
def test_a_cli_mistake_is_one_line_exit_2_nothing_written(
    tmp_path, capsys, option, value, message
):
    scene_path = tmp_path / "scene.json"
    scene_path.write_text(json.dumps(SCENE), encoding="utf-8")
    out = tmp_path / "out"
    status = main(["estimators", str(scene_path), option, value, "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.json"]
