"""Fuzzing the loader, and degenerate scenes (issue 9, deliverable 6).

Every input either loads as a `Scene` or is refused with one `SceneError` line, never
another exception; every scene that loads renders finite images and gradients, and an
image that agrees with its exact reference. Hypothesis runs derandomized (the same
examples on every run, so CI is reproducible) with a bounded number of examples; the
whole file takes about 30 s on the 2-core CPU.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math

import numpy as np
import pytest
from builders import scene_dict
from conftest import ARCH
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reynolds import (
    SceneError,
    backward,
    parse_scene,
    render,
    render_exact,
    smooth_adjoint,
)
from reynolds.cli import main
from reynolds.scene_io import parse_scene_text, scene_to_json
from test_limits import REFUSED

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=10_000,  # ms per example; the first one may compile kernels
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Monte Carlo and exact images agree within AGREEMENT x the scene's colour range: 256
# jittered samples put an edge pixel's standard deviation below sqrt(16 / 4) / 256 < 1 %
# of that range (16 strata crossed by an edge), so 5 % is > 5 sigma, while a shape that
# vanished or an edge misplaced by a tenth of a pixel is off by more.
AGREEMENT = 0.05
# Renders of accepted scenes are kept small, so that the examples stay fast.
MAX_FUZZ_PIXELS = 1024
MAX_FUZZ_VERTICES = 64

BASE = scene_dict(
    8,
    6,
    [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[1, 1], [6, 2], [3, 5]],
            "fill": [0.8, 0.1, 0.1],
            "fill_rule": "evenodd",
            "transform": {"translate": [0.5, 0], "rotate": 10, "scale": 1.2},
        },
        {
            "id": "sun",
            "type": "circle",
            "center": [5, 2],
            "radius": 1.5,
            "fill": [1, 0.8, 0],
            "opacity": 0.7,
            "role": "occluder",
        },
    ],
    background=(0.2, 0.3, 0.4),
)
KEYS = sorted(
    {
        "version",
        "description",
        "canvas",
        "shapes",
        "width",
        "height",
        "background",
        "id",
        "type",
        "points",
        "center",
        "radius",
        "fill",
        "opacity",
        "fill_rule",
        "role",
        "transform",
        "translate",
        "rotate",
        "scale",
    }
)
# Numbers at and beyond the edges: limits, float32 and float64 overflow, 32-bit widths.
EDGE_NUMBERS = [
    0,
    -0.0,
    1,
    -1,
    0.5,
    1e-300,
    5e-324,
    1e-7,
    1e-6,
    99_999.9,
    100_000,
    100_000.1,
    -100_000,
    65_536,
    65_537,
    1e6,
    1e7,
    3.4e38,
    1e308,
    2**31,
    2**32,
    2**64,
    10**400,
    math.nan,
    math.inf,
    -math.inf,
]

# Text with anything JSON can carry, unpaired surrogates and control characters included.
text = st.text(st.characters(exclude_categories=()), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from(EDGE_NUMBERS)
    | text
    | st.sampled_from(["polygon", "circle", "nonzero", "evenodd", "occluder", "shape"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | text, children, max_size=5)
    ),
    max_leaves=24,
)


def _assert_clean_refusal(error: SceneError) -> None:
    line = str(error)
    assert line.isprintable() and len(line) < 3000, line[:300]
    assert "object at 0x" not in line


def _paths(node, prefix=()):
    """Every path into a JSON document (the root included)."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


