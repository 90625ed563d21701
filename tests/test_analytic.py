"""The analytic boundary estimator against the exact reference, on polygon scenes.

`edge_sampling="analytic"` evaluates each boundary piece, cut at pixel lines and at
crossings, once at its midpoint: exact, so it must equal `exact_gradient` up to
- the reference's own error: central differences of the exact image, O(h^2) where the
  image is smooth but O(h) where a parameter sits on a kink (an edge on a pixel line,
  coincident edges), so the steps here are 100 times below the defaults (h = 1e-6 px,
  1e-5 degree, 1e-7 in scale; the rounding of the float64 image then adds ~1e-8);
- the kernels' float32 colours and geometry: ~1e-7 relative where the scene's world
  vertices are float32-exact (the hand-made scenes: quarter-pixel coordinates, no
  transforms; example scenes with their points rounded to float32), more where
  transforms round the world vertices (~1e-6 px).
Errors are measured against the largest gradient component of the scene.
"""

from __future__ import annotations

import numpy as np
import pytest
import reynolds.estimators as estimators
import reynolds.validation as validation
from builders import scene_dict, square
from conftest import ARCH, SCENES
from reynolds import backward, load_scene, parse_scene
from reynolds.params import get_param, param_names, parse_name, set_param
from reynolds.scene import Polygon
from reynolds.validation import KERNEL_RELATIVE_ACCURACY, exact_gradient

# Hand-made scenes are float32-exact: what is left is float32 colours (6e-8 relative)
# and the reference's steps (measured below 5e-7 of the largest component).
EXACT_SCENE_ACCURACY = 1e-6


def _polygon(name, points, fill, opacity=1.0, rule="nonzero"):
    return {
        "id": name,
        "type": "polygon",
        "points": points,
        "fill": fill,
        "opacity": opacity,
        "fill_rule": rule,
    }


RED, BLUE = [0.9, 0.2, 0.1], [0.1, 0.3, 0.9]
_ANGLES = np.pi / 2 + 4 * np.pi / 5 * np.arange(5)
STAR = (
    np.round(
        np.column_stack([8.1 + 6.3 * np.cos(_ANGLES), 7.9 - 6.3 * np.sin(_ANGLES)]) * 64
    )
    / 64
).tolist()
BAR = square(3.25, 6.5, 12.75, 9.25)
HAND_MADE = {
    "crossing_squares": [
        _polygon("a", square(2.25, 2.25, 10.5, 10.5), RED, 0.7),
        _polygon("b", square(6.75, 5.5, 14.25, 13.75), BLUE, 0.6),
    ],
    "coincident_edges": [
        _polygon("l", square(2.25, 3.5, 8.5, 12.75), RED),
        _polygon("r", square(8.5, 3.5, 13.25, 12.75), BLUE, 0.8),
    ],
    "pixel_line_edges": [
        _polygon("a", square(2, 3, 9, 12), RED, 0.7),
        _polygon("b", square(5, 6, 14, 13), BLUE, 0.6),
    ],
    "t_junction": [
        _polygon("a", square(2.25, 2.25, 8.5, 8.5), RED, 0.7),
        _polygon("b", [[5.25, 8.5], [9.75, 13.25], [3.5, 12.75]], BLUE, 0.6),
    ],
    "collinear_overlap": [
        _polygon("a", square(2.25, 2.25, 8.5, 8.5), RED, 0.7),
        _polygon("b", [[4.75, 8.5], [12.25, 8.5], [12.25, 13.5], [4.75, 13.5]], BLUE),
    ],
    "star_evenodd": [
        _polygon("s", STAR, RED, 1.0, "evenodd"),
        _polygon("b", BAR, BLUE, 0.5),
    ],
    "star_nonzero": [
        _polygon("s", STAR, RED, 0.8, "nonzero"),
        _polygon("b", BAR, BLUE, 0.5),
    ],
}
# Example scenes without circles, their points rounded to float32 first so that the
# reference sees the kernels' geometry, and the accuracy reached there. concave.json's
# transforms still round its world vertices to float32 (~1e-6 px), which moves its
# gradient by a few KERNEL_RELATIVE_ACCURACY (measured 2.4e-6 and 3.8e-6 for two
# adjoint seeds; stars.json 2.2e-7 and double_wound.json 2.1e-8).
POLYGON_SCENES = {
    "concave": 5 * KERNEL_RELATIVE_ACCURACY,
    "double_wound": EXACT_SCENE_ACCURACY,
    "stars": EXACT_SCENE_ACCURACY,
}


