"""Where the image is not differentiable, the estimate is the midpoint of the one-sided
derivatives, for every parameter at once (docs/design.md §4, docs/nonsmooth.md).

Every case compares, for every unbiased boundary estimator (`reynolds.estimators.UNBIASED`:
stratified, iid, length, antithetic, importance, ...), the mean of `backward` over K = 64
seeds (0..63; 256 for the estimators that sample by mass over the whole boundary; 16
pixel samples, 16 edge samples per pixel of boundary) with the exact one-sided derivatives d- and d+ of
`exact_one_sided` (Richardson-extrapolated one-sided differences of the exact image):
|mean - (d- + d+) / 2| <= 5 sqrt(stderr^2 + accuracy^2) per component, where the
accuracy is the reference's error bound plus the float32 rounding of the kernels
(`reference_accuracy`). The
midpoint lies inside [min(d-, d+), max(d-, d+)], so this also pins the Clarke interval,
and it is not 0 where the interval straddles 0. Each case also asserts that it really is
non-smooth (some component has d- != d+), and that the naive estimator (no boundary
term) fails the same comparison, so the test can fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import scene_dict, square
from conftest import ARCH
from reynolds import exact_one_sided, parse_scene
from reynolds.backward import backward, backward_with_stderr
from reynolds.estimators import UNBIASED
from reynolds.nonsmooth import sweep
from reynolds.validation import reference_accuracy

REPEAT = 64
# Estimators that spread samples over the whole boundary by mass ("length", "iid",
# "importance") give a short piece a sample only in some runs: their per-run values are
# skewed, and 64 runs understated the standard error (measured on the coincident-edge
# case: 0.0025 from seeds 0..63 against 0.0063 from 400 seeds), so they get 256 seeds.
REPEAT_BY_MASS = 256
Z_MAX = 5.0  # a normal tail beyond 5 sigma: 6e-7 per component

POLYGON_KINDS = ["points", "points[1]", "translate", "rotate", "scale"]
CIRCLE_KINDS = ["center", "radius", "translate", "scale"]


def rect(pid, x0, y0, x1, y1, fill, **extra):
    return {
        "id": pid,
        "type": "polygon",
        "points": square(x0, y0, x1, y1),
        "fill": list(fill),
        **extra,
    }


def circle(pid, cx, cy, r, fill, **extra):
    return {
        "id": pid,
        "type": "circle",
        "center": [cx, cy],
        "radius": r,
        "fill": list(fill),
        **extra,
    }


def noise_adjoint(height, width, seed=3):
    # White noise: neighbouring columns and rows differ, so an edge on a pixel line has
    # genuinely different one-sided derivatives.
    return np.random.default_rng(seed).normal(size=(height, width, 3))


def midpoint_z(
    scene,
    adjoint,
    params,
    *,
    estimator="reynolds",
    edge_sampling="stratified",
    exact=None,
):
    """{name: z} of the mean over REPEAT seeds against the one-sided midpoint, and the
    exact one-sided derivatives."""
    if exact is None:
        exact = exact_one_sided(scene, adjoint, params=params)
    by_mass = edge_sampling in ("iid", "length", "importance")
    mean, stderr = backward_with_stderr(
        scene,
        adjoint,
        params=params,
        repeat=REPEAT_BY_MASS if by_mass else REPEAT,
        estimator=estimator,
        edge_sampling=edge_sampling,
        arch=ARCH,
    )
    z = {}
    for name in params:
        mid = 0.5 * (exact.minus[name] + exact.plus[name])
        accuracy = reference_accuracy(exact, name)
        scale = np.sqrt(stderr[name] ** 2 + accuracy**2)
        z[name] = (mean[name] - mid) / np.maximum(scale, 1e-12)
    return z, exact, mean


def assert_midpoint(scene, adjoint, params, *, nonsmooth=True):
    """The rule's prediction holds for every component with every unbiased boundary
    estimator; the case is (or is not) non-smooth as stated; and dropping the boundary
    term breaks the prediction. Returns the exact one-sided derivatives and the
    stratified estimator's mean."""
    exact = exact_one_sided(scene, adjoint, params=params)
    means = {}
    report = []
    for edge_sampling in UNBIASED:
        z, _, means[edge_sampling] = midpoint_z(
            scene, adjoint, params, edge_sampling=edge_sampling, exact=exact
        )
        mean = means[edge_sampling]
        for name in params:
            for idx in np.ndindex(np.shape(z[name])):
                report.append(
                    f"{edge_sampling} {name}{list(idx)}: estimate "
                    f"{np.asarray(mean[name])[idx]:.6g} "
                    f"d- {np.asarray(exact.minus[name])[idx]:.6g} "
                    f"d+ {np.asarray(exact.plus[name])[idx]:.6g} "
                    f"z {np.asarray(z[name])[idx]:.2f}"
                )
        worst = max(float(np.max(np.abs(v))) for v in z.values())
        assert worst <= Z_MAX, "\n".join(report)
    mean = means["stratified"]
    kinked = any(not np.all(exact.agree[name]) for name in params)
    assert kinked == nonsmooth, "\n".join(report)
    naive_z, _, _ = midpoint_z(scene, adjoint, params, estimator="naive", exact=exact)
    assert max(float(np.max(np.abs(v))) for v in naive_z.values()) > Z_MAX
    return exact, mean


