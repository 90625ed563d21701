"""The exact reference against values computed by hand (box filter, pixel = unit square)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import scene_dict, square
from reynolds import parse_scene, render_exact

RED = [1.0, 0.0, 0.0]
BLUE = [0.0, 0.0, 1.0]


def exact(width, height, shapes, background=(0.0, 0.0, 0.0)):
    return render_exact(parse_scene(scene_dict(width, height, shapes, background)))


def poly(pid, points, fill=(1.0, 1.0, 1.0), **extra):
    return {"id": pid, "type": "polygon", "points": points, "fill": list(fill), **extra}


def test_full_coverage_gives_the_fill():
    image = exact(
        4,
        3,
        [poly("a", square(-1, -1, 5, 4), fill=(1.0, 0.5, 0.25))],
        background=(0.2, 0.2, 0.2),
    )
    np.testing.assert_allclose(
        image, np.broadcast_to([1.0, 0.5, 0.25], (3, 4, 3)), atol=1e-12
    )


def test_partial_columns():
    # x in [1.25, 2.75]: columns 1 and 2 are 3/4 covered, the rest empty.
    image = exact(4, 2, [poly("a", square(1.25, 0, 2.75, 2))])[:, :, 0]
    np.testing.assert_allclose(
        image, [[0, 0.75, 0.75, 0], [0, 0.75, 0.75, 0]], atol=1e-12
    )


def test_half_pixel_triangle():
    image = exact(2, 2, [poly("a", [[0, 0], [1, 0], [0, 1]])])[:, :, 0]
    np.testing.assert_allclose(image, [[0.5, 0], [0, 0]], atol=1e-12)


def test_over_compositing_with_opacity():
    # A (red, 0.5) then B (blue, 0.5) on top, over black; they overlap on pixel 1 and on
    # the left half of pixel 2 (B spans x in [1, 3], A spans [0, 2.5]).
    shapes = [
        poly("a", square(0, 0, 2.5, 1), fill=RED, opacity=0.5),
        poly("b", square(1, 0, 3, 1), fill=BLUE, opacity=0.5),
    ]
    image = exact(3, 1, shapes)[0]
    both = np.array([0.25, 0.0, 0.5])  # 0.5 * blue + 0.5 * (0.5 * red)
    only_b = np.array([0.0, 0.0, 0.5])
    np.testing.assert_allclose(image[0], [0.5, 0, 0], atol=1e-12)
    np.testing.assert_allclose(image[1], both, atol=1e-12)
    np.testing.assert_allclose(image[2], 0.5 * both + 0.5 * only_b, atol=1e-12)


def test_opaque_shape_hides_what_is_below():
    shapes = [
        poly("under", square(0, 0, 2, 1), fill=RED),
        poly("over", square(0, 0, 2, 1), fill=BLUE),
    ]
    np.testing.assert_allclose(
        exact(2, 1, shapes, background=(0, 1, 0))[0], [BLUE, BLUE], atol=1e-12
    )


def test_zero_opacity_and_offscreen_shapes_change_nothing():
    base = [poly("a", [[0.3, 0.2], [3.7, 0.9], [1.1, 2.8]], fill=RED)]
    extra = [
        poly("ghost", square(0, 0, 4, 3), fill=BLUE, opacity=0.0),
        poly("far", square(10, 10, 12, 12), fill=BLUE),
    ]
    np.testing.assert_allclose(exact(4, 3, base + extra), exact(4, 3, base), atol=1e-12)


# A square traced twice has winding number 2: nonzero fills it, evenodd does not.
TWICE = square(1, 1, 3, 3) * 2
# Outer square, a seam, then an inner square traced the same way (winding 2 inside the
# inner square) or the opposite way (winding 0 there).
SAME_WAY = square(0, 0, 4, 4) + [[0, 0], [1, 1]] + square(1, 1, 3, 3) + [[1, 1]]
OPPOSITE_WAY = square(0, 0, 4, 4) + [[0, 0], [1, 1], [1, 3], [3, 3], [3, 1], [1, 1]]


@pytest.mark.parametrize(
    "points, rule, inner_value, ring_value",
    [
        (TWICE, "nonzero", 1.0, 0.0),
        (TWICE, "evenodd", 0.0, 0.0),
        (SAME_WAY, "nonzero", 1.0, 1.0),
        (SAME_WAY, "evenodd", 0.0, 1.0),
        (OPPOSITE_WAY, "nonzero", 0.0, 1.0),
        (OPPOSITE_WAY, "evenodd", 0.0, 1.0),
    ],
)
def test_fill_rules(points, rule, inner_value, ring_value):
    image = exact(4, 4, [poly("p", points, fill_rule=rule)])[:, :, 0]
    np.testing.assert_allclose(image[1:3, 1:3], inner_value, atol=1e-12)
    ring = np.ones((4, 4), bool)
    ring[1:3, 1:3] = False
    np.testing.assert_allclose(image[ring], ring_value, atol=1e-12)


def test_rotation_is_clockwise_on_screen_about_the_vertex_mean():
    # Triangle (0,0) (4,0) (0,2), pivot (4/3, 2/3), turned +90 degrees and moved by (3, 1):
    # worked by hand it becomes (5, 1/3) (5, 13/3) (3, 1/3): the +x leg now points down (+y).
    shape = poly(
        "t", [[0, 0], [4, 0], [0, 2]], transform={"rotate": 90, "translate": [3, 1]}
    )
    image = exact(8, 8, [shape])[:, :, 0]
    assert image[1, 4] == pytest.approx(1.0, abs=1e-12)  # [4,5] x [1,2] is inside
    assert image[1, 3] == pytest.approx(5.0 / 12.0, abs=1e-12)  # cut by the hypotenuse
    assert image[0, 5] == pytest.approx(0.0, abs=1e-12)
    assert image.sum() == pytest.approx(4.0, abs=1e-10)  # area 2 * 4 / 2


def test_scale_about_the_vertex_mean():
    # [0,2]^2 scaled by 1.5 about (1,1) is [-0.5, 2.5]^2.
    image = exact(4, 4, [poly("s", square(0, 0, 2, 2), transform={"scale": 1.5})])[
        :, :, 0
    ]
    assert image[0, 0] == pytest.approx(1.0, abs=1e-12)
    assert image[2, 2] == pytest.approx(0.25, abs=1e-12)
    assert image[1, 2] == pytest.approx(0.5, abs=1e-12)
    assert image.sum() == pytest.approx(6.25, abs=1e-10)


def test_circle_translate_and_scale():
    # centre (5, 4) + (3, 4) = (8, 8); radius 2 * 1.5 = 3; rotation about the centre is moot.
    shape = {
        "id": "c",
        "type": "circle",
        "center": [5, 4],
        "radius": 2,
        "fill": [1, 1, 1],
        "transform": {"translate": [3, 4], "scale": 1.5, "rotate": 33},
    }
    image = exact(16, 16, [shape])[:, :, 0]
    assert image.sum() == pytest.approx(
        9.0 * math.pi, abs=1e-9
    )  # the polygon keeps the area
    assert image[7, 7] == pytest.approx(1.0, abs=1e-12)
    # Pixel [10, 11] x [7, 8] by midpoint quadrature of the chord lengths (error ~1e-12).
    x = 10.0 + (np.arange(200_000) + 0.5) / 200_000
    half = np.sqrt(np.maximum(9.0 - (x - 8.0) ** 2, 0.0))
    overlap = np.clip(
        np.minimum(8.0, 8.0 + half) - np.maximum(7.0, 8.0 - half), 0.0, None
    )
    assert image[7, 10] == pytest.approx(overlap.mean(), abs=2e-6)


def test_pentagram_evenodd_removes_the_centre():
    star = [[24.0, 3.0], [36.93, 42.8], [3.07, 18.2], [44.93, 18.2], [11.07, 42.8]]
    nonzero = exact(48, 48, [poly("s", star)])[:, :, 0]
    evenodd = exact(48, 48, [poly("s", star, fill_rule="evenodd")])[:, :, 0]
    assert nonzero[26, 24] == pytest.approx(1.0)  # centre pixel of the inner pentagon
    assert evenodd[26, 24] == pytest.approx(0.0)
    # Outside the inner pentagon the two rules agree.
    assert np.allclose(nonzero[5:8, 22:26], evenodd[5:8, 22:26])
    assert nonzero.sum() > evenodd.sum() + 50.0


def test_zero_area_polygon_leaves_every_pixel_whole():
    # A collinear triangle nudged by 1e-4 px (area ~1e-15): GEOS may turn a hairline hole
    # into lines; the reference must drop the hairline, not the pixels around it.
    flat = poly(
        "flat",
        [[30, 20], [35, 22], [40, 24]],
        fill=(0, 0, 0),
        transform={"translate": [1e-4, 0.0]},
    )
    image = exact(48, 32, [flat], background=(1, 1, 1))
    np.testing.assert_allclose(image, 1.0, atol=1e-9)
