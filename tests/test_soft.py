"""The soft rasteriser baseline, `edge_sampling="soft"` (docs/design.md §3.8).

Its geometry gradient is the exact derivative of `render_soft` with the same pixel
samples: checked against central differences of that image. It differentiates the wrong
image: the tests measure how far it lies from the exact gradient, which shrinks with the
temperature sigma and is large on a thin shape.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import scene_dict, square
from conftest import ARCH
from reynolds import (
    SceneError,
    backward,
    backward_with_stderr,
    derivative_image,
    exact_gradient,
    get_param,
    parse_scene,
    render_soft,
    set_param,
    smooth_adjoint,
)
from reynolds.estimators import EDGE_SAMPLINGS

# A rotated, translated polygon with a reflex vertex, a self-intersecting evenodd star
# (semi-transparent) and a semi-transparent circle over a coloured background: every
# branch of the soft composite and of the signed distance. The circle touches no pixel
# line tangentially (where the box-filtered image goes like (r - r0)^1.5 and the soft
# gradient converges more slowly).
SCENE = scene_dict(
    32,
    32,
    [
        {
            "type": "polygon",
            "id": "kite",
            "points": [[5, 6], [17, 4], [27, 13], [14, 11], [9, 26]],
            "fill": [1.0, 0.5, 0.2],
            "transform": {"translate": [1.25, 0.5], "rotate": 12, "scale": 1.0},
        },
        {
            "type": "polygon",
            "id": "star",
            "points": [[16, 8], [22, 26], [7, 14], [25, 14], [10, 26]],
            "fill": [0.3, 0.9, 0.1],
            "opacity": 0.6,
            "fill_rule": "evenodd",
        },
        {
            "type": "circle",
            "id": "sun",
            "center": [20.3, 19.6],
            "radius": 5.55,
            "fill": [0.2, 0.4, 1.0],
            "opacity": 0.8,
        },
    ],
    background=(0.1, 0.2, 0.3),
)
SPP = 8
SEED = 5
# Central-difference step, pixels: a power of two, so that float32 world coordinates
# below 64 px move by exactly the step. Small, because the signed distance has kinks on
# the medial axis of each polygon: a sample crossing one bends the sampled loss's slope
# by ~2 % (measured: about 500 such bends per pixel of translation on this scene), so a
# difference over +-2^-16 px meets one with probability ~6 % per parameter (none here
# with this seed); away from them the difference is accurate to ~1e-9.
STEP = 2.0**-16
FD_TOLERANCE = 1e-5  # relative to the largest component of the parameter's gradient


def _soft_loss(scene, adjoint, sigma) -> float:
    image = render_soft(scene, sigma=sigma, spp=SPP, seed=SEED, arch=ARCH)
    return float(np.sum(adjoint * image))


def _central_difference(scene, adjoint, name, sigma) -> np.ndarray:
    value = np.asarray(get_param(scene, name), dtype=np.float64)
    out = np.zeros(value.size)
    for i in range(value.size):
        step = np.zeros(value.size)
        step[i] = STEP
        plus = set_param(scene, name, (value.ravel() + step).reshape(value.shape))
        minus = set_param(scene, name, (value.ravel() - step).reshape(value.shape))
        out[i] = (
            _soft_loss(plus, adjoint, sigma) - _soft_loss(minus, adjoint, sigma)
        ) / (2 * STEP)
    return out


def test_soft_is_an_edge_sampling_option():
    assert "soft" in EDGE_SAMPLINGS


@pytest.mark.parametrize("sigma", [0.5, 0.125])
def test_soft_gradient_is_the_derivative_of_the_soft_image(sigma):
    """Polygon points (world = local: no transform), a transformed polygon's translate,
    circle centre and radius against central differences of `render_soft` with the same
    samples. This fails without the signed distance's gradient (the geometry gradient
    would be 0) and with the end points' weights (1 - t, t) swapped (tried)."""
    scene = parse_scene(SCENE)
    adjoint = smooth_adjoint(32, 32, seed=7)
    params = ["star.points", "kite.translate", "sun.center", "sun.radius"]
    grads = backward(
        scene,
        adjoint,
        params=params,
        spp=SPP,
        seed=SEED,
        edge_sampling="soft",
        soft_sigma=sigma,
        arch=ARCH,
    )
    for name in params:
        got = np.ravel(grads[name])
        expected = _central_difference(scene, adjoint, name, sigma)
        scale = np.abs(expected).max()
        assert scale > 0.5, name  # a real signal, not a vacuous comparison
        assert np.abs(got - expected).max() <= FD_TOLERANCE * scale, (
            name,
            got,
            expected,
        )