def names(shape_id, kinds):
    return [f"{shape_id}.{kind}" for kind in kinds]


def test_edges_on_interior_pixel_lines():
    # Every edge of the rectangle lies on a pixel line; rotation and scaling move the two
    # halves of each edge into different pixels.
    shapes = [rect("sq", 3.0, 2.0, 11.0, 8.0, (0.9, 0.5, 0.2))]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(0.1, 0.2, 0.3)))
    assert_midpoint(scene, noise_adjoint(12, 16), names("sq", POLYGON_KINDS))


def test_edges_on_the_canvas_border():
    # Left and top edges on the border x = 0 and y = 0: the pixel beyond has adjoint 0.
    shapes = [rect("sq", 0.0, 0.0, 7.3, 5.6, (0.9, 0.5, 0.2))]
    scene = parse_scene(scene_dict(12, 10, shapes, background=(0.1, 0.2, 0.3)))
    assert_midpoint(scene, noise_adjoint(10, 12), names("sq", POLYGON_KINDS))


def test_a_shape_spanning_the_whole_canvas():
    # All four edges on the canvas border, under a smaller shape on top.
    shapes = [
        rect("page", 0.0, 0.0, 12.0, 10.0, (0.9, 0.5, 0.2)),
        rect("mark", 3.4, 2.6, 7.8, 6.1, (0.1, 0.7, 0.3), opacity=0.6),
    ]
    scene = parse_scene(scene_dict(12, 10, shapes, background=(0.1, 0.2, 0.3)))
    assert_midpoint(scene, noise_adjoint(10, 12), names("page", POLYGON_KINDS))


def test_abutting_shapes_sharing_an_edge_on_a_pixel_line():
    # The shared edge x = 7 is both a pixel line and the boundary of the other shape:
    # the pixel and the other shape's cover are both taken beside the point, per side.
    shapes = [
        rect("left", 2.0, 2.0, 7.0, 9.0, (0.9, 0.5, 0.2)),
        rect("right", 7.0, 3.0, 13.0, 8.0, (0.2, 0.3, 0.9), opacity=0.8),
    ]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(1.0, 1.0, 1.0)))
    params = names("left", POLYGON_KINDS) + names("right", POLYGON_KINDS)
    assert_midpoint(scene, noise_adjoint(12, 16), params)


def test_coincident_edges_off_pixel_lines():
    # Two squares share the edge x = 16.5 (not a pixel line); right_sq is on top.
    shapes = [
        rect("left_sq", 4.3, 4.2, 16.5, 15.7, (0.8, 0.8, 0.8)),
        rect("right_sq", 16.5, 4.2, 27.8, 15.7, (0.2, 0.2, 0.2)),
    ]
    scene = parse_scene(scene_dict(32, 20, shapes, background=(1, 1, 1)))
    adjoint = np.random.default_rng(5).uniform(0.5, 1.5, (20, 32, 3))
    params = ["left_sq.points", "left_sq.translate", "right_sq.points"]
    assert_midpoint(scene, adjoint, params)


def test_vertices_on_pixel_corners_are_differentiable():
    # Slanted edges through pixel corners: no kink, the estimate is the gradient.
    shapes = [
        {
            "id": "t",
            "type": "polygon",
            "points": [[3.0, 2.0], [12.0, 4.0], [6.0, 11.0]],
            "fill": [0.9, 0.4, 0.1],
        }
    ]
    scene = parse_scene(scene_dict(16, 14, shapes, background=(0.1, 0.1, 0.1)))
    assert_midpoint(
        scene, noise_adjoint(14, 16), names("t", POLYGON_KINDS), nonsmooth=False
    )