@st.composite
def mutated_scenes(draw):
    """The base scene with one to three of its values replaced, removed or added to."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        # Plain numbers most often: they keep many scenes valid, so that some render.
        action = draw(
            st.sampled_from(
                [
                    "number",
                    "number",
                    "number",
                    "edge",
                    "replace",
                    "delete",
                    "add",
                    "grow",
                ]
            )
        )
        key = path[-1]
        if action == "number":
            parent[key] = draw(st.integers(-3, 300) | st.floats(-2e5, 2e5))
        elif action == "replace":
            parent[key] = draw(json_values)
        elif action == "edge":
            parent[key] = draw(st.sampled_from(EDGE_NUMBERS))
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS) | text)] = draw(json_values)
        elif isinstance(parent[key], list):
            parent[key] = parent[key] + parent[key][: draw(st.integers(0, 3))]
    return data


def _colour_range(scene) -> float:
    """The largest difference between two colours of the scene (at least 1)."""
    colours = np.array([scene.canvas.background] + [s.fill for s in scene.shapes])
    return max(float(np.ptp(colours)), 1.0)


def _check_accepted(scene) -> None:
    """A scene that loads renders finite values that agree with its exact image, and
    saves to a file that loads back equal."""
    assert parse_scene_text(scene_to_json(scene), source="saved") == scene
    h, w = scene.canvas.height, scene.canvas.width
    vertices = sum(len(getattr(s, "points", ())) for s in scene.shapes)
    if h * w > MAX_FUZZ_PIXELS or vertices > MAX_FUZZ_VERTICES:
        event("accepted, not rendered (large)")
        return
    event("accepted and rendered")
    image = render(scene, spp=256, seed=3, arch=ARCH)
    exact = render_exact(scene)
    assert np.all(np.isfinite(image)) and np.all(np.isfinite(exact))
    assert np.abs(image - exact).max() <= AGREEMENT * _colour_range(scene)
    grads = backward(
        scene, smooth_adjoint(h, w), spp=2, edge_samples=256, seed=3, arch=ARCH
    )
    for name, value in grads.items():
        assert np.all(np.isfinite(value)), name


@settings(FUZZ, max_examples=400)
@given(document=json_values)
def test_random_documents_load_or_are_refused_cleanly(document):
    for attempt in (
        lambda: parse_scene(document),
        # Through JSON text too, with NaN and Infinity written as JSON extensions.
        lambda: parse_scene_text(json.dumps(document), source="doc.json"),
    ):
        try:
            scene = attempt()
        except SceneError as error:
            event("refused")
            _assert_clean_refusal(error)
        else:
            _check_accepted(scene)


@settings(FUZZ, max_examples=300)
@given(data=mutated_scenes())
def test_mutated_scenes_load_and_render_finite_or_are_refused_cleanly(data):
    try:
        scene = parse_scene(data)
    except SceneError as error:
        event("refused")
        _assert_clean_refusal(error)
        assert error.where, "a fault inside a scene is named by its JSON path"
        return
    _check_accepted(scene)


@settings(FUZZ, max_examples=40)
@given(data=mutated_scenes(), cut=st.integers(0, 400))
def test_cli_validate_prints_one_line_or_succeeds(data, cut, tmp_path_factory):
    # Mutated scenes, some of them cut short: `validate` exits 0, or 2 with one line.
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "scene.json"
    text = json.dumps(data)
    path.write_text(text[: cut or None], encoding="utf-8", errors="surrogatepass")
    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        status = main(["validate", str(path)])
    if status == 0:
        assert stderr.getvalue() == "" and "valid scene" in stdout.getvalue()
    else:
        assert status == 2
        err = stderr.getvalue()
        assert err.startswith(f"error: {path}: ") and err.count("\n") == 1, err
        assert err[:-1].isprintable()
    assert sorted(p.name for p in folder.iterdir()) == ["scene.json"]


# Degenerate scenes: each must render finite values that agree with the exact image
# (within AGREEMENT), or be refused in one line.
B = 100_000  # MAX_COORDINATE


def _shape(kind, fill=(1.0, 0.5, 0.0), shape_id="s", **attributes):
    return {"id": shape_id, "type": kind, "fill": list(fill), **attributes}


def _one(shape, width=8, height=6, background=(0.2, 0.3, 0.4)):
    return scene_dict(width, height, [shape], background=background)


TRI = [[1, 1], [6, 2], [3, 5]]
DEGENERATE = {
    "zero-area": _one(_shape("polygon", points=[[1, 1], [5, 1], [3, 1]])),
    "collinear": _one(_shape("polygon", points=[[1, 1], [2, 2], [3, 3], [4, 4]])),
    "duplicate-vertices": _one(
        _shape("polygon", points=[[1, 1], [1, 1], [6, 2], [6, 2], [3, 5]])
    ),
    "one-point-thrice": _one(_shape("polygon", points=[[2, 2]] * 3)),
    "sliver": _one(_shape("polygon", points=[[0, 3], [8, 3.000001], [0, 3.000002]])),
    "self-intersecting-evenodd": _one(
        _shape(
            "polygon",
            points=[[4, 0], [5, 6], [0, 2], [8, 2], [3, 6]],
            fill_rule="evenodd",
        )
    ),
    "square-traced-twice": _one(
        _shape("polygon", points=[[1, 1], [7, 1], [7, 5], [1, 5]] * 2)
    ),
    "tiny-radius": _one(_shape("circle", center=[3, 3], radius=1e-6)),
    "tiny-radius-tiny-scale": _one(
        _shape("circle", center=[3, 3], radius=1e-6, transform={"scale": 1e-6})
    ),
    "huge-radius": _one(_shape("circle", center=[-B / 2 + 4, 3], radius=B / 2)),
    "huge-radius-translated": _one(
        _shape(
            "circle",
            center=[0, 0],
            radius=B / 2,
            transform={"translate": [-B / 2 + 4.5, 3]},
        )
    ),
    "far-off": scene_dict(
        8,
        6,
        [
            _shape(
                "polygon", shape_id="a", points=[[B - 10, B - 10], [B, B - 10], [B, B]]
            ),
            _shape("circle", shape_id="b", center=[-B + 5, -B + 5], radius=4),
        ],
    ),
    "one-pixel-canvas": scene_dict(
        1,
        1,
        [
            _shape(
                "polygon", shape_id="a", points=[[0.2, 0.1], [0.9, 0.3], [0.4, 0.8]]
            ),
            _shape("circle", shape_id="b", center=[0.5, 0.5], radius=0.3, opacity=0.5),
        ],
    ),
    "rotate-at-limit": _one(_shape("polygon", points=TRI, transform={"rotate": 1e6})),
    "scale-at-small-limit": _one(
        _shape("polygon", points=TRI, transform={"scale": 1e-6})
    ),
    "scale-at-large-limit": _one(
        _shape(
            "polygon",
            points=[[3, 3], [3.00001, 3], [3, 3.00001]],
            transform={"scale": 1e6},
        )
    ),
    "coordinates-at-limit": _one(
        _shape("polygon", points=[[-B, 3.3], [B, 2.7], [0, B]], fill=(1, 1, 1))
    ),
    "colours-at-limit": scene_dict(
        8,
        6,
        [
            _shape("polygon", shape_id="a", points=TRI, fill=(1e6, -1e6, 1e6)),
            _shape(
                "circle",
                shape_id="b",
                center=[4, 3],
                radius=2,
                fill=(-1e6, 1e6, 0),
                opacity=0.5,
            ),
        ],
        background=(1e6, -1e6, 1e6),
    ),
    "transparent": _one(_shape("circle", center=[4, 3], radius=2, opacity=0.0)),
    "fifty-layers": scene_dict(
        8,
        6,
        [
            _shape(
                "polygon",
                shape_id=f"s{k}",
                points=[[0, 0], [8, 0], [8, 6], [0, 6]],
                opacity=0.5,
            )
            for k in range(50)
        ],
    ),
}
CASES = list(DEGENERATE.items()) + [(f"refused-{c}", data) for c, data, _ in REFUSED]


@pytest.mark.parametrize("case, data", CASES, ids=[c for c, _ in CASES])
def test_degenerate_scenes_render_finite_and_right_or_are_refused(case, data):
    try:
        scene = parse_scene(data)
    except SceneError as error:
        _assert_clean_refusal(error)
        assert case.startswith("refused-"), f"{case} was refused: {error}"
        return
    assert not case.startswith("refused-"), f"{case} was accepted"
    h, w = scene.canvas.height, scene.canvas.width
    image = render(scene, spp=256, seed=5, arch=ARCH)
    exact = render_exact(scene)
    assert np.all(np.isfinite(image)) and np.all(np.isfinite(exact))
    assert np.abs(image - exact).max() <= AGREEMENT * _colour_range(scene), case
    grads = backward(scene, smooth_adjoint(h, w, seed=5), spp=16, seed=5, arch=ARCH)
    for name, value in grads.items():
        assert np.all(np.isfinite(value)), f"{case}: {name} = {value}"
