"""Scene files: parsing, defaults, save/load round trips."""

from __future__ import annotations

import json

import pytest
from conftest import SCENE_FILES
from reynolds import (
    Circle,
    Polygon,
    Transform,
    load_scene,
    parse_scene,
    save_scene,
    scene_to_dict,
)


@pytest.mark.parametrize("path", SCENE_FILES, ids=lambda p: p.name)
def test_saved_scene_reloads_equal(path, tmp_path):
    scene = load_scene(path)
    out = tmp_path / "again.json"
    save_scene(scene, out)
    assert load_scene(out) == scene
    # Saving twice gives the same text: the format is stable.
    save_scene(load_scene(out), tmp_path / "third.json")
    assert (tmp_path / "third.json").read_text() == out.read_text()


def test_defaults_are_filled_in():
    scene = parse_scene(
        {
            "version": 1,
            "canvas": {"width": 3, "height": 2, "background": [0, 0, 0]},
            "shapes": [
                {
                    "id": "p",
                    "type": "polygon",
                    "points": [[0, 0], [1, 0], [0, 1]],
                    "fill": [1, 0, 0],
                },
                {
                    "id": "c",
                    "type": "circle",
                    "center": [1, 1],
                    "radius": 0.5,
                    "fill": [0, 1, 0],
                },
            ],
        }
    )
    p, c = scene.shapes
    assert isinstance(p, Polygon) and isinstance(c, Circle)
    assert (p.opacity, p.role, p.fill_rule, p.transform) == (
        1.0,
        "shape",
        "nonzero",
        Transform(),
    )
    assert c.transform == Transform((0.0, 0.0), 0.0, 1.0)
    assert scene.description is None


def test_description_and_non_defaults_survive_saving(tmp_path):
    data = json.loads((SCENE_FILES[0].parent / "house.json").read_text())
    scene = parse_scene(data)
    saved = scene_to_dict(scene)
    assert saved["description"] == data["description"]
    post = saved["shapes"][2]
    assert post["role"] == "occluder"
    # The identity transform of "post" is a default and is left out of the saved file.
    assert "transform" not in post
    assert saved["shapes"][1]["opacity"] == 0.7


def test_load_scene_reports_the_file(tmp_path):
    from reynolds import SceneError

    with pytest.raises(SceneError, match=r"missing\.json: no such file"):
        load_scene(tmp_path / "missing.json")