def test_vertex_on_a_pixel_corner_with_axis_aligned_edges():
    # The corner (4, 3) of the rectangle sits on a pixel corner: both edges through it lie
    # on pixel lines, so a sample there is shared by up to four pixels.
    shapes = [
        rect("sq", 4.0, 3.0, 9.0, 7.0, (0.9, 0.5, 0.2), transform={"rotate": 0.0})
    ]
    scene = parse_scene(scene_dict(12, 10, shapes))
    assert_midpoint(scene, noise_adjoint(10, 12, seed=8), names("sq", POLYGON_KINDS))


def test_circle_tangent_to_pixel_lines():
    # Centre (8, 6), radius 3: tangent to x = 5, x = 11, y = 3 and y = 9 (at pixel
    # corners). The pixel integrals are C^1 there (the area near a tangency grows like
    # h^(3/2)), so the estimate is the gradient.
    shapes = [circle("disc", 8.0, 6.0, 3.0, (0.9, 0.5, 0.2))]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(0.1, 0.2, 0.3)))
    assert_midpoint(
        scene, noise_adjoint(12, 16), names("disc", CIRCLE_KINDS), nonsmooth=False
    )


def test_coincident_circles():
    # Two equal circles, one on top of the other: the closed convention for circles.
    # Growing the top one covers background, shrinking it uncovers the bottom one.
    shapes = [
        circle("under", 7.3, 6.2, 3.6, (0.1, 0.8, 0.2)),
        circle("over", 7.3, 6.2, 3.6, (0.9, 0.3, 0.5), opacity=0.7),
    ]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(1.0, 1.0, 1.0)))
    params = names("over", ["center", "radius", "scale"]) + names("under", ["radius"])
    assert_midpoint(scene, np.ones((12, 16, 3)), params)


def test_design_worked_example_is_the_midpoint_of_the_clarke_set():
    # docs/design.md §4.2: pixel [0, 1]; A = [0, a] colour 1 on top, B = [b, 1] colour 2
    # below, background 0: I(a, b) = a + 2 (1 - max(a, b)). At a = b = 1/2 the Clarke set
    # is conv{(-1, 0), (1, -2)}; the rule gives the mean of the two one-sided gradients,
    # (0, -1), for every seed (the integrand is constant along the edge). An epsilon step
    # off each edge would give (-1, -1), outside the set.
    shapes = [
        rect("B", 0.5, -1, 2, 2, (2.0,) * 3),
        rect("A", -1, -1, 0.5, 2, (1.0,) * 3),
    ]
    scene = parse_scene(scene_dict(1, 1, shapes))
    adjoint = np.full((1, 1, 3), 1.0 / 3.0)  # the mean of the channels: I(a, b) itself
    for seed in range(4):
        g = backward(
            scene, adjoint, params=["A.translate", "B.translate"], seed=seed, arch=ARCH
        )
        assert (g["A.translate"][0], g["B.translate"][0]) == pytest.approx(
            (0.0, -1.0), abs=1e-12
        )
    exact = exact_one_sided(scene, adjoint, params=["A.translate", "B.translate"])
    assert exact.minus["A.translate"][0] == pytest.approx(1.0, abs=1e-6)
    assert exact.plus["A.translate"][0] == pytest.approx(-1.0, abs=1e-6)
    assert exact.minus["B.translate"][0] == pytest.approx(0.0, abs=1e-6)
    assert exact.plus["B.translate"][0] == pytest.approx(-2.0, abs=1e-6)


def test_canvas_border_midpoint_by_hand():
    # Vertex 0 of a white square on black whose left edge lies on x = 0, adjoint 1. Moving
    # the vertex right turns the left edge (3.9 px long) about vertex 3 and uncovers
    # 3.9 / 2 px^2 of column 0 per px in 3 channels: d+ = -5.85. Moving it left covers
    # only what lies outside the canvas: d- = 0. The midpoint is -2.925.
    shapes = [rect("sq", 0.0, 1.3, 4.6, 5.2, (1.0, 1.0, 1.0))]
    scene = parse_scene(scene_dict(8, 6, shapes))
    adjoint = np.ones((6, 8, 3))
    exact = exact_one_sided(scene, adjoint, params=["sq.points"])
    assert exact.plus["sq.points"][0, 0] == pytest.approx(-5.85, abs=1e-6)
    assert exact.minus["sq.points"][0, 0] == pytest.approx(0.0, abs=1e-6)
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=["sq.points"], repeat=REPEAT, arch=ARCH
    )
    # The normal speed varies along the edge, so one stratified sample per stratum is
    # not exact: a z test over 64 seeds.
    assert abs(mean["sq.points"][0, 0] + 2.925) <= Z_MAX * stderr["sq.points"][0, 0]


