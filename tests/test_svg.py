"""SVG in and out: each element and transform kind against scenes worked out by hand,
colours, the viewport, warnings for what is left out, refusals, round trips, the CLI.

Expected values are computed here from the SVG and sRGB specifications, never read back
from the importer. Round trips compare every number to 1e-12 (they are exact but for
one rounding in the sRGB curve and in composing a transform matrix).
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import SCENE_FILES, SCENES
from reynolds import (
    Canvas,
    Circle,
    Polygon,
    Scene,
    SceneError,
    SvgWarning,
    Transform,
    load_scene,
    load_svg,
    render_exact,
    save_svg,
    scene_to_dict,
)
from reynolds.cli import main

DEMO_SCENES = sorted(SCENES.glob("demos/*/[st]*.json"))
ROUND_TRIP_TOLERANCE = 1e-12


def srgb_to_linear(octet: float) -> float:
    """IEC 61966-2-1, written out here independently of the importer."""
    s = octet / 255.0
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def document(body: str, *, width=40, height=30, attrs="", background=True) -> str:
    """An SVG file: line 1 the root, line 2 a white background rect, line 3 `body`."""
    bg = f'<rect width="{width}" height="{height}" fill="white"/>' if background else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f"{attrs}>\n{bg}\n{body}\n</svg>\n"
    )


@pytest.fixture
def load(tmp_path):
    """Write SVG text to a file and load it; returns (scene, warning lines, path)."""

    def run(text: str):
        path = tmp_path / "art.svg"
        path.write_text(text, encoding="utf-8")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scene = load_svg(path)
        lines = [str(w.message) for w in caught if issubclass(w.category, SvgWarning)]
        return scene, lines, str(path)

    return run


def only_shape(load, body: str, **kwargs):
    scene, lines, _ = load(document(body, **kwargs))
    assert lines == []
    assert len(scene.shapes) == 1
    return scene.shapes[0]


def assert_points(actual, expected, tol=1e-12):
    np.testing.assert_allclose(np.array(actual), np.array(expected), rtol=0, atol=tol)


# -- elements -----------------------------------------------------------------------


def test_rect_is_a_polygon_of_its_corners(load):
    shape = only_shape(load, '<rect id="r" x="2" y="3" width="10" height="5.5"/>')
    assert shape == Polygon(
        id="r", fill=(0.0, 0.0, 0.0), points=((2, 3), (12, 3), (12, 8.5), (2, 8.5))
    )


@pytest.mark.parametrize("tag", ["polygon", "polyline"])
def test_polygon_and_polyline_are_closed_polygons(load, tag):
    shape = only_shape(
        load, f'<{tag} id="p" points="1,1 9,1 5 7" fill-rule="evenodd" fill="black"/>'
    )
    assert shape == Polygon(
        id="p", fill=(0, 0, 0), points=((1, 1), (9, 1), (5, 7)), fill_rule="evenodd"
    )


@pytest.mark.parametrize(
    "element",
    [
        '<circle id="c" cx="5" cy="6" r="2.5"/>',
        '<ellipse id="c" cx="5" cy="6" rx="2.5" ry="2.5"/>',
        '<ellipse id="c" cx="5" cy="6" rx="2.5"/>',  # SVG 2: a missing ry is rx
    ],
)
def test_circle_and_round_ellipse_are_circles(load, element):
    assert only_shape(load, element) == Circle(
        id="c", fill=(0, 0, 0), center=(5, 6), radius=2.5
    )


@pytest.mark.parametrize(
    "d",
    [
        "M2 2 L12 2 L12 8 L2 8 Z",
        "m2 2 l10 0 l0 6 l-10 0 z",
        "M2,2 H12 V8 H2 Z",
        "m 2 2 h 10 v 6 h -10 z",
        "M2 2 12 2 12 8 2 8z",  # pairs after M are line-tos
        "M2 2 L12 2 L12 8 L2 8 L2 2 Z",  # an explicit return to the start
        "M2 2 l10 0 0 6 -10 0",  # no Z: a fill closes the path anyway
        "M2,2h10v6h-10z",
    ],
)
def test_straight_path_forms(load, d):
    shape = only_shape(load, f'<path id="p" d="{d}"/>')
    assert_points(shape.points, [(2, 2), (12, 2), (12, 8), (2, 8)])


def black_area(scene: Scene) -> float:
    """Area (px^2) painted black on a white canvas, from the exact reference."""
    return float((1.0 - render_exact(scene)[..., 0]).sum())


@pytest.mark.parametrize(
    "d, rule, area",
    [
        ("M0 0 H12 V12 H0 Z M3 3 H9 V9 H3 Z", "evenodd", 144 - 36),
        ("M0 0 H12 V12 H0 Z M3 3 H9 V9 H3 Z", "nonzero", 144),
        ("M0 0 H12 V12 H0 Z M3 3 V9 H9 V3 Z", "nonzero", 144 - 36),  # reversed hole
        ("M0 0 H12 V12 H0 Z M1 1 H4 V4 H1 Z M6 6 H10 V10 H6 Z", "evenodd", 144 - 25),
        ("M0 0 H3 V3 H0 Z M5 5 H9 V9 H5 Z M10 0 H12 V2 H10 Z", "nonzero", 9 + 16 + 4),
    ],
)
def test_subpaths_fill_as_in_svg(load, d, rule, area):
    shape = only_shape(load, f'<path d="{d}" fill-rule="{rule}"/>', width=12, height=12)
    scene = Scene(Canvas(12, 12, (1.0, 1.0, 1.0)), (shape,))
    assert black_area(scene) == pytest.approx(area, abs=1e-9)


# -- transforms ---------------------------------------------------------------------


def test_own_translation_becomes_the_scene_transform(load):
    shape = only_shape(
        load, '<polygon points="0,0 4,0 4,2" transform="translate(3 4)"/>'
    )
    assert shape.points == ((0, 0), (4, 0), (4, 2))
    assert shape.transform == Transform(translate=(3, 4))


def test_own_rotation_is_about_the_pivot(load):
    # rotate(90) maps p to (-y, x); the scene transform R (p - c) + c + t with the
    # pivot c = (8/3, 2/3) needs t = R c - c = (-2/3 - 8/3, 8/3 - 2/3).
    shape = only_shape(load, '<polygon points="0,0 4,0 4,2" transform="rotate(90)"/>')
    t = shape.transform
    assert (t.rotate, t.scale) == (90.0, pytest.approx(1.0, abs=1e-15))
    assert_points(t.translate, (-10 / 3, 2))


def test_rotation_angle_is_not_reduced_modulo_360(load):
    shape = only_shape(load, '<polygon points="0,0 4,0 4,2" transform="rotate(400)"/>')
    assert shape.transform.rotate == 400.0


def test_group_scale_is_applied_to_the_points(load):
    shape = only_shape(
        load, '<g transform="scale(2)"><rect x="1" y="1" width="2" height="3"/></g>'
    )
    assert shape.points == ((2, 2), (6, 2), (6, 8), (2, 8))
    assert shape.transform.is_identity()


def test_own_rotation_inside_a_scaled_group(load):
    shape = only_shape(
        load,
        '<g transform="scale(2)"><rect x="1" y="1" width="2" height="3" '
        'transform="rotate(90)"/></g>',
    )
    # Points scaled by the group; the rotation about the scaled pivot (4, 5) must send
    # (2, 2) where the SVG sends it: scale(2) rotate(90) (2, 2)/2 = 2 (-1, 1) = (-2, 2).
    assert shape.points == ((2, 2), (6, 2), (6, 8), (2, 8))
    t = shape.transform
    assert t.rotate == 90.0 and t.scale == pytest.approx(1.0, abs=1e-15)
    pivot = (4.0, 5.0)
    rel = (2 - pivot[0], 2 - pivot[1])
    world = (-rel[1] + pivot[0] + t.translate[0], rel[0] + pivot[1] + t.translate[1])
    assert_points(world, (-2, 2))


@pytest.mark.parametrize(
    "transform, points",
    [
        ("skewX(45)", [(0, 0), (4, 0), (6, 2), (2, 2)]),  # x' = x + y
        ("skewY(45)", [(0, 0), (4, 4), (4, 6), (0, 2)]),  # y' = y + x
        ("scale(2 1)", [(0, 0), (8, 0), (8, 2), (0, 2)]),
        ("matrix(1 0 0 -1 0 2)", [(0, 2), (4, 2), (4, 0), (0, 0)]),  # a mirror
    ],
)
def test_skews_stretches_and_mirrors_are_baked_into_the_points(load, transform, points):
    shape = only_shape(
        load, f'<polygon points="0,0 4,0 4,2 0,2" transform="{transform}"/>'
    )
    assert_points(shape.points, points)
    assert shape.transform.is_identity()


def test_rotation_about_a_centre(load):
    # rotate(90 1 1) about the square's own centre: the pivot stays, t = 0.
    shape = only_shape(
        load, '<polygon points="0,0 2,0 2,2 0,2" transform="rotate(90 1 1)"/>'
    )
    assert shape.transform.rotate == 90.0
    assert_points(shape.transform.translate, (0, 0), tol=1e-15)


def test_own_uniform_scale_is_about_the_pivot(load):
    # scale(2) maps p to 2 p; about the pivot c = (8/3, 2/3) that is t = 2c - c = c.
    shape = only_shape(load, '<polygon points="0,0 4,0 4,2" transform="scale(2)"/>')
    assert shape.transform.scale == pytest.approx(2.0, abs=1e-15)
    assert shape.transform.rotate == 0.0
    assert_points(shape.transform.translate, (8 / 3, 2 / 3))


def test_matrix_rotation_on_a_circle(load):
    # matrix(0 1 -1 0 5 6) is rotate(90) then translate(5, 6); the centre (2, 0) goes
    # to (5, 8), so translate = (3, 8) about the centre.
    shape = only_shape(
        load, '<circle cx="2" cy="0" r="1" transform="matrix(0 1 -1 0 5 6)"/>'
    )
    assert (shape.center, shape.radius) == ((2, 0), 1)
    assert shape.transform.rotate == pytest.approx(90.0, abs=1e-12)
    assert shape.transform.scale == pytest.approx(1.0, abs=1e-15)
    assert_points(shape.transform.translate, (3, 8))


def test_mirrored_circle_is_baked(load):
    shape = only_shape(
        load, '<circle cx="-5" cy="3" r="2" transform="matrix(-1 0 0 1 0 0)"/>'
    )
    assert (shape.center, shape.radius, shape.transform) == ((5, 3), 2, Transform())


def test_uniform_group_scale_on_a_circle(load):
    shape = only_shape(
        load,
        '<g transform="translate(1 2) scale(3)"><circle cx="2" cy="1" r="1.5"/></g>',
    )
    assert (shape.center, shape.radius) == ((7, 5), 4.5)


@pytest.mark.parametrize(
    "body, culprit",
    [
        (
            '<g id="squash" transform="scale(2 1)"><circle r="3"/></g>',
            "transform='scale(2 1)' of line 3 <g id='squash'>",
        ),
        ('<circle r="3" transform="skewX(10)"/>', "its transform='skewX(10)'"),
    ],
)
def test_circle_under_a_stretch_is_refused(load, body, culprit):
    with pytest.raises(SceneError) as info:
        load(document(body))
    text = str(info.value)
    assert "line 3 <circle>" in text and culprit in text and "ellipse" in text


# -- colours and opacity ------------------------------------------------------------


@pytest.mark.parametrize(
    "fill, octets",
    [
        ("black", (0, 0, 0)),
        ("steelblue", (70, 130, 180)),
        ("SteelBlue", (70, 130, 180)),
        ("#abc", (0xAA, 0xBB, 0xCC)),
        ("#A0B1C2", (0xA0, 0xB1, 0xC2)),
        ("rgb(10, 20, 30)", (10, 20, 30)),
        ("rgb(50%, 25%, 100%)", (127.5, 63.75, 255)),
        ("rgb(10 20 30)", (10, 20, 30)),
        ("rgb(300, -5, 0)", (255, 0, 0)),  # clamped, as CSS does
    ],
)
def test_colours_are_converted_from_srgb_to_linear(load, fill, octets):
    shape = only_shape(load, f'<rect width="4" height="4" fill="{fill}"/>')
    assert_points(shape.fill, [srgb_to_linear(o) for o in octets], tol=1e-15)


def test_srgb_mid_grey_is_linear_0_2159(load):
    shape = only_shape(load, '<rect width="4" height="4" fill="#808080"/>')
    assert shape.fill == pytest.approx((0.2158605,) * 3, abs=1e-7)


@pytest.mark.parametrize(
    "body, opacity",
    [
        (
            '<g opacity="0.5"><rect width="4" height="4" fill-opacity="0.8" opacity="0.5"/></g>',
            0.2,
        ),
        (
            '<rect width="4" height="4" fill="rgba(255, 0, 0, 0.5)" fill-opacity="0.5"/>',
            0.25,
        ),
        ('<rect width="4" height="4" fill="#ff000080"/>', 128 / 255),
        ('<rect width="4" height="4" opacity="50%"/>', 0.5),
        ('<g fill-opacity="0.3"><rect width="4" height="4"/></g>', 0.3),
    ],
)
def test_opacities_multiply(load, body, opacity):
    assert only_shape(load, body).opacity == pytest.approx(opacity, abs=1e-15)


def test_styles_inherit_and_style_attribute_wins(load):
    scene, lines, _ = load(
        document(
            '<g fill="blue" fill-rule="evenodd" color="#00ff00">'
            '<polygon id="a" points="0,0 4,0 4,4"/>'
            '<polygon id="b" points="0,0 4,0 4,4" fill="red" style="fill: #0000ff; fill-rule: nonzero"/>'
            '<polygon id="c" points="0,0 4,0 4,4" fill="currentColor"/></g>'
        )
    )
    assert lines == []
    a, b, c = scene.shapes
    assert (a.fill, a.fill_rule) == ((0, 0, 1), "evenodd")
    assert (b.fill, b.fill_rule) == ((0, 0, 1), "nonzero")
    assert c.fill == (0, 1, 0)


# -- canvas and viewport ------------------------------------------------------------


def test_viewbox_meet_scales_and_centres(load):
    # s = min(64/24, 40/20) = 2; the 48 px wide box is centred: x' = 2 (x + 2) + 8.
    scene, _, _ = load(
        document(
            '<rect id="r" width="10" height="6"/><circle id="c" cx="15" cy="12" r="4.5"/>',
            width=64,
            height=40,
            attrs='viewBox="-2 -1 24 20"',
            background=False,
        )
    )
    assert (scene.canvas.width, scene.canvas.height) == (64, 40)
    rect, circle = scene.shapes
    assert rect.points == ((12, 2), (32, 2), (32, 14), (12, 14))
    assert (circle.center, circle.radius) == ((42, 26), 9)


def test_viewbox_slice_aligned_to_the_bottom(load):
    # s = max(40/10, 20/10) = 4; yMax: the 40 px tall box ends at y = 20.
    scene, _, _ = load(
        document(
            '<rect width="10" height="10"/>',
            width=40,
            height=20,
            attrs='viewBox="0 0 10 10" preserveAspectRatio="xMinYMax slice"',
            background=False,
        )
    )
    assert scene.shapes == () and scene.canvas.background == (0, 0, 0)  # covers all


def test_viewbox_none_stretches_polygons(load):
    scene, _, _ = load(
        document(
            '<polygon points="0,0 20,0 10,20"/>',
            width=60,
            height=30,
            attrs='viewBox="0 0 20 20" preserveAspectRatio="none"',
        )
    )
    assert scene.shapes[0].points == ((0, 0), (60, 0), (30, 30))


def test_viewbox_none_refuses_circles(load):
    with pytest.raises(SceneError, match="preserveAspectRatio='none'"):
        load(
            document(
                '<circle r="2"/>',
                width=60,
                height=30,
                attrs='viewBox="0 0 20 20" preserveAspectRatio="none"',
            )
        )


@pytest.mark.parametrize(
    "root, size",
    [
        ('viewBox="0 0 30 20"', (30, 20)),
        ('width="60" viewBox="0 0 30 20"', (60, 40)),
        ('height="100%" width="100%" viewBox="0 0 30 20"', (30, 20)),
        ('width="0.5in" height="24pt"', (48, 32)),
        ('width="12.7mm" height="2.54cm"', (48, 96)),
    ],
)
def test_canvas_size_from_width_height_and_viewbox(load, root, size):
    scene, _, _ = load(f'<svg xmlns="http://www.w3.org/2000/svg" {root}/>')
    assert (scene.canvas.width, scene.canvas.height) == size


def test_bottom_full_canvas_rect_is_the_background(load):
    scene, lines, _ = load(
        document('<rect width="40" height="30" fill="#808080"/>', background=False)
    )
    assert scene.shapes == () and lines == []
    assert scene.canvas.background == pytest.approx((0.2158605,) * 3, abs=1e-7)


def test_transparent_background_becomes_white_with_a_warning(load):
    scene, lines, path = load(
        document(
            '<rect width="40" height="30" fill="red" opacity="0.5"/>', background=False
        )
    )
    assert scene.canvas.background == (1, 1, 1) and len(scene.shapes) == 1
    assert lines == [
        f"{path}: line 1 <svg>: no full-canvas opaque <rect> at the bottom: the SVG's "
        "transparent background becomes white"
    ]


def test_description_role_and_generated_ids(load):
    scene, lines, _ = load(
        document(
            "<desc>a &lt;test&gt;</desc>"
            '<rect width="2" height="2"/><rect id="rect1" width="2" height="2"/>'
            '<rect width="2" height="2" data-reynolds-role="occluder"/>'
        )
    )
    assert scene.description == "a <test>"
    assert [s.id for s in scene.shapes] == ["rect2", "rect1", "rect3"]
    assert [s.role for s in scene.shapes] == ["shape", "shape", "occluder"]


# -- what is left out ---------------------------------------------------------------

SKIPPED = [
    ('<text x="1" y="5">hi</text>', "<text> skipped"),
    ('<image href="x.png" width="4" height="4"/>', "<image> skipped"),
    ('<use href="#a"/>', "<use> skipped"),
    ('<line x2="5" y2="5" stroke="black"/>', "<line> skipped"),
    ('<svg width="5" height="5"><rect width="5" height="5"/></svg>', "<svg> skipped"),
    ("<style>rect { fill: red }</style>", "<style> skipped"),
    ("<switch/>", "<switch> skipped"),
    ("<blink/>", "<blink> skipped"),
    ('<rect width="5" height="5" rx="1"/>', "<rect> with rounded corners"),
    ('<path d="M0 0 C 1 1 2 2 3 0 Z"/>', "<path> with curves (C)"),
    ('<path d="M0 0 L5 0 a 2 2 0 0 1 5 5 q 1 1 2 2 Z"/>', "<path> with curves (A, Q)"),
    ('<rect width="5" height="5" fill="none" stroke="red"/>', "<rect> with fill none"),
    ('<rect width="5" height="5" fill="url(#g)"/>', "<rect> with fill url(#g)"),
    ('<rect width="5" height="5" clip-path="url(#c)"/>', "clip-path='url(#c)'"),
    ('<g filter="url(#f)"><rect width="5" height="5"/></g>', "filter='url(#f)'"),
    ('<rect width="5" height="5" mask="url(#m)"/>', "mask='url(#m)'"),
    ('<rect width="5" height="5" style="mix-blend-mode: multiply"/>', "mix-blend-mode"),
    ('<ellipse rx="3" ry="2"/>', "<ellipse> with rx 3 != ry 2"),
    ('<polygon points="0,0 5,5"/>', "<polygon> with 2 points"),
    ('<path d="M0 0 L5 5 Z M1 1 L2 2"/>', "no subpath with 3 or more points"),
    ('<rect width="5" height="5" transform="scale(0 1)"/>', "collapses it to a line"),
]


@pytest.mark.parametrize("body, says", SKIPPED, ids=[s for _, s in SKIPPED])
def test_unsupported_is_one_warning_naming_the_element(load, body, says):
    scene, lines, path = load(document(body))
    assert scene.shapes == ()
    assert len(lines) == 1, lines
    name = re.match(r"<(\w+)", body).group(1)
    assert lines[0].startswith(f"{path}: line 3 <{name}"), lines[0]
    assert says in lines[0]


def test_shape_in_a_collapsed_group_is_one_warning(load):
    scene, lines, path = load(
        document(
            '<g transform="scale(0)">\n<rect width="5" height="5" transform="rotate(9)"/></g>'
        )
    )
    assert scene.shapes == ()
    assert lines == [
        f"{path}: line 4 <rect>: <rect> skipped: its transform collapses it to a line"
    ]


KEPT = [
    (
        '<rect width="5" height="5" stroke="red"/>',
        1,
        "stroke 'red' of <rect> not drawn",
    ),
    (
        '<polygon points="0,0 5,0 5,5" marker-end="url(#m)"/>',
        1,
        "marker-end of <polygon>",
    ),
    (
        '<path d="M0 0 H5 V5 Z" stroke="red" style="marker: url(#m)"/>',
        1,
        "stroke 'red' and marker-start and marker-mid and marker-end of <path>",
    ),
    (
        '<g opacity="0.5"><rect width="5" height="5"/><rect width="5" height="5"/></g>',
        2,
        "opacity 0.5 of <g> is applied to each of its 2 shapes",
    ),
    (
        '<rect id="a" width="5" height="5"/><rect id="a" width="5" height="5"/>',
        2,
        "id 'a' is used",
    ),
]


@pytest.mark.parametrize("body, count, says", KEPT, ids=[s for *_, s in KEPT])
def test_partly_supported_is_kept_with_one_warning(load, body, count, says):
    scene, lines, _ = load(document(body))
    assert len(scene.shapes) == count
    assert len(lines) == 1 and says in lines[0], lines


@pytest.mark.parametrize(
    "body",
    [
        '<defs><linearGradient id="g"/><rect id="x" width="5" height="5"/></defs>',
        "<title>t</title><metadata>m</metadata>",
        '<ns:thing xmlns:ns="http://example.org/editor"/>',  # an editor's own markup
        '<rect width="5" height="5" display="none"/>',
        '<g visibility="hidden"><rect width="5" height="5"/></g>',
        '<rect width="0" height="5"/><circle r="0"/><path d=""/>',
        "<!-- a comment --><?pi data?>",
    ],
)
def test_what_svg_does_not_draw_is_skipped_silently(load, body):
    scene, lines, _ = load(document(body))
    assert scene.shapes == () and lines == []


# -- refusals -----------------------------------------------------------------------

REFUSED = [
    ("malformed", document("<g>"), "line 4 column 3", "malformed XML: mismatched tag"),
    (
        "entity-bomb",
        '<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">&b;</svg>',
        None,
        "XML entities and external references are refused",
    ),
    (
        "external-entity",
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">&x;</svg>',
        None,
        "refused",
    ),
    ("not-svg", "<html/>", "line 1", "the root element is <html>"),
    (
        "unit",
        document('<rect width="3em" height="2"/>'),
        "line 3 <rect>",
        "unknown unit 'em'",
    ),
    (
        "percent",
        document('<rect width="50%" height="2"/>'),
        "line 3 <rect>",
        "percentages",
    ),
    (
        "transform",
        document('<rect width="2" height="2" transform="rotate(30"/>'),
        "line 3 <rect>",
        "transform='rotate(30'",
    ),
    (
        "colour",
        document('<rect width="2" height="2" fill="hsl(1, 2%, 3%)"/>'),
        "line 3 <rect>",
        "unsupported colour",
    ),
    (
        "group-colour",
        document('<g fill="reddish"><rect width="2" height="2"/></g>'),
        "line 3 <g>",
        "fill='reddish'",
    ),
    (
        "odd-points",
        document('<polygon points="0,0 1,1 2"/>'),
        "line 3 <polygon>",
        "odd count",
    ),
    (
        "negative-width",
        document('<rect width="-2" height="2"/>'),
        "line 3 <rect>",
        "must not be negative",
    ),
    (
        "negative-radius",
        document('<circle r="-1"/>'),
        "line 3 <circle>",
        "must not be negative",
    ),
    (
        "path-trailing",
        document('<path d="M0 0 L 1 2 3"/>'),
        "line 3 <path>",
        "path command L",
    ),
    ("path-start", document('<path d="L 1 1"/>'), "line 3 <path>", "must start with M"),
    (
        "path-junk",
        document('<path d="M0 0 X 1 1"/>'),
        "line 3 <path>",
        "d='M0 0 X 1 1'",
    ),
    (
        "number-overflow",
        document('<rect width="1e999" height="2"/>'),
        "line 3 <rect>",
        "too large",
    ),
    (
        "no-size",
        '<svg xmlns="http://www.w3.org/2000/svg"/>',
        "line 1 <svg>",
        "canvas size is unknown",
    ),
    (
        "fractional-size",
        document("", width=10.5),
        "line 1 <svg>",
        "not a whole number of pixels",
    ),
    ("too-large", document("", width=5000, height=5000), "line 1 <svg>", "exceeds"),
    (
        "viewbox",
        document("", attrs='viewBox="0 0 10"'),
        "line 1 <svg>",
        "expected 4 numbers",
    ),
    (
        "aspect",
        document("", attrs='viewBox="0 0 4 3" preserveAspectRatio="xMidYMid cover"'),
        "line 1 <svg>",
        "preserveAspectRatio",
    ),
    (
        "root-transform",
        document("", attrs='transform="scale(2)"'),
        "line 1 <svg>",
        "transform on the root",
    ),
    (
        "role",
        document('<rect width="2" height="2" data-reynolds-role="ghost"/>'),
        "line 3 <rect>",
        "data-reynolds-role",
    ),
    (
        "style",
        document('<rect width="2" height="2" style="fill red"/>'),
        "line 3 <rect>",
        "style='fill red'",
    ),
    (
        "fill-rule",
        document('<rect width="2" height="2" fill-rule="winding"/>'),
        "line 3 <rect>",
        "fill-rule='winding'",
    ),
]


@pytest.mark.parametrize(
    "case, text, where, says", REFUSED, ids=[c[0] for c in REFUSED]
)
def test_refusals_name_file_place_and_fault(load, case, text, where, says):
    with pytest.raises(SceneError) as info:
        _, _, path = load(text)
    error = info.value
    assert error.source.endswith("art.svg") and error.where == where
    assert says in str(error), str(error)


# -- round trips --------------------------------------------------------------------


def differences(a, b, path="") -> list[str]:
    """Where a and b differ: dict keys, list lengths, strings, or floats farther apart
    than ROUND_TRIP_TOLERANCE; an empty list when they agree."""
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for key in a for d in differences(a[key], b[key], f"{path}.{key}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} != {len(b)} items"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        return [] if abs(a - b) <= ROUND_TRIP_TOLERANCE else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_differences_finds_a_moved_point_and_a_renamed_shape():
    # The comparison the round-trip tests rely on can fail.
    scene = scene_to_dict(load_scene(SCENE_FILES[0]))
    moved = scene_to_dict(load_scene(SCENE_FILES[0]))
    moved["shapes"][0]["id"] += "x"
    first = moved["shapes"][-1]
    key = "points" if "points" in first else "center"
    if key == "points":
        first["points"][0][0] += 3 * ROUND_TRIP_TOLERANCE
    else:
        first["center"][0] += 3 * ROUND_TRIP_TOLERANCE
    assert differences(scene, scene) == []
    found = differences(moved, scene)
    assert len(found) == 2 and ".id" in found[0] and key in found[1], found


def round_trip(scene: Scene, tmp_path) -> tuple[Scene, str]:
    path = tmp_path / "scene.svg"
    with warnings.catch_warnings():
        warnings.simplefilter("error", SvgWarning)
        save_svg(scene, path)
        return load_svg(path), path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path", SCENE_FILES + DEMO_SCENES, ids=lambda p: str(p.relative_to(SCENES))
)
def test_every_example_scene_round_trips(path, tmp_path):
    scene = load_scene(path)
    back, _ = round_trip(scene, tmp_path)
    assert differences(scene_to_dict(back), scene_to_dict(scene)) == []


def test_round_trip_keeps_transforms_roles_rules_and_text(tmp_path):
    scene = Scene(
        Canvas(20, 10, (0.0, 0.1, 0.2)),
        (
            Polygon(
                id='a "quoted" <id>',
                fill=(128 / 255, 0.5, 1.0),
                opacity=0.3,
                points=((1, 1), (9, 1.5), (4, 8), (8, 8), (1.25, 3)),
                fill_rule="evenodd",
                transform=Transform((0.5, -1.0), rotate=400.0, scale=0.5),
            ),
            Circle(
                id="c",
                fill=(0.2158605001138992, 0.0, 0.0),
                role="occluder",
                center=(15, 5),
                radius=3.3,
                transform=Transform((1.0, 0.0), rotate=-30.0, scale=1.7),
            ),
        ),
        description='pictures & <"text">\n  on two lines',
    )
    back, text = round_trip(scene, tmp_path)
    assert differences(scene_to_dict(back), scene_to_dict(scene)) == []
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert [e.tag.split("}")[1] for e in root] == ["desc", "rect", "polygon", "circle"]
    assert root[3].get("fill") == "#800000"  # exact in 8 bits: written as hex


def test_export_clamps_colours_outside_0_1_with_a_warning(tmp_path):
    scene = Scene(
        Canvas(4, 4),
        (Polygon(id="p", fill=(1.5, 0.5, -0.1), points=((0, 0), (4, 0), (0, 4))),),
    )
    out = tmp_path / "x.svg"
    with pytest.warns(
        SvgWarning, match=r"shapes\[0\]\.fill: colour .* outside \[0, 1\]"
    ):
        save_svg(scene, out)
    assert load_svg(out).shapes[0].fill == pytest.approx((1.0, 0.5, 0.0), abs=1e-12)


def test_export_refuses_text_xml_cannot_hold(tmp_path):
    scene = Scene(Canvas(4, 4), description="bell \x07")
    with pytest.raises(SceneError, match="description: contains a control character"):
        save_svg(scene, tmp_path / "x.svg")
    assert list(tmp_path.iterdir()) == []


# -- CLI ----------------------------------------------------------------------------


def test_cli_import_writes_the_scene_and_one_warning_line_each(tmp_path, capsys):
    svg = tmp_path / "in.svg"
    svg.write_text(
        document('<text>hi</text><rect id="r" width="5" height="5" stroke="red"/>')
    )
    out = tmp_path / "scene.json"
    assert main(["import-svg", str(svg), "-o", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[:3] for line in err] == [
        ["warning", str(svg), "line 3 <text>"],
        ["warning", str(svg), "line 3 <rect id='r'>"],
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SvgWarning)
        assert load_scene(out) == load_svg(svg)


def test_cli_import_error_is_one_line_and_writes_nothing(tmp_path, capsys):
    svg = tmp_path / "in.svg"
    svg.write_text(document('<circle r="2" transform="scale(1 2)"/>'))
    out = tmp_path / "scene.json"
    assert main(["import-svg", str(svg), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {svg}: line 3 <circle>: ")
    assert not out.exists()


def test_cli_export_then_import_gives_the_scene_back(tmp_path, capsys):
    house = SCENES / "house.json"
    svg, again = tmp_path / "house.svg", tmp_path / "again.json"
    assert main(["export-svg", str(house), "-o", str(svg)]) == 0
    assert main(["import-svg", str(svg), "-o", str(again)]) == 0
    assert capsys.readouterr().err == ""
    assert (
        differences(scene_to_dict(load_scene(again)), scene_to_dict(load_scene(house)))
        == []
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.json", "house.svg"]


def test_cli_export_into_a_missing_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "no" / "x.svg"
    assert main(["export-svg", str(SCENES / "house.json"), "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_translucent_overlap_is_composited_in_linear_light(load):
    # Reynolds composites in linear light (SVG viewers in sRGB, docs/svg.md): black at
    # opacity 0.5 over white is linear 0.5 here.
    scene, _, _ = load(document('<rect width="40" height="30" opacity="0.5"/>'))
    image = render_exact(scene)
    assert image[5, 5] == pytest.approx([0.5] * 3, abs=1e-12)
