"""Parameter names, get/set, and the flat-vector view."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENES
from reynolds import (
    ParamVector,
    SceneError,
    get_param,
    load_scene,
    param_names,
    set_param,
)


@pytest.fixture
def house():
    return load_scene(SCENES / "house.json")


def test_every_attribute_is_named(house):
    names = param_names(house)
    assert names[0] == "background"
    for attr in ("points", "fill", "opacity", "translate", "rotate", "scale"):
        assert f"roof.{attr}" in names
    for attr in ("center", "radius", "fill", "opacity", "translate", "rotate", "scale"):
        assert f"sun.{attr}" in names
    assert "sun.points" not in names and "roof.radius" not in names
    assert "post.translate" not in param_names(house, include_occluders=False)
    assert param_names(house, geometry_only=True)[:4] == [
        "roof.points",
        "roof.translate",
        "roof.rotate",
        "roof.scale",
    ]


def test_values_have_the_parameter_shape(house):
    expected = {
        "background": (3,),
        "roof.points": (3, 2),
        "roof.points[1]": (2,),
        "sun.center": (2,),
        "sun.radius": (),
        "sun.fill": (3,),
        "sun.opacity": (),
        "roof.translate": (2,),
        "roof.rotate": (),
        "roof.scale": (),
    }
    for name, shape in expected.items():
        assert get_param(house, name).shape == shape, name
    np.testing.assert_array_equal(get_param(house, "roof.points[1]"), [64, 15])
    # Transform parameters exist without a "transform" in the JSON, at the identity.
    assert get_param(house, "roof.scale") == 1.0
    np.testing.assert_array_equal(get_param(house, "roof.translate"), [0, 0])


def test_set_returns_a_new_scene_and_keeps_the_old(house):
    moved = set_param(house, "roof.points[1]", [60.5, 10.0])
    np.testing.assert_array_equal(
        get_param(moved, "roof.points"), [[20, 60], [60.5, 10], [108, 60]]
    )
    np.testing.assert_array_equal(get_param(house, "roof.points[1]"), [64, 15])
    turned = set_param(house, "sun.rotate", 30.0)
    assert turned.shape("sun").transform.rotate == 30.0
    assert set_param(house, "background", [0, 0.5, 1]).canvas.background == (
        0.0,
        0.5,
        1.0,
    )


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("sun.radius", -1.0, "must be positive"),
        ("roof.scale", 0.0, "must be positive"),
        ("sun.opacity", 1.2, r"must lie in \[0, 1\]"),
        ("sun.center", [1.0, np.nan], "must be finite"),
        ("sun.center", [1.0, 2.0, 3.0], "has shape"),
    ],
)
def test_set_refuses_invalid_values(house, name, value, message):
    with pytest.raises(SceneError, match=message):
        set_param(house, name, value)


@pytest.mark.parametrize(
    "name",
    [
        "nope.radius",
        "sun.points",
        "roof.radius",
        "roof.points[3]",
        "sun.center[0]",
        "radius",
        "roof.",
    ],
)
def test_unknown_names_are_refused(house, name):
    with pytest.raises(SceneError, match="parameter"):
        get_param(house, name)


def test_flat_vector_round_trip(house):
    names = ["roof.points", "sun.center", "sun.radius", "background", "roof.points[0]"]
    view = ParamVector(house, names)
    assert view.size == 6 + 2 + 1 + 3 + 2
    vector = view.flatten(house)
    np.testing.assert_array_equal(vector[:6], [20, 60, 64, 15, 108, 60])
    changed = view.unflatten(house, vector + 0.5)
    np.testing.assert_array_equal(view.flatten(changed)[6:9], [100.5, 20.5, 12.5])
    parts = view.split(np.arange(view.size, dtype=float))
    assert parts["roof.points"].shape == (3, 2) and parts["sun.radius"].shape == ()
    np.testing.assert_array_equal(view.join(parts), np.arange(view.size))