def test_band_between_both_canvas_borders_is_differentiable_and_exact():
    # A band from the left border to the right border, adjoint -1 on column 0 and +1 on
    # the last column: the loss is differentiable in x (both one-sided derivatives are
    # 10.2 = 3 channels x 3.4 px). Each border edge contributes half its inside pixel's
    # share: 5.1 + 5.1.
    shapes = [rect("band", 0.0, 1.3, 8.0, 4.7, (1.0, 1.0, 1.0))]
    scene = parse_scene(scene_dict(8, 6, shapes))
    adjoint = np.zeros((6, 8, 3))
    adjoint[:, 0] = -1.0
    adjoint[:, 7] = 1.0
    exact = exact_one_sided(scene, adjoint, params=["band.translate"])
    assert exact.plus["band.translate"][0] == pytest.approx(10.2, abs=1e-5)
    assert exact.minus["band.translate"][0] == pytest.approx(10.2, abs=1e-5)
    assert exact.agree["band.translate"][0]
    mean, _ = backward_with_stderr(
        scene, adjoint, params=["band.translate"], repeat=4, arch=ARCH
    )
    # A translation moves every point of the edge alike: exact up to float32 rounding.
    assert mean["band.translate"][0] == pytest.approx(10.2, rel=1e-6)


def test_degenerate_polygon_gives_a_one_sided_derivative():
    # Three collinear points: zero area. Moving the middle vertex off the line adds area
    # on either side, so d- < 0 < d+ for its y with an adjoint of ones on the red channel.
    # In the float32 kernels the points form a sliver ~1e-7 px wide whose edges do carry
    # a jump, so each component is one of the one-sided derivatives (which one depends on
    # the rounding) rather than their midpoint: a documented limit (docs/nonsmooth.md).
    # Both are far from 0, so a missing boundary term fails.
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
    adjoint[..., 0] = 1.0
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=["flat.points", "flat.fill"], repeat=REPEAT, arch=ARCH
    )
    assert np.all(mean["flat.fill"] == 0.0)  # no pixel sample sees a zero-area shape
    exact = exact_one_sided(scene, adjoint, params=["flat.points"])
    lo, hi = exact.interval("flat.points")
    assert lo[1, 1] < -1.0 and hi[1, 1] > 1.0
    scale = np.sqrt(
        stderr["flat.points"] ** 2 + reference_accuracy(exact, "flat.points") ** 2
    )
    near_minus = (
        np.abs(mean["flat.points"] - exact.minus["flat.points"]) <= Z_MAX * scale
    )
    near_plus = np.abs(mean["flat.points"] - exact.plus["flat.points"]) <= Z_MAX * scale
    assert np.all(near_minus | near_plus), (mean["flat.points"], lo, hi)


def test_nested_shapes_sharing_an_edge():
    # B lies inside A and shares part of A's left edge x = 2.5 (off pixel lines): both
    # regions are on the same side of the shared edge.
    shapes = [
        rect("A", 2.5, 2.3, 12.4, 9.6, (0.9, 0.5, 0.2)),
        rect("B", 2.5, 3.1, 7.2, 8.4, (0.2, 0.3, 0.9), opacity=0.8),
    ]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(1.0, 1.0, 1.0)))
    params = ["A.points", "A.translate", "B.points", "B.translate"]
    assert_midpoint(scene, noise_adjoint(12, 16, seed=4), params)