def test_soft_rotate_is_the_world_vertex_gradient_along_the_rotation():
    """dL/d(rotate) = sum_i g_i . dP_i/d(angle), with g_i the world-vertex gradient of the
    same polygon given by its world points and dP_i/d(angle) = R'(angle) (p_i - c) pi/180
    computed here. (A central difference in the angle itself is limited to ~1e-3: the
    float32 rounding of the rotated vertices, ~1e-6 px, against a step small enough to
    miss the medial-axis kinks, ~1e-4 px.)"""
    scene = parse_scene(SCENE)
    adjoint = smooth_adjoint(32, 32, seed=7)
    options = dict(spp=SPP, seed=SEED, edge_sampling="soft", arch=ARCH)
    got = backward(scene, adjoint, params=["kite.rotate"], **options)["kite.rotate"]
    local = np.array(SCENE["shapes"][0]["points"], dtype=np.float64)
    pivot = local.mean(axis=0)
    angle = math.radians(12.0)
    cos, sin = math.cos(angle), math.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    d_rotation = np.array([[-sin, -cos], [cos, -sin]])
    world = (local - pivot) @ rotation.T + pivot + [1.25, 0.5]
    plain = dict(SCENE, shapes=[dict(SCENE["shapes"][0]), *SCENE["shapes"][1:]])
    plain["shapes"][0]["points"] = world.tolist()
    del plain["shapes"][0]["transform"]
    g = backward(parse_scene(plain), adjoint, params=["kite.points"], **options)
    velocity = (local - pivot) @ d_rotation.T * (math.pi / 180.0)
    terms = g["kite.points"] * velocity
    expected = float(np.sum(terms))
    # The two scenes' float32 world vertices differ by rounding (< 1e-6 px), which moves
    # the gradient by ~1e-6 of its terms' size.
    scale = float(np.abs(terms).sum())
    assert abs(expected) > 0.03 * scale
    assert abs(float(got) - expected) <= 1e-5 * scale, (got, expected)


def test_soft_gradient_approaches_the_exact_gradient_as_sigma_shrinks():
    """Relative error |mean - exact| / |exact| over 12 components (triangle points,
    translate, rotate, circle centre and radius) with 16 seeds x 256 spp; measured 0.195,
    0.022, 0.0042 at sigma = 1, 0.25, 0.0625 px (standard errors 5e-5, 1.4e-4, 1e-3 of
    |exact|): the bias falls about linearly in sigma (rounded corners)."""
    scene = parse_scene(
        scene_dict(
            32,
            32,
            [
                {
                    "type": "polygon",
                    "id": "tri",
                    "points": [[6, 7], [26, 9], [12, 25]],
                    "fill": [1.0, 0.5, 0.2],
                },
                {
                    "type": "circle",
                    "id": "sun",
                    "center": [20.3, 19.6],
                    "radius": 5.55,
                    "fill": [0.2, 0.4, 1.0],
                    "opacity": 0.7,
                },
            ],
        )
    )
    params = ["tri.points", "tri.translate", "tri.rotate", "sun.center", "sun.radius"]
    adjoint = smooth_adjoint(32, 32, seed=7)
    exact = np.concatenate(
        [np.ravel(v) for v in exact_gradient(scene, adjoint, params=params).values()]
    )
    errors, stderrs = [], []
    for sigma in (1.0, 0.25, 0.0625):
        mean, stderr = backward_with_stderr(
            scene,
            adjoint,
            params=params,
            repeat=16,
            spp=256,
            edge_sampling="soft",
            soft_sigma=sigma,
            arch=ARCH,
        )
        errors.append(
            np.linalg.norm(np.concatenate([np.ravel(mean[p]) for p in params]) - exact)
        )
        stderrs.append(
            np.linalg.norm(np.concatenate([np.ravel(stderr[p]) for p in params]))
        )
    size = np.linalg.norm(exact)
    relative = np.array(errors) / size
    # Each step divides the error by at least 3 (measured 8.9 and 5.2); the last one
    # stays small against its own noise (1e-3 of |exact|, so 0.0042 is 4 standard errors
    # away from 0.015), and the first is far outside it.
    assert relative[0] > 0.1 and errors[0] > 100 * stderrs[0]
    assert relative[1] < relative[0] / 3
    assert relative[2] < relative[1] / 3
    assert relative[2] < 0.01


