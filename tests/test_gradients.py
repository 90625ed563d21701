"""Gradients against the exact reference, for every parameter kind and the hard cases.

Each case: 32 seeds (0..31) of `backward`, 16 pixel samples per pixel and the default
16 edge samples per pixel of boundary length, a smooth random adjoint (seed 7); the
mean must lie within 5 standard errors (or 2e-4 relative) of central differences of the
exact image, and the standard error must be below 2 % of the largest exact component.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import scene_dict, square
from conftest import ARCH, SCENES
from gradcheck import assert_matches_exact, gradient_report
from reynolds import load_scene, parse_scene
from reynolds.backward import backward
from reynolds.validation import exact_gradient, smooth_adjoint

pytestmark = pytest.mark.slow

EVERY_KIND = {
    "version": 1,
    "canvas": {"width": 40, "height": 32, "background": [0.2, 0.3, 0.4]},
    "shapes": [
        {
            "id": "quad",
            "type": "polygon",
            "points": [[6.3, 5.2], [27.1, 7.9], [24.6, 25.3], [8.2, 21.7]],
            "fill": [0.9, 0.6, 0.1],
            "opacity": 0.85,
            "transform": {"translate": [1.3, -0.6], "rotate": 12.5, "scale": 1.07},
        },
        {
            "id": "disc",
            "type": "circle",
            "center": [25.4, 18.1],
            "radius": 8.3,
            "fill": [0.1, 0.5, 0.9],
            "opacity": 0.6,
            "transform": {"translate": [0.4, 0.7], "scale": 0.95},
        },
    ],
}


def test_every_parameter_kind():
    scene = parse_scene(EVERY_KIND)
    params = [
        "quad.points",
        "quad.translate",
        "quad.rotate",
        "quad.scale",
        "quad.fill",
        "quad.opacity",
        "disc.center",
        "disc.radius",
        "disc.translate",
        "disc.scale",
        "disc.fill",
        "disc.opacity",
        "background",
    ]
    assert_matches_exact(scene, params)


def test_rotation_of_a_circle_about_its_centre_has_zero_gradient():
    scene = parse_scene(EVERY_KIND)
    grads = backward(
        scene, smooth_adjoint(32, 40), params=["disc.rotate"], seed=0, arch=ARCH
    )
    assert grads["disc.rotate"] == 0.0


@pytest.mark.parametrize(
    "scene_file, params",
    [
        # Opaque occluder in front of part of the disc.
        ("occluded_circle.json", ["disc.center", "disc.radius"]),
        # Semi-transparent shapes over each other, and a translucent triangle on top.
        (
            "translucent_stack.json",
            ["red.center", "red.radius", "green.center", "blue.points", "blue.rotate"],
        ),
        # Shapes crossing the canvas border; one wholly outside.
        (
            "outside_canvas.json",
            [
                "big.points",
                "big.scale",
                "edge_disc.center",
                "edge_disc.radius",
                "left.translate",
            ],
        ),
        # Self-intersecting pentagrams, nonzero and evenodd.
        (
            "stars.json",
            ["star_nonzero.points", "star_evenodd.points", "star_evenodd.translate"],
        ),
        # Concave polygons, rotated and scaled.
        (
            "concave.json",
            [
                "arrow.points",
                "arrow.rotate",
                "arrow.scale",
                "ell.translate",
                "ell.points[3]",
            ],
        ),
    ],
)
def test_example_scenes(scene_file, params):
    assert_matches_exact(load_scene(SCENES / scene_file), params)


def test_slivers_and_sub_pixel_shapes():
    # A 0.05 px wide sliver, a sub-pixel triangle and a 0.35 px disc: their gradients are
    # tiny and far below the largest in the scene, so the error bar is judged per shape.
    scene = load_scene(SCENES / "slivers.json")
    for params in (["sliver.points"], ["speck.points"], ["dot.center", "dot.radius"]):
        assert_matches_exact(scene, params)


def test_self_overlapping_polygon_counts_its_doubled_boundary_once():
    # A square traced twice: under nonzero its boundary is one jump from 0 to 2, under
    # evenodd there is no jump at all. Its translation moves both copies together.
    shapes = [
        {
            "id": "twice",
            "type": "polygon",
            "points": square(6.3, 5.7, 19.6, 17.2) * 2,
            "fill": [0.9, 0.2, 0.2],
        },
        {
            "id": "twice_eo",
            "type": "polygon",
            "fill_rule": "evenodd",
            "points": square(20.4, 4.3, 30.1, 14.9) * 2,
            "fill": [0.2, 0.9, 0.2],
        },
    ]
    scene = parse_scene(scene_dict(32, 24, shapes, background=(0.1, 0.1, 0.1)))
    mean, _, exact = assert_matches_exact(
        scene, ["twice.translate", "twice.scale", "twice_eo.translate"]
    )
    assert np.all(mean["twice_eo.translate"] == 0.0)
    assert np.abs(exact["twice.translate"]).max() > 1.0


def test_shape_behind_an_opaque_occluder_gets_exactly_zero_geometric_gradient():
    shapes = [
        {
            "id": "hidden",
            "type": "polygon",
            "points": [[5.3, 4.1], [14.2, 6.6], [8.8, 13.9]],
            "fill": [1, 0, 0],
        },
        {
            "id": "hidden_disc",
            "type": "circle",
            "center": [10.2, 9.7],
            "radius": 3.3,
            "fill": [0, 1, 0],
        },
        {
            "id": "wall",
            "type": "polygon",
            "role": "occluder",
            "points": square(2.5, 1.5, 17.5, 16.5),
            "fill": [0.3, 0.3, 0.3],
        },
    ]
    scene = parse_scene(scene_dict(20, 18, shapes, background=(1, 1, 1)))
    grads = backward(scene, smooth_adjoint(18, 20), seed=3, arch=ARCH)
    for name in (
        "hidden.points",
        "hidden.translate",
        "hidden.rotate",
        "hidden.scale",
        "hidden.fill",
        "hidden.opacity",
        "hidden_disc.center",
        "hidden_disc.radius",
    ):
        assert np.all(grads[name] == 0.0), name
    assert (
        np.abs(grads["wall.points"]).max() > 0.1
    )  # the wall's own edges do move the image


def test_naive_estimator_is_right_for_colours_and_zero_for_geometry():
    scene = parse_scene(EVERY_KIND)
    colours = ["quad.fill", "quad.opacity", "disc.fill", "disc.opacity", "background"]
    assert_matches_exact(scene, colours, estimator="naive")
    geometry = ["quad.points", "quad.translate", "disc.center", "disc.radius"]
    naive = backward(
        scene,
        smooth_adjoint(32, 40, seed=7),
        params=geometry,
        estimator="naive",
        seed=0,
        arch=ARCH,
    )
    exact = exact_gradient(scene, smooth_adjoint(32, 40, seed=7), params=geometry)
    for name in geometry:
        assert np.all(naive[name] == 0.0)
        assert np.abs(exact[name]).max() > 0.5, (
            name
        )  # while the true gradient is not small


def test_stderr_falls_with_samples_and_stratification_beats_iid():
    # d/dx of one triangle vertex, 64 seeds per point, edge samples 512..8192. Boundary
    # pieces are split at pixel lines and stratified one by one, so within a piece the
    # integrand is smooth (the adjoint is constant per pixel). Measured standard
    # deviations: stratified 2.2e-3 / 2.7e-4 / 3.7e-5 (slope -1.53; theory -3/2 for a
    # smooth integrand), i.i.d. 0.88 / 0.43 / 0.19 (slope -0.54; theory -1/2).
    # (A translation gradient has V.n constant along each edge: stratified, it is exact.)
    tri = {
        "id": "tri",
        "type": "polygon",
        "points": [[4.3, 20.8], [13.7, 3.2], [27.9, 17.4]],
        "fill": [0.9, 0.3, 0.1],
    }
    scene = parse_scene(scene_dict(32, 24, [tri], background=(0.1, 0.2, 0.3)))
    adjoint = smooth_adjoint(24, 32, seed=1)
    counts = [512, 2048, 8192]
    slopes, sds_of = {}, {}
    for mode in ("stratified", "iid"):
        sds = []
        for m in counts:
            g = [
                backward(
                    scene,
                    adjoint,
                    params=["tri.points"],
                    edge_samples=m,
                    edge_sampling=mode,
                    seed=s,
                    arch=ARCH,
                )["tri.points"][1, 0]
                for s in range(64)
            ]
            sds.append(np.std(g, ddof=1))
        slopes[mode] = np.polyfit(np.log(counts), np.log(sds), 1)[0]
        sds_of[mode] = np.array(sds)
    assert -1.8 <= slopes["stratified"] <= -1.25, slopes
    assert -0.65 <= slopes["iid"] <= -0.38, slopes
    assert np.all(sds_of["iid"] >= 100.0 * sds_of["stratified"]), sds_of
    translation = [
        backward(
            scene,
            adjoint,
            params=["tri.translate"],
            edge_samples=512,
            seed=s,
            arch=ARCH,
        )["tri.translate"]
        for s in range(4)
    ]
    np.testing.assert_allclose(
        np.array(translation), np.broadcast_to(translation[0], (4, 2)), rtol=1e-9
    )


def test_gradients_are_reproducible_per_seed():
    # Same samples for the same seed, summed in a fixed order: the same bits
    # (tests/test_reproducible.py does this for scenes of hundreds of shapes).
    scene = parse_scene(EVERY_KIND)
    adjoint = smooth_adjoint(32, 40)
    a = backward(scene, adjoint, seed=11, arch=ARCH)
    b = backward(scene, adjoint, seed=11, arch=ARCH)
    c = backward(scene, adjoint, seed=12, arch=ARCH)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["quad.points"], c["quad.points"])


def test_report_contains_every_requested_name_with_its_shape():
    scene = parse_scene(EVERY_KIND)
    mean, stderr, exact = gradient_report(
        scene, ["quad.points[2]", "disc.radius"], repeat=2
    )
    assert mean["quad.points[2]"].shape == (2,) and mean["disc.radius"].shape == ()
    assert stderr["disc.radius"] > 0