def test_t_junction_is_differentiable_and_matches():
    # A vertex of the triangle (below) touches the rectangle's bottom edge (on top): the
    # hidden tip grows like h^2, so the image is differentiable and the estimate is the
    # gradient.
    shapes = [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[8.3, 6.5], [11.7, 10.2], [5.1, 9.8]],
            "fill": [0.2, 0.3, 0.9],
        },
        rect("bar", 3.5, 2.5, 12.5, 6.5, (0.9, 0.5, 0.2)),
    ]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(1.0, 1.0, 1.0)))
    params = ["tri.points[0]", "tri.translate", "tri.rotate", "tri.scale"]
    assert_midpoint(scene, noise_adjoint(12, 16, seed=6), params, nonsmooth=False)


def test_one_copy_of_a_doubled_edge_gets_the_midpoint():
    # A square traced twice (nonzero: winding 2 inside). Moving a vertex of one copy
    # outward uncovers nothing new inside but adds winding 1 outside (covered); inward it
    # leaves winding 1 (still covered): the one-sided derivatives differ, and each copy's
    # 1/2 share of the jump is their midpoint.
    loop = square(3.3, 2.4, 10.6, 8.7)
    shapes = [
        {"id": "sq", "type": "polygon", "points": loop + loop, "fill": [0.9, 0.5, 0.2]}
    ]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(0.1, 0.2, 0.3)))
    assert_midpoint(scene, noise_adjoint(12, 16, seed=2), ["sq.points[1]"])


def test_exactly_collinear_polygon_gives_the_midpoint_zero():
    # Three collinear points on y = 3.5 (exact in float32, inside pixel row 3): a sliver
    # opens above or below the line with the same pixels, so d+ = -d- != 0 and the
    # midpoint is 0; the estimate is exactly 0 (no edge changes the fill). Zero is also
    # what a missing boundary term gives: here the exact reference is the check.
    shapes = [
        {
            "id": "flat",
            "type": "polygon",
            "points": [[2.5, 3.5], [6.5, 3.5], [10.5, 3.5]],
            "fill": [1.0, 0.0, 0.0],
        }
    ]
    scene = parse_scene(scene_dict(16, 8, shapes))
    adjoint = noise_adjoint(8, 16, seed=1)
    exact = exact_one_sided(scene, adjoint, params=["flat.points"])
    minus, plus = exact.minus["flat.points"][1, 1], exact.plus["flat.points"][1, 1]
    assert abs(plus) > 0.1 and plus == pytest.approx(-minus, abs=1e-6)
    g = backward(scene, adjoint, params=["flat.points"], seed=0, arch=ARCH)
    assert np.all(g["flat.points"] == 0.0)


def test_epsilon_rule_counts_a_shared_edge_twice():
    # diffvg's rule on the worked example: stepping 1e-4 px off each edge sees A on one
    # side and B on the other for both edges, (-1, -1), outside the Clarke set
    # conv{(-1, 0), (1, -2)} (docs/design.md §4.6).
    shapes = [
        rect("B", 0.5, -1, 2, 2, (2.0,) * 3),
        rect("A", -1, -1, 0.5, 2, (1.0,) * 3),
    ]
    scene = parse_scene(scene_dict(1, 1, shapes))
    adjoint = np.full((1, 1, 3), 1.0 / 3.0)
    g = backward(
        scene,
        adjoint,
        params=["A.translate", "B.translate"],
        edge_sampling="epsilon",
        arch=ARCH,
    )
    assert (g["A.translate"][0], g["B.translate"][0]) == pytest.approx(
        (-1.0, -1.0), abs=1e-12
    )


def test_epsilon_rule_agrees_where_the_image_is_differentiable():
    # Generic position (no edge on a pixel line or on another edge): the epsilon rule
    # estimates the same gradient as the two-sided rule.
    shapes = [
        {
            "id": "t",
            "type": "polygon",
            "points": [[3.2, 2.3], [12.6, 4.1], [6.3, 10.7]],
            "fill": [0.9, 0.4, 0.1],
        },
        circle("c", 9.4, 7.7, 2.9, (0.2, 0.5, 0.8), opacity=0.7),
    ]
    scene = parse_scene(scene_dict(16, 14, shapes, background=(0.1, 0.1, 0.1)))
    adjoint = noise_adjoint(14, 16, seed=9)
    params = ["t.points", "t.rotate", "c.center", "c.radius"]
    exact = exact_one_sided(scene, adjoint, params=params)
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=params, repeat=REPEAT, edge_sampling="epsilon", arch=ARCH
    )
    for name in params:
        assert np.all(exact.agree[name])
        scale = np.sqrt(stderr[name] ** 2 + reference_accuracy(exact, name) ** 2)
        assert np.all(np.abs(mean[name] - exact.plus[name]) <= Z_MAX * scale), name