def test_soft_is_biased_on_a_thin_shape():
    """A bar 0.8 px wide at sigma = 1 px: its soft cover peaks at sigmoid(0.4) = 0.6, and
    d/d(translate x) comes out 2.7 times the exact value (measured -4.59 against -1.70,
    53 standard errors with 8 seeds x 16 spp)."""
    scene = parse_scene(
        scene_dict(
            24,
            24,
            [
                {
                    "type": "polygon",
                    "id": "bar",
                    "points": [[10.3, 3.2], [11.1, 3.4], [11.3, 20.6], [10.5, 20.8]],
                    "fill": [1.0, 1.0, 1.0],
                }
            ],
        )
    )
    adjoint = smooth_adjoint(24, 24, seed=3)
    exact = exact_gradient(scene, adjoint, params=["bar.translate"])["bar.translate"]
    mean, stderr = backward_with_stderr(
        scene,
        adjoint,
        params=["bar.translate"],
        repeat=8,
        spp=16,
        edge_sampling="soft",
        soft_sigma=1.0,
        arch=ARCH,
    )
    bias = mean["bar.translate"][0] - exact[0]
    assert abs(bias) > 20 * stderr["bar.translate"][0]
    assert abs(bias) > 0.5 * abs(exact[0])


def test_soft_gradient_is_reproducible_and_leaves_colours_to_the_interior_term():
    scene = parse_scene(SCENE)
    adjoint = smooth_adjoint(32, 32, seed=7)
    options = dict(spp=4, seed=2, arch=ARCH)
    first = backward(scene, adjoint, edge_sampling="soft", **options)
    second = backward(scene, adjoint, edge_sampling="soft", **options)
    hard = backward(scene, adjoint, **options)
    for name, value in first.items():
        assert np.array_equal(value, second[name]), name
    for name in ("star.fill", "star.opacity", "sun.fill", "background"):
        assert np.array_equal(first[name], hard[name]), name


@pytest.mark.parametrize("sigma", [0.0, -1.0, math.nan, math.inf, 1e-9, "wide"])
def test_soft_sigma_is_validated(sigma):
    scene = parse_scene(
        scene_dict(
            8,
            8,
            [
                {
                    "type": "polygon",
                    "id": "a",
                    "points": square(1, 1, 5, 5),
                    "fill": [1, 1, 1],
                }
            ],
        )
    )
    with pytest.raises(SceneError, match="soft_sigma"):
        backward(scene, np.ones((8, 8, 3)), edge_sampling="soft", soft_sigma=sigma)
    with pytest.raises(SceneError, match="soft_sigma"):
        render_soft(scene, sigma=sigma)


def test_derivative_image_refuses_soft():
    scene = parse_scene(SCENE)
    with pytest.raises(
        SceneError, match="edge_sampling .soft. has no derivative-image"
    ):
        derivative_image(scene, "sun.radius", edge_sampling="soft", arch=ARCH)
