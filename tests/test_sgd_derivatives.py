"""Derivatives of SGD iterates (docs/sgd-derivatives.md): the recursion against finite
differences of the iterates, the exact reference against known answers, and the claims
of the experiments (plateau, slope, linear rate) with stated seeds and tolerances.

The colour problem (`sgd_experiments.colour_problem`): two fills on a 20 x 20 canvas,
targets rendered exactly from known fills, so x* = x0_true and, for the blend toward
the realisable T1, J* = x1_true - x0_true exactly (the image is affine in the fills).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ARCH
from reynolds import (
    BlendTarget,
    L2Weight,
    ParamVector,
    SceneParameter,
    differentiate_iterates,
    exact_reference,
    get_param,
    render_exact,
    save_scene,
)
from reynolds.cli import main
from reynolds.errors import SceneError
from reynolds.optimize import adam_init, adam_update, optimize
from reynolds.sgd_derivatives import AdamTangent, adam_tangent, batch_weights
from reynolds.sgd_experiments import (
    CIRCLE_MOVED,
    CIRCLE_PARAMS,
    CIRCLE_TRUE,
    COLOUR_BLEND,
    COLOUR_PARAMS,
    COLOUR_TARGET,
    circle_problem,
    circle_scene,
    colour_problem,
    constant_steps,
    interpolation,
    inverse_steps,
)
from reynolds.sgd_problem import make_problem

TRUE_X = np.concatenate(COLOUR_TARGET)
TRUE_J = np.concatenate(COLOUR_BLEND) - TRUE_X


def colour_run(target=None, hyper=None, **options):
    scene, target0, blend = colour_problem()
    settings = {"steps": 30, "lr": 2.0, "spp": 4, "seed": 5, "arch": ARCH}
    return differentiate_iterates(
        scene,
        target0 if target is None else target,
        params=COLOUR_PARAMS,
        hyper=blend if hyper is None else hyper,
        **{**settings, **options},
    )


def test_iterates_are_those_of_optimize_with_sgd():
    # The same seeds per step as `optimize`; the affine image model differs from the
    # render by float32 rounding only (~1e-7 per pixel), hence 1e-6.
    scene, target, _ = colour_problem()
    run = colour_run(steps=10)
    result, _ = optimize(
        scene,
        target,
        params=COLOUR_PARAMS,
        steps=10,
        optimizer="sgd",
        lr={"fill": 2.0},
        schedule="constant",
        spp=4,
        seed=5,
        arch=ARCH,
    )
    for name in COLOUR_PARAMS:
        np.testing.assert_allclose(
            run.values()[name], get_param(result, name), atol=1e-6
        )
    assert not np.allclose(run.x[-1], run.x[0])  # the run moved


def test_J_equals_finite_differences_of_iterates_for_a_blend():
    # With fixed samples the iterates are affine in the blend weight (g is affine in x
    # and in T), so a central difference over any step is exact: only float64 rounding
    # (~1e-16 per operation, 30 steps) remains; 1e-12 allows for it.
    _, target, blend = colour_problem()
    h = 0.5
    run = colour_run()
    plus = colour_run(target=target + h * (blend.target - target))
    minus = colour_run(target=target - h * (blend.target - target))
    np.testing.assert_allclose((plus.x - minus.x) / (2 * h), run.J, rtol=0, atol=1e-12)
    assert np.abs(run.J[-1]).max() > 0.1


@pytest.mark.parametrize("optimizer, lr", [("sgd", 2.0), ("adam", 0.02)])
def test_J_equals_finite_differences_of_iterates_for_an_l2_weight(optimizer, lr):
    # x_k is a polynomial (SGD) or smooth (Adam) function of the weight; Richardson
    # extrapolation of central differences at h = 1e-3 and 5e-4 leaves O(h^4) ~ 1e-11
    # and rounding ~1e-16 / 5e-4: 1e-9 bounds both (measured 1e-11 and below).
    weight = 0.3

    def x_at(w):
        return colour_run(hyper=L2Weight(w), optimizer=optimizer, lr=lr).x

    def central(h):
        return (x_at(weight + h) - x_at(weight - h)) / (2 * h)

    extrapolated = (4 * central(5e-4) - central(1e-3)) / 3
    run = colour_run(hyper=L2Weight(weight), optimizer=optimizer, lr=lr)
    np.testing.assert_allclose(extrapolated, run.J, rtol=0, atol=1e-9)
    assert np.abs(run.J[-1]).max() > 0.05


def test_adam_tangent_is_the_derivative_of_adam_update():
    # Three Adam steps on gradients that depend on theta smoothly; central difference
    # with h = 1e-6 of float64 arithmetic: error ~1e-10.
    rng = np.random.default_rng(4)
    g0, g1 = rng.normal(size=(2, 3, 5))
    lr = np.full(5, 0.1)

    def steps(theta):
        state, total = adam_init(5), np.zeros(5)
        for k in range(3):
            step, state = adam_update(g0[k] + theta * g1[k], state, lr)
            total += step
        return total

    state, tangent, d_total = adam_init(5), AdamTangent(np.zeros(5), np.zeros(5)), 0
    for k in range(3):
        _, state = adam_update(g0[k], state, lr)
        d_step, tangent = adam_tangent(g0[k], g1[k], state, tangent, lr)
        d_total = d_total + d_step
    h = 1e-6
    np.testing.assert_allclose(
        d_total, (steps(h) - steps(-h)) / (2 * h), rtol=0, atol=1e-8
    )


def test_batch_weights_have_mean_one_on_K_pixels():
    weights = batch_weights((6, 5, 3), 7, step_seed=11)
    assert weights.shape == (6, 5, 1)
    assert np.count_nonzero(weights) == 7
    assert weights.mean() == pytest.approx(1.0)
    assert np.array_equal(weights, batch_weights((6, 5, 3), 7, step_seed=11))
    assert not np.array_equal(weights, batch_weights((6, 5, 3), 7, step_seed=12))


def test_exact_reference_and_exact_iterates_on_the_quadratic_instance():
    # F is quadratic in the fills: the reference must give x* = x0_true and
    # J* = x1_true - x0_true (known independently of the code) to rounding, and exact
    # gradients with a constant step must drive J_k to J* linearly (to 1e-6 in 200
    # steps: contraction 1 - a mu = 0.5 per step here).
    scene, target, blend = colour_problem()
    reference = exact_reference(scene, target, params=COLOUR_PARAMS, hyper=blend)
    np.testing.assert_allclose(reference.x_star, TRUE_X, atol=1e-10)
    np.testing.assert_allclose(reference.J_star, TRUE_J, atol=1e-10)
    assert reference.J_star_error.max() < 1e-10
    run = colour_run(gradients="exact", steps=200, lr=4.0)
    assert np.abs(run.J[-1] - TRUE_J).max() < 1e-6
    assert np.abs(run.x[-1] - TRUE_X).max() < 1e-6


def test_exact_reference_for_an_l2_weight_matches_the_closed_form():
    # F = mean((A x + b - T)^2) + (w/2)||x - x_0||^2 with T realised at x_true:
    # x* = (H + w I)^-1 (H x_true + w x_0) and J* = dx*/dw = -(H + w I)^-1 (x* - x_0),
    # with H the Hessian of the squared error alone (from the w = 0 reference; F is
    # quadratic, so H is exact to rounding).
    scene, target, blend = colour_problem()
    hessian = exact_reference(scene, target, params=COLOUR_PARAMS, hyper=blend).hessian
    weight, x0 = 0.05, np.full(6, 0.5)
    shifted = hessian + weight * np.eye(6)
    x_star = np.linalg.solve(shifted, hessian @ TRUE_X + weight * x0)
    reference = exact_reference(
        scene, target, params=COLOUR_PARAMS, hyper=L2Weight(weight)
    )
    np.testing.assert_allclose(reference.x_star, x_star, atol=1e-10)
    np.testing.assert_allclose(
        reference.J_star, -np.linalg.solve(shifted, x_star - x0), atol=1e-9
    )


def test_constant_step_plateau_shrinks_when_the_step_is_halved():
    # Plateau: RMS of ||J_k - J*|| over 4 runs (seeds 0, 1e5, 2e5, 3e5) and steps
    # 60..119 (4 spp). Near J* the error follows e' = (1 - a lambda) e - a noise, whose
    # stationary mean square is a s^2 / (lambda (2 - a lambda)): halving a scales the
    # RMS by sqrt((2 - a lambda) / (2 (2 - a lambda / 2))) = 0.65 for a = 4 and the
    # Hessian's eigenvalues 0.125-0.139. Over 6 disjoint groups of 4 seeds the measured
    # ratio was 0.63-0.67.
    record = constant_steps(rates=(4.0, 2.0), steps=120, seeds=range(4), arch=ARCH)
    large, small = (c["J_plateau"] for c in record["curves"].values())
    assert 0.55 < small / large < 0.75


def test_inverse_steps_mean_square_falls_like_one_over_k():
    # a_k = 12 / k, 1 spp, 8 runs (seeds 0 .. 7e5), 300 steps, slope fitted over
    # k = 30..300. The bound is O(log(k)^2 / k) (local slope -0.64 here); for fills the
    # J recursion does not involve x and the mean square is Theta(1/k) (slope -1).
    # Over 6 disjoint groups of 8 runs the fitted slope was -1.05 .. -1.33 (these
    # seeds: -1.16).
    record = inverse_steps(
        rate=12.0, steps=300, seeds=range(8), spp=1, fit_from=30, arch=ARCH
    )
    assert -1.6 < record["J_slope"] < -0.75


def test_interpolation_converges_linearly_at_the_mean_rate():
    # Exact pixels, 16-pixel batches, realisable T0 and T1: the noise vanishes at
    # x*(theta) for every theta and J_k converges linearly. Its mean contracts by
    # 1 - a mu per step (mu the smallest eigenvalue of the exact Hessian); the fitted
    # rate of one run (seed 0) must lie within 0.02 of it (1 - a mu = 0.8754; seeds
    # 0-9 measured 0.8721-0.8728).
    record = interpolation(rate=1.0, batch_pixels=16, steps=200, seed=0)
    mu = np.linalg.eigvalsh(np.array(record["problem"]["reference"]["hessian"]))[0]
    assert abs(record["J_error_rate"] - (1 - mu)) < 0.02
    assert record["J_error"][-1] < 1e-8 * record["J_error"][0]


def test_naive_geometric_J_never_moves_and_reynolds_J_approaches_J_star():
    # The circle of experiment (d): blend toward the disc moved 1 px right. J* from
    # the exact reference at the true disc (a realisable target, so Gauss-Newton and
    # the full Hessian agree there). Reynolds: 60 steps of a = 40 (seed 0, 4 spp); the
    # mean of J_k over the last 20 steps within 6 % of ||J*|| (seeds 0, 1000, ..., 4000
    # measured 0.9-2.0 %; without the boundary term the error would be 100 %).
    scene, target = circle_problem()
    true = circle_scene(*CIRCLE_TRUE)
    hyper = BlendTarget(render_exact(circle_scene(*CIRCLE_MOVED)))
    reference = exact_reference(
        scene,
        target,
        params=CIRCLE_PARAMS,
        hyper=hyper,
        start=ParamVector(true, CIRCLE_PARAMS).flatten(true),
        circle_tolerance=1e-4,
    )
    options = {"params": CIRCLE_PARAMS, "hyper": hyper, "steps": 60, "lr": 40.0}
    naive = differentiate_iterates(
        scene, target, gradients="naive", spp=4, arch=ARCH, **options
    )
    assert np.all(naive.J == 0) and np.all(naive.x == naive.x[0])
    run = differentiate_iterates(scene, target, spp=4, arch=ARCH, **options)
    error = np.linalg.norm(run.J[-20:].mean(axis=0) - reference.J_star)
    assert error < 0.06 * np.linalg.norm(reference.J_star)


def test_a_held_scene_parameter_that_is_also_optimised_is_refused():
    scene, target, _ = colour_problem()
    with pytest.raises(ValueError, match="cannot also be optimised"):
        differentiate_iterates(
            scene,
            target,
            params=COLOUR_PARAMS,
            hyper=SceneParameter("a.fill", 1),
            steps=1,
            lr=1.0,
        )


def test_the_image_is_affine_only_in_colours_with_fixed_geometry():
    colour_scene_, target, blend = colour_problem()
    circle_start, circle_target = circle_problem()
    assert make_problem(
        colour_scene_, target, params=COLOUR_PARAMS, hyper=blend
    ).is_affine
    assert not make_problem(
        circle_start, circle_target, params=CIRCLE_PARAMS, hyper=L2Weight(0.0)
    ).is_affine
    # Colours optimised while theta moves an occluder: the coverage depends on theta.
    assert not make_problem(
        circle_start,
        circle_target,
        params=["disc.fill"],
        hyper=SceneParameter("bar.translate", 0),
    ).is_affine
    assert make_problem(
        circle_start,
        circle_target,
        params=["disc.fill"],
        hyper=SceneParameter("background", 2),
    ).is_affine


def test_a_pixel_batch_larger_than_the_canvas_is_refused():
    with pytest.raises(ValueError, match="a pixel batch must hold 1 to 400 pixels"):
        colour_run(batch_pixels=401)


def test_cli_writes_derivatives_json(tmp_path):
    scene, target, blend = colour_problem()
    start = tmp_path / "start.json"
    save_scene(scene, start)
    np.save(tmp_path / "T.npy", target)
    np.save(tmp_path / "T1.npy", blend.target)
    out = tmp_path / "out"
    status = main(
        [
            "sgd-derivatives",
            str(start),
            "--target",
            str(tmp_path / "T.npy"),
            "--params",
            "a.fill,b.fill",
            "--hyper",
            f"blend:{tmp_path / 'T1.npy'}",
            "--steps",
            "40",
            "--lr",
            "4",
            "--gradients",
            "exact",
            "--arch",
            ARCH,
            "--out",
            str(out),
        ]
    )
    assert status == 0
    record = json.loads((out / "derivatives.json").read_text())
    assert (
        set(record["x"])
        == set(record["J"])
        == set(record["J_star"])
        == {
            "a.fill",
            "b.fill",
        }
    )
    assert np.shape(record["J"]["a.fill"]) == (3,)
    np.testing.assert_allclose(
        np.concatenate([record["J_star"]["a.fill"], record["J_star"]["b.fill"]]),
        TRUE_J,
        atol=1e-10,
    )
    assert len(record["history"]) == 40
    assert record["history"][-1]["J_error"] < 1e-3 * record["history"][0]["J_error"]
    assert (out / "derivatives.png").stat().st_size > 0


@pytest.mark.parametrize(
    "hyper, message",
    [
        ("l2:-1", "--hyper: the L2 weight must be finite and >= 0"),
        ("l2:abc", "--hyper: expected l2:WEIGHT"),
        ("nope.fill", "--hyper: unknown parameter 'nope.fill'"),
        ("a.fill:7", "--hyper: a.fill has 3 component(s)"),
        ("a.fill", "a.fill is the hyper-parameter"),
    ],
)
def test_cli_errors_are_one_line_and_write_nothing(tmp_path, capsys, hyper, message):
    scene, target, _ = colour_problem()
    save_scene(scene, tmp_path / "start.json")
    np.save(tmp_path / "T.npy", target)
    out = tmp_path / "out"
    status = main(
        [
            "sgd-derivatives",
            str(tmp_path / "start.json"),
            "--target",
            str(tmp_path / "T.npy"),
            "--params",
            "a.fill,b.fill",
            "--hyper",
            hyper,
            "--steps",
            "2",
            "--lr",
            "1",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not out.exists()


@pytest.mark.parametrize("edge_sampling", ["soft", "importance"])
def test_an_estimator_without_tangent_mode_is_refused_before_any_step(edge_sampling):
    # Geometric parameters need derivative images; soft and importance have none. The
    # refusal names the option, not a failing iterate (it said "iterate 0 left the
    # valid set" before).
    scene, target = circle_problem()
    hyper = BlendTarget(render_exact(circle_scene(*CIRCLE_MOVED)))
    with pytest.raises(SceneError, match="no derivative-image") as caught:
        differentiate_iterates(
            scene,
            target,
            params=CIRCLE_PARAMS,
            hyper=hyper,
            steps=1,
            lr=1.0,
            edge_sampling=edge_sampling,
            arch=ARCH,
        )
    assert "iterate" not in str(caught.value)


def test_an_estimator_without_tangent_mode_serves_colour_parameters():
    # Colour tangents do not use the boundary estimator: soft is allowed there.
    run = colour_run(edge_sampling="soft", steps=2)
    assert np.all(np.isfinite(run.J))