def test_sweep_across_a_shared_edge():
    # B (grey, below) shares the edge x = 8.5 with A (white, on top); sweeping B's
    # translate across it: at the kink d- = 9.6 and d+ = -9.6 (8 px x 0.4 x 3 channels),
    # the two-sided rule gives their midpoint 0, the epsilon rule 14.4 (outside).
    shapes = [rect("B", 8.5, 0, 16, 8, (0.4,) * 3), rect("A", 0, 0, 8.5, 8, (1.0,) * 3)]
    scene = parse_scene(scene_dict(16, 8, shapes))
    result = sweep(
        scene,
        "B.translate",
        adjoint=np.ones((8, 16, 3)),
        points=5,
        repeat=4,
        arch=ARCH,
    )
    middle = 2
    assert result.values[middle] == 0.0
    assert result.minus[middle] == pytest.approx(9.6, abs=1e-6)
    assert result.plus[middle] == pytest.approx(-9.6, abs=1e-6)
    assert result.means["stratified"][middle] == pytest.approx(0.0, abs=1e-6)
    assert result.means["epsilon"][middle] == pytest.approx(14.4, abs=1e-6)
    # Away from the kink every rule is the derivative.
    for n in (0, 1, 3, 4):
        for rule in ("stratified", "epsilon"):
            assert result.means[rule][n] == pytest.approx(result.plus[n], rel=1e-5)


def test_one_copy_of_a_triple_evenodd_edge_gets_its_derivative():
    # A square traced three times under evenodd (winding 3 inside: covered). Moving a
    # vertex of one copy leaves winding 2 (uncovered) or adds winding 1 (covered) beside
    # its edges: the image is differentiable in that vertex, and each edge gets its own
    # derivative, not a 1/3 share of the jump.
    loop = square(3.3, 2.4, 10.6, 8.7)
    shapes = [
        {
            "id": "sq",
            "type": "polygon",
            "points": loop * 3,
            "fill": [0.9, 0.5, 0.2],
            "fill_rule": "evenodd",
        }
    ]
    scene = parse_scene(scene_dict(16, 12, shapes, background=(0.1, 0.2, 0.3)))
    params = ["sq.points[1]", "sq.translate"]
    assert_midpoint(scene, noise_adjoint(12, 16, seed=2), params, nonsmooth=False)


def test_collinear_polygon_on_a_pixel_line_gets_the_midpoint():
    # Three collinear points on the pixel line y = 4: a sliver opens into row 3 or row 4,
    # whose adjoints differ, so d- != d+ and their midpoint is not 0. Translating or
    # rotating the whole polygon keeps its area 0: there the derivative is 0, which the
    # joint rule for coincident copies gives (docs/design.md §4.3).
    shapes = [
        {
            "id": "flat",
            "type": "polygon",
            "points": [[2.5, 4.0], [6.5, 4.0], [10.5, 4.0]],
            "fill": [1.0, 0.0, 0.0],
        }
    ]
    scene = parse_scene(scene_dict(16, 8, shapes))
    params = ["flat.points[1]", "flat.translate", "flat.rotate", "flat.scale"]
    assert_midpoint(scene, noise_adjoint(8, 16, seed=1), params)


def test_tip_of_a_zero_width_spike_on_a_pixel_line():
    # The polygon runs up the pixel line x = 5 to (5, 1) and back: moving the tip vertex
    # moves both copies of the spike together, so its area stays 0 and the derivative is
    # 0 both ways; the tip's share takes the joint rule (docs/design.md §4.3). Found by
    # review: treating the two copies as moving alone gave 0.149, z > 1000.
    shapes = [
        rect("B", 0, 0, 8, 8, (0.2, 0.5, 0.9)),
        {
            "id": "A",
            "type": "polygon",
            "points": [[2, 2], [6, 2], [6, 6], [5, 6], [5, 1], [5, 6], [2, 6]],
            "fill": [0.9, 0.3, 0.1],
        },
    ]
    scene = parse_scene(scene_dict(8, 8, shapes))
    params = ["A.points", "A.translate", "A.rotate"]
    exact, mean = assert_midpoint(scene, noise_adjoint(8, 8, seed=0), params)
    assert np.all(exact.agree["A.points"][4]) and np.all(mean["A.points"][4] == 0.0)
