"""Equal-time inverse rendering (reynolds.equal_time): error traces, and a small run of
every estimator whose record has the fields the figure and docs read. No assertion
depends on how fast the machine is."""

from __future__ import annotations

import json

import numpy as np
import pytest
from builders import scene_dict
from conftest import ARCH
from reynolds import SceneError, parse_scene, render_exact
from reynolds import equal_time as eq
from reynolds.estimators import EDGE_SAMPLINGS
from reynolds.json_text import json_text
from reynolds.optimize import History
from reynolds.plotting import equal_time_figure


def disc(center, radius):
    shape = {"id": "d", "type": "circle", "center": center, "radius": radius}
    return parse_scene(scene_dict(16, 16, [{**shape, "fill": [0.9, 0.5, 0.1]}]))


PARAMS = ["d.center", "d.radius"]


def test_error_trace_times_each_iterate_when_it_became_available():
    history = History(
        params=PARAMS,
        values=[
            {"d.center": [10.0, 11.0], "d.radius": 4.0},
            {"d.center": [7.0, 7.0], "d.radius": 4.5},
        ],
        seconds=[0.5, 1.25],
        final_values={"d.center": [7.0, 7.0], "d.radius": 4.0},
    )
    seconds, errors = eq.error_trace(history, disc([7.0, 7.0], 4.0))
    # |(3, 4, 0)| = 5 at the start, |(0, 0, 0.5)| once step 0 is done, 0 at the end.
    np.testing.assert_array_equal(seconds, [0.0, 0.5, 1.25])
    np.testing.assert_allclose(errors, [5.0, 0.5, 0.0], atol=1e-12)
    on_grid = eq.error_at(seconds, errors, np.array([0.0, 0.49, 0.5, 1.0, 2.0]))
    np.testing.assert_allclose(on_grid, [5.0, 5.0, 0.5, 0.5, 0.0], atol=1e-12)


def test_a_small_equal_time_run_records_every_estimator_and_seed():
    start, truth = disc([7.4, 8.7], 4.3), disc([8.3, 7.6], 5.2)
    finished = []
    record = eq.equal_time_runs(
        start,
        render_exact(truth),
        PARAMS,
        reference=truth,
        seconds=0.05,
        seeds=[0, 1000],
        arch=ARCH,
        on_run=finished.append,
    )
    estimators = list(EDGE_SAMPLINGS)
    assert record["settings"]["estimators"] == estimators and not record["skipped"]
    assert record["settings"]["seeds"] == [0, 1000]
    # The second seed starts with the second estimator (load drifts fall on all).
    order = [(r["estimator"], r["seed"]) for r in record["runs"]]
    assert order == [(e, 0) for e in estimators] + [
        (e, 1000) for e in estimators[1:] + estimators[:1]
    ]
    assert [(r.estimator, r.seed) for r in finished] == order
    initial = float(np.linalg.norm([0.9, 1.1, 0.9]))
    assert record["initial_error"] == pytest.approx(initial)
    for run in record["runs"]:
        seconds = np.array(run["seconds"])
        assert run["steps"] >= 1 and len(seconds) == run["steps"] + 1
        assert seconds[0] == 0.0 and np.all(np.diff(seconds) > 0)
        assert seconds[-1] >= 0.05 > seconds[-2]  # stopped by the budget, not sooner
        assert "time budget 0.05 s spent" in run["stopped"]
        assert run["errors"][0] == pytest.approx(initial)
    grid = np.array(record["grid"])
    assert grid[0] == 0 and grid[-1] == 0.05 and len(grid) == eq.GRID_POINTS
    for summary in record["summary"].values():
        low, median, high = (
            np.array(summary[k]) for k in ("error_q25", "error_median", "error_q75")
        )
        assert low.shape == median.shape == grid.shape
        assert np.all(low <= median) and np.all(median <= high)
        assert median[0] == pytest.approx(initial)
        assert summary["final_error_quartiles"][1] == median[-1]
    assert json.loads(json_text(record, indent=None, significant=5))["grid"][-1] == 0.05
    assert equal_time_figure(record).startswith(b"\x89PNG")


def test_an_estimator_that_refuses_the_scene_is_skipped_with_its_reason(monkeypatch):
    real = eq.optimize

    def optimize(*args, edge_sampling, **options):
        if edge_sampling == "iid":
            raise SceneError("not for this scene")
        return real(*args, edge_sampling=edge_sampling, **options)

    monkeypatch.setattr(eq, "optimize", optimize)
    start, truth = disc([7.4, 8.7], 4.3), disc([8.3, 7.6], 5.2)
    record = eq.equal_time_runs(
        start,
        render_exact(truth),
        PARAMS,
        reference=truth,
        seconds=0.01,
        seeds=[0],
        estimators=["stratified", "iid"],
        edge_samples=64,
        arch=ARCH,
    )
    assert record["settings"]["edge_samples"] == 64
    assert record["skipped"] == {"iid": "not for this scene"}
    assert list(record["summary"]) == ["stratified"]
    assert [r["estimator"] for r in record["runs"]] == ["stratified"]
    with pytest.raises(
        SceneError, match="no estimator applies: iid: not for this scene"
    ):
        eq.equal_time_runs(
            start,
            render_exact(truth),
            PARAMS,
            reference=truth,
            seconds=0.01,
            seeds=[0],
            estimators=["iid"],
            arch=ARCH,
        )


def test_unknown_clocks_and_estimators_are_errors_not_skips():
    start = disc([7.4, 8.7], 4.3)
    target = np.zeros((16, 16, 3))
    for options, match in (
        ({"clock": "sundial"}, "clock"),
        ({"estimators": ["sundial"]}, "edge_sampling"),
    ):
        with pytest.raises(ValueError, match=match):
            eq.equal_time_runs(
                start,
                target,
                PARAMS,
                reference=start,
                seconds=0.01,
                seeds=[0],
                arch=ARCH,
                **options,
            )
