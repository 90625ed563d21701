"""Where the image is not differentiable, the estimate is a one-sided derivative: bounded,
deterministic in distribution, and inside the Clarke generalised gradient
(docs/nonsmooth.md).

One-sided references are exact differences of the exact image with step 1e-5 (the exact
image is piecewise smooth, so these are exact to ~1e-5 relative).
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import scene_dict, square
from conftest import ARCH
from reynolds import get_param, parse_scene, render_exact, set_param
from reynolds.backward import backward, backward_with_stderr

ONE_SIDED_STEP = 1e-5


def rect(pid, x0, y0, x1, y1, grey, **extra):
    return {
        "id": pid,
        "type": "polygon",
        "points": square(x0, y0, x1, y1),
        "fill": [grey] * 3,
        **extra,
    }


def one_sided(scene, adjoint, name, component=0):
    """(derivative for the parameter increasing, for it decreasing), exact."""

    def loss(delta):
        value = get_param(scene, name).reshape(-1).copy()
        value[component] += delta
        moved = set_param(scene, name, value.reshape(get_param(scene, name).shape))
        return float(np.sum(adjoint * render_exact(moved)))

    h = ONE_SIDED_STEP
    base = loss(0.0)
    return (loss(h) - base) / h, (base - loss(-h)) / h


def test_design_worked_example_is_a_point_of_the_clarke_set():
    # DESIGN.md section 3: pixel [0, 1]; A = [0, a] colour 1 on top, B = [b, 1] colour 2
    # below, background 0: I(a, b) = a + 2 (1 - max(a, b)). At a = b = 1/2 the Clarke set
    # is conv{(-1, 0), (1, -2)}. Point evaluation with the closed convention gives
    # (-1, 0): the A edge sees B as covering the point (jump 1 - 2), the B edge sees A on
    # top on both sides (no jump). An epsilon step off each edge would give (-1, -1),
    # counting the shared edge twice, outside the Clarke set.
    shapes = [rect("B", 0.5, -1, 2, 2, 2.0), rect("A", -1, -1, 0.5, 2, 1.0)]
    scene = parse_scene(scene_dict(1, 1, shapes))
    adjoint = np.full((1, 1, 3), 1.0 / 3.0)  # the mean of the channels: I(a, b) itself
    for seed in range(4):
        g = backward(
            scene, adjoint, params=["A.translate", "B.translate"], seed=seed, arch=ARCH
        )
        da, db = g["A.translate"][0], g["B.translate"][0]
        # The integrand is constant along the edge: the estimate is exact for every seed
        # (to the float32 rounding of the adjoint 1/3).
        assert (da, db) == pytest.approx((-1.0, 0.0), abs=1e-6)
    # The exact one-sided derivatives bracket it as the theory says.
    up_a, down_a = one_sided(scene, adjoint, "A.translate")
    up_b, down_b = one_sided(scene, adjoint, "B.translate")
    assert (up_a, down_a) == pytest.approx((-1.0, 1.0), abs=1e-6)
    assert (up_b, down_b) == pytest.approx((-2.0, 0.0), abs=1e-6)
    # (da, db) = (up_a, down_b): both taken from the side a > b, one point of the set.


def test_coincident_edges_of_two_shapes_give_a_one_sided_derivative():
    # Two squares share the edge x = 16.5; right_sq is on top. Moving left_sq's right edge
    # right hides the new area under right_sq (0); moving it left uncovers background.
    shapes = [
        rect("left_sq", 4.3, 4.2, 16.5, 15.7, 0.8),
        rect("right_sq", 16.5, 4.2, 27.8, 15.7, 0.2),
    ]
    scene = parse_scene(scene_dict(32, 20, shapes, background=(1, 1, 1)))
    adjoint = np.random.default_rng(5).uniform(0.5, 1.5, (20, 32, 3))
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=["left_sq.points"], repeat=16, arch=ARCH
    )
    # x of vertices 1 and 2 (the shared edge): the closed convention makes right_sq
    # cover the edge, so the estimate is the derivative for the edge moving right: 0.
    for vertex in (1, 2):
        up, down = one_sided(scene, adjoint, "left_sq.points", component=2 * vertex)
        assert up == pytest.approx(0.0, abs=1e-6) and abs(down) > 1.0
        assert mean["left_sq.points"][vertex, 0] == pytest.approx(up, abs=1e-9)


@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_edge_on_a_pixel_boundary_gives_one_of_the_one_sided_derivatives(direction):
    # The right edge of the square lies on the column boundary x = 5. With an adjoint
    # that differs between columns 4 and 5 the one-sided derivatives differ; the
    # estimate must lie between them (here it equals the one whose motion enters the
    # higher-index column). The parameter moves the edge by `direction` per unit.
    shapes = [
        {
            "id": "sq",
            "type": "polygon",
            "points": square(2.3, 1.3, 5.0, 4.6),
            "fill": [1, 1, 1],
            "transform": {"scale": 1.0},
        }
    ]
    scene = parse_scene(scene_dict(8, 6, shapes))
    adjoint = np.ones((6, 8, 3))
    adjoint[:, 5:] = 3.0
    name = "sq.points"
    mean, stderr = backward_with_stderr(
        scene, adjoint * direction, params=[name], repeat=16, arch=ARCH
    )
    for vertex in (1, 2):
        up, down = one_sided(scene, adjoint * direction, name, component=2 * vertex)
        lo, hi = min(up, down), max(up, down)
        assert hi - lo > 0.5  # genuinely not differentiable
        est = mean[name][vertex, 0]
        assert (
            lo - 5 * stderr[name][vertex, 0] - 1e-9
            <= est
            <= hi + 5 * stderr[name][vertex, 0] + 1e-9
        )


def test_degenerate_polygon_gradient_lies_between_its_one_sided_derivatives():
    # Three collinear points: zero area, and moving the middle vertex off the line in
    # either direction adds area, so the one-sided derivatives differ in sign. (In the
    # float32 kernels the points are a sliver ~1e-7 px wide; either way the estimate must
    # lie between the exact one-sided derivatives.)
    shapes = [
        {
            "id": "flat",
            "type": "polygon",
            "points": [[3.3, 3.1], [9.4, 6.15], [15.5, 9.2]],
            "fill": [1, 0, 0],
        }
    ]
    scene = parse_scene(scene_dict(20, 12, shapes, background=(0, 0, 1)))
    adjoint = np.zeros((12, 20, 3))
    adjoint[..., 0] = (
        1.0  # the red channel, where the shape differs from the background
    )
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=["flat.points", "flat.fill"], repeat=16, arch=ARCH
    )
    assert np.all(mean["flat.fill"] == 0.0)  # no pixel sample sees a zero-area shape
    up, down = one_sided(
        scene, adjoint, "flat.points", component=3
    )  # y of the middle vertex
    assert up * down < 0
    for component in range(6):
        up, down = one_sided(scene, adjoint, "flat.points", component=component)
        est = mean["flat.points"].reshape(-1)[component]
        se = stderr["flat.points"].reshape(-1)[component]
        assert min(up, down) - 5 * se - 1e-6 <= est <= max(up, down) + 5 * se + 1e-6, (
            component
        )


def test_vertex_on_a_pixel_corner_is_differentiable_and_matches():
    # Only axis-aligned edges on pixel lines break differentiability; a slanted edge
    # through a pixel corner does not.
    shapes = [
        {
            "id": "t",
            "type": "polygon",
            "points": [[3.0, 2.0], [12.7, 4.3], [6.1, 11.4]],
            "fill": [0.9, 0.4, 0.1],
        }
    ]
    scene = parse_scene(scene_dict(16, 14, shapes, background=(0.1, 0.1, 0.1)))
    adjoint = np.random.default_rng(2).uniform(-1, 1, (14, 16, 3))
    up, down = one_sided(scene, adjoint, "t.points", component=0)
    assert up == pytest.approx(down, rel=1e-3)
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=["t.points"], repeat=32, arch=ARCH
    )
    assert (
        abs(mean["t.points"][0, 0] - 0.5 * (up + down))
        <= 5 * stderr["t.points"][0, 0] + 1e-6
    )


def test_edge_along_the_canvas_border_is_bounded():
    # The left edge x = 0 lies on the canvas border: moving it left changes nothing,
    # moving it right uncovers the background. The estimate must lie between.
    shapes = [rect("sq", 0.0, 1.3, 4.6, 5.2, 1.0)]
    scene = parse_scene(scene_dict(8, 6, shapes))
    adjoint = np.ones((6, 8, 3))
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=["sq.points"], repeat=8, arch=ARCH
    )
    up, down = one_sided(scene, adjoint, "sq.points", component=0)
    est, se = mean["sq.points"][0, 0], stderr["sq.points"][0, 0]
    assert {round(up, 6), round(down, 6)} == {0.0, -5.85}  # 3 channels x 3.9 px / 2
    assert min(up, down) - 5 * se - 1e-6 <= est <= max(up, down) + 5 * se + 1e-6


def test_edges_on_both_canvas_borders_are_counted_once():
    # A band from the left border to the right border, adjoint -1 on column 0 and +1 on
    # the last column: the loss is differentiable in x (both one-sided derivatives are
    # 10.2). The canvas is half-open: the edge on x = W has no pixel to its right and adds
    # nothing, so the estimate is 10.2, not 20.4. (Found by review.)
    shapes = [rect("band", 0.0, 1.3, 8.0, 4.7, 1.0)]
    scene = parse_scene(scene_dict(8, 6, shapes))
    adjoint = np.zeros((6, 8, 3))
    adjoint[:, 0] = -1.0
    adjoint[:, 7] = 1.0
    up, down = one_sided(scene, adjoint, "band.translate", component=0)
    assert up == pytest.approx(10.2, abs=1e-5) and down == pytest.approx(10.2, abs=1e-5)
    mean, _ = backward_with_stderr(
        scene, adjoint, params=["band.translate"], repeat=4, arch=ARCH
    )
    assert mean["band.translate"][0] == pytest.approx(10.2, abs=1e-6)
