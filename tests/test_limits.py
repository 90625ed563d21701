"""Numeric limits (scene format, "Limits"): what the float32 kernels cannot honour is
refused with the JSON path, through the loader, the API and the CLI; what is accepted,
up to the limits themselves, renders finite images that agree with the exact reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import scene_dict, square
from conftest import ARCH
from reynolds import (
    Canvas,
    Polygon,
    Scene,
    SceneError,
    backward,
    backward_with_stderr,
    load_scene,
    parse_scene,
    render,
    render_exact,
)
from reynolds.cli import main
from reynolds.limits import MAX_COORDINATE, MAX_SAMPLES

TRIANGLE = {
    "id": "tri",
    "type": "polygon",
    "points": [[1, 1], [6, 2], [3, 5]],
    "fill": [0.8, 0.1, 0.1],
}


def _with(**changes) -> dict:
    return scene_dict(8, 6, [{**TRIANGLE, **changes}])


# (case, scene dict, JSON path of the fault): each was accepted before the limits and
# rendered Inf, NaN or a wrong image (issue 9), or lies just beyond a limit.
REFUSED = [
    ("fill-3.4e38", _with(fill=[3.4e38, 0, 0]), "shapes[0].fill[0]"),
    (
        "background-3.5e38",
        scene_dict(8, 6, [TRIANGLE], background=(0, 3.5e38, 0)),
        "canvas.background[1]",
    ),
    (
        "points-1e308",
        _with(points=[[1e308, 0], [1e308, 1], [0, 0]]),
        "shapes[0].points[0][0]",
    ),
    (
        "triangle-at-1e20",
        _with(points=[[-1e20, -1e20], [1e20, 0], [0, 1e20]]),
        "shapes[0].points[0][0]",
    ),
    (
        "just-beyond",
        _with(points=[[1, 1], [6, 2], [3, 100001]]),
        "shapes[0].points[2][1]",
    ),
    (
        "translate",
        _with(transform={"translate": [0, -2e5]}),
        "shapes[0].transform.translate[1]",
    ),
    ("scale-big", _with(transform={"scale": 2e6}), "shapes[0].transform.scale"),
    ("scale-small", _with(transform={"scale": 1e-7}), "shapes[0].transform.scale"),
    ("rotate", _with(transform={"rotate": -2e6}), "shapes[0].transform.rotate"),
    # Raw points within the limit, but scaled about their mean beyond it.
    ("transformed", _with(transform={"scale": 1e5}), "shapes[0]"),
    (
        "circle-reach",
        scene_dict(
            8,
            6,
            [
                {
                    "id": "c",
                    "type": "circle",
                    "center": [-60000, 3],
                    "radius": 60000,
                    "fill": [1, 1, 1],
                }
            ],
        ),
        "shapes[0]",
    ),
    (
        "radius-big",
        scene_dict(
            8,
            6,
            [
                {
                    "id": "c",
                    "type": "circle",
                    "center": [0, 0],
                    "radius": 2e5,
                    "fill": [1, 1, 1],
                }
            ],
        ),
        "shapes[0].radius",
    ),
    (
        "radius-tiny",
        scene_dict(
            8,
            6,
            [
                {
                    "id": "c",
                    "type": "circle",
                    "center": [0, 0],
                    "radius": 1e-300,
                    "fill": [1, 1, 1],
                }
            ],
        ),
        "shapes[0].radius",
    ),
    ("canvas-side", scene_dict(100_000, 2, []), "canvas.width"),
]


@pytest.mark.parametrize("case, data, where", REFUSED, ids=[c[0] for c in REFUSED])
def test_values_beyond_the_limits_are_refused_with_their_path(case, data, where):
    with pytest.raises(SceneError) as info:
        parse_scene(data)
    assert info.value.where == where


@pytest.mark.parametrize(
    "case, data, where", REFUSED[:4], ids=[c[0] for c in REFUSED[:4]]
)
def test_cli_refuses_them_in_one_line(case, data, where, write_json, tmp_path, capsys):
    path = write_json(data)
    assert main(["grad", path, "--target", path, "--arch", ARCH]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: {where}: ")
    assert "NaN" not in err and "Traceback" not in err


def test_scenes_built_in_code_meet_the_same_limits():
    far = Polygon(
        id="far", fill=(1, 1, 1), points=((-1e20, -1e20), (1e20, 0), (0, 1e20))
    )
    scene = Scene(canvas=Canvas(8, 6, (0, 0, 0)), shapes=(far,))
    for call in (
        lambda: render(scene, arch=ARCH),
        lambda: render_exact(scene),
        lambda: backward(scene, np.ones((6, 8, 3)), arch=ARCH),
    ):
        with pytest.raises(SceneError, match="shapes\\[0\\].points\\[0\\]\\[0\\]"):
            call()


def test_a_triangle_at_the_coordinate_limit_renders_like_its_exact_image():
    # Two vertices at +-MAX_COORDINATE: the edge between them crosses the canvas with
    # a slope of 3e-6. Before the limits, the same triangle at +-1e20 vanished from the
    # Monte Carlo image (float32 products overflowed). 256 jittered samples give an edge
    # pixel a standard deviation below 1/(2*16) = 0.03; 0.1 bounds it by > 3 sigma,
    # while a missing or misplaced edge would be off by the coverage, up to 1.
    b = MAX_COORDINATE
    data = _with(points=[[-b, 3.3], [b, 2.7], [0, b]], fill=[1, 1, 1])
    scene = parse_scene(data)
    image = render(scene, spp=256, seed=1, arch=ARCH)
    exact = render_exact(scene)
    assert np.all(np.isfinite(image))
    assert np.abs(image - exact).max() < 0.1
    # The edge runs from y = 3.3 at x = -b to 2.7 at x = b: row 5 is covered, row 0 not.
    assert exact[5].min() == 1.0 and exact[0].max() == 0.0


def test_colours_at_the_limit_give_finite_images_gradients_and_json(
    write_json, tmp_path, capsys
):
    big = 1e6
    data = scene_dict(
        8,
        6,
        [
            {**TRIANGLE, "fill": [big, -big, big]},
            {
                "id": "sun",
                "type": "circle",
                "center": [4, 3],
                "radius": 2,
                "fill": [-big, big, 0],
                "opacity": 0.5,
            },
        ],
        background=(big, -big, big),
    )
    scene = parse_scene(data)
    image = render(scene, arch=ARCH)
    assert np.all(np.isfinite(image)) and np.abs(image).max() <= big * (1 + 1e-6)
    grads = backward(scene, np.ones((6, 8, 3)), arch=ARCH)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    path = write_json(data)
    assert main(["grad", path, "--target", path, "--arch", ARCH]) == 0
    import json

    report = json.loads(capsys.readouterr().out)  # strict JSON: no NaN literal
    assert np.isfinite(report["loss"])


@pytest.mark.parametrize(
    "option, value, where",
    [
        ("spp", 2**31, "spp"),
        ("spp", 0, "spp"),
        ("seed", 2**32, "seed"),
        ("seed", -1, "seed"),
        ("edge_samples", 2**32, "edge_samples"),
        ("edge_samples", -1, "edge_samples"),
        ("spp", 2.5, "spp"),
    ],
)
def test_api_sample_counts_and_seeds_beyond_32_bits_are_refused(option, value, where):
    scene = parse_scene(_with())
    with pytest.raises(SceneError) as info:
        backward(scene, np.ones((6, 8, 3)), arch=ARCH, **{option: value})
    assert info.value.where == where
    if option != "edge_samples":
        with pytest.raises(ValueError):
            render(scene, arch=ARCH, **{option: value})


def test_edge_samples_leave_room_for_one_per_boundary_piece():
    # Stratified allocation adds up to one sample per piece: the count must leave room.
    scene = parse_scene(_with())
    with pytest.raises(SceneError, match="boundary piece"):
        backward(
            scene,
            np.ones((6, 8, 3)),
            params=["tri.points"],
            edge_samples=MAX_SAMPLES - 1,
            arch=ARCH,
        )


def test_repeats_beyond_the_seeds_are_refused():
    scene = parse_scene(_with())
    with pytest.raises(SceneError, match="repeat"):
        backward_with_stderr(scene, np.ones((6, 8, 3)), repeat=2**32 + 1, arch=ARCH)


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "{scene}", "-o", "{out}", "--spp", str(2**31)],
        ["grad", "{scene}", "--target", "{scene}", "--edge-samples", str(2**32)],
        ["grad", "{scene}", "--target", "{scene}", "--repeat", str(2**32 + 1)],
        [
            "optimize",
            "{scene}",
            "--target",
            "{scene}",
            "--out",
            "{out}",
            "--spp-final",
            str(2**31),
        ],
        ["render", "{scene}", "-o", "{out}", "--seed", str(2**32)],
    ],
    ids=["spp", "edge-samples", "repeat", "spp-final", "seed"],
)
def test_cli_counts_beyond_32_bits_are_one_line_errors(
    argv, write_json, tmp_path, capsys
):
    scene = write_json(_with())
    out = tmp_path / "out.png"
    argv = [a.format(scene=scene, out=out) for a in argv]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        f"error: reynolds {argv[0]}: argument --"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.json"]


def test_the_largest_canvas_side_is_accepted():
    scene = parse_scene(
        scene_dict(65_536, 1, [{**TRIANGLE, "points": square(65_530, 0, 65_540, 1)}])
    )
    assert scene.canvas.width == 65_536


def test_subnormal_numbers_load_as_zero():
    # ti.init turns on flush-to-zero for the whole process: without this rule the same
    # file would load differently before and after the first render.
    data = scene_dict(8, 6, [{**TRIANGLE, "fill": [1e-310, 0.5, 5e-324]}])
    assert parse_scene(data).shapes[0].fill == (0.0, 0.5, 0.0)


@pytest.mark.parametrize(
    "circle, where",
    [
        ('id="c" cx="3" cy="3" r="1e20"', "shapes[0].radius"),
        ('id="a&#10;b" cx="3" cy="3" r="2"', "shapes[0].id"),
    ],
    ids=["radius-1e20", "newline-in-id"],
)
def test_svg_import_meets_the_loader_rules(circle, where, tmp_path, capsys):
    # An imported scene is one the loader would accept, or the import is refused: else
    # `import-svg` would write a scene file that cannot be read back.
    svg = tmp_path / "in.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="6">'
        f'<rect width="8" height="6" fill="white"/><circle {circle} fill="red"/></svg>'
    )
    out = tmp_path / "out.json"
    assert main(["import-svg", str(svg), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {svg}: {where}: ") and err.count("\n") == 1
    assert not out.exists()


def test_a_polygon_of_more_than_100000_points_is_refused(write_json):
    import math

    n = 100_001
    points = [
        [
            32 + 20 * math.cos(2 * math.pi * i / n),
            32 + 20 * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    scene = {
        "version": 1,
        "canvas": {"width": 64, "height": 64, "background": [0, 0, 0]},
        "shapes": [{"id": "p", "type": "polygon", "points": points, "fill": [1, 1, 1]}],
    }
    path = write_json(scene)
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    assert str(caught.value) == (
        f"{path}: shapes[0].points: a polygon has at most 100,000 points (the kernels' "
        "cost grows with them), got 100,001"
    )