@pytest.fixture
def fine_reference_steps(monkeypatch):
    """Central differences 100 times finer than the defaults (see the module doc)."""
    monkeypatch.setattr(validation, "EXACT_STEP", 1e-6)
    monkeypatch.setattr(validation, "EXACT_STEPS", {"rotate": 1e-5, "scale": 1e-7})


def _geometry(scene):
    return [n for n in param_names(scene) if parse_name(scene, n).is_geometry]


def _relative_error(scene, seed=0):
    """Largest |analytic - exact| over the geometric parameters, over the largest
    |exact| component; a Gaussian adjoint (seeded) weighs every pixel."""
    adjoint = np.random.default_rng(seed).normal(
        size=(scene.canvas.height, scene.canvas.width, 3)
    )
    names = _geometry(scene)
    estimate = backward(
        scene, adjoint, params=names, edge_sampling="analytic", arch=ARCH
    )
    exact = exact_gradient(scene, adjoint, params=names)
    scale = max(np.abs(exact[n]).max() for n in names)
    return max(np.abs(estimate[n] - exact[n]).max() for n in names) / scale


@pytest.mark.parametrize("case", sorted(HAND_MADE))
def test_analytic_equals_the_exact_gradient_on_hand_made_scenes(
    case, fine_reference_steps
):
    scene = parse_scene(scene_dict(16, 16, HAND_MADE[case]))
    assert _relative_error(scene) <= EXACT_SCENE_ACCURACY


@pytest.mark.parametrize("name", sorted(POLYGON_SCENES))
def test_analytic_equals_the_exact_gradient_on_polygon_scenes(
    name, fine_reference_steps
):
    scene = load_scene(SCENES / f"{name}.json")
    assert all(isinstance(shape, Polygon) for shape in scene.shapes)
    for param in param_names(scene):
        if parse_name(scene, param).attribute == "points":
            rounded = get_param(scene, param).astype(np.float32).astype(np.float64)
            scene = set_param(scene, param, rounded)
    assert _relative_error(scene) <= POLYGON_SCENES[name]


def test_analytic_is_deterministic():
    scene = parse_scene(scene_dict(16, 16, HAND_MADE["star_evenodd"]))
    adjoint = np.random.default_rng(1).normal(size=(16, 16, 3))
    names = _geometry(scene)
    runs = [
        backward(
            scene,
            adjoint,
            params=names,
            edge_sampling="analytic",
            edge_samples=samples,
            seed=seed,
            arch=ARCH,
        )
        # The budget is ignored, 0 included: one evaluation per piece regardless.
        for seed, samples in ((0, None), (12345, 7), (2**31, 100000), (3, 0))
    ]
    for name in names:
        for run in runs[1:]:
            np.testing.assert_array_equal(run[name], runs[0][name])


def test_unsplit_midpoints_are_wrong_where_edges_cross(
    monkeypatch, fine_reference_steps
):
    """Without the cuts at crossings, one midpoint stands for pieces along which the
    other square's cover changes: the crossing squares then miss by far more than the
    reference's accuracy."""
    scene = parse_scene(scene_dict(16, 16, HAND_MADE["crossing_squares"]))
    monkeypatch.setattr(estimators, "split_at_crossings", lambda buffers, p: p)
    assert _relative_error(scene) > 1e3 * EXACT_SCENE_ACCURACY
