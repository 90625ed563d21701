"""Boundary pieces split at crossings (`split_at_crossings`), for the analytic estimator.

Hand-made configurations check the split points against independent geometry (shapely
for segment crossings, closed forms for circles); random scenes check the property the
analytic estimator needs: along each piece, every other shape's cover on each side of
it is constant.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from builders import scene_dict, square
from conftest import SCENE_FILES
from reynolds import load_scene, parse_scene
from reynolds.geometry import fill_inside, winding_numbers
from reynolds.kernels import build_edge_pieces
from reynolds.kernels.crossings import MIN_PIECE_LENGTH, split_at_crossings
from reynolds.packing import pack_scene

# Where two computations of one meeting point may differ (pixels): float64 rounding of
# coordinates below 20 px, with room to spare.
POINT_TOLERANCE = 1e-9


def _polygon(name, points, **extra):
    return {"id": name, "type": "polygon", "points": points, "fill": [1, 0, 0], **extra}


def _circle(name, center, radius):
    return {
        "id": name,
        "type": "circle",
        "center": center,
        "radius": radius,
        "fill": [0, 0, 1],
    }


def _split(shapes, size=(16, 16)):
    buffers = pack_scene(parse_scene(scene_dict(*size, shapes)))
    pieces = build_edge_pieces(buffers)
    return buffers, pieces, split_at_crossings(buffers, pieces)


def _points(buffers, shape, edge, t):
    """`[P, 2]` float64 world points at parameter t along edge `edge` of polygon
    `shape`, or at angle t on circle `shape` where edge is -1 (all `[P]`)."""
    verts = buffers.verts.astype(np.float64)
    start = buffers.vert_start[shape].astype(np.int64)
    count = np.maximum(buffers.vert_count[shape].astype(np.int64), 1)
    e = np.maximum(edge, 0)
    a = verts[(start + e) % len(verts)]
    b = verts[(start + (e + 1) % count) % len(verts)]
    circle = buffers.circle[shape].astype(np.float64)
    on_arc = circle[:, :2] + circle[:, 2:3] * np.column_stack([np.cos(t), np.sin(t)])
    return np.where((edge < 0)[:, None], on_arc, a + t[:, None] * (b - a))


def _ends(buffers, pieces, t):
    """`[P, 2]` world points at parameter t (`[P]`) of each piece."""
    return _points(buffers, pieces.shape, pieces.edge, t)


def _new_cuts(buffers, before, after):
    """{shape: `[K, 2]` points} where `after` splits a piece of `before` (sorted)."""

    def starts(pieces):
        return set(zip(pieces.shape, pieces.edge, pieces.t0, strict=True))

    new = np.array(sorted(starts(after) - starts(before))).reshape(-1, 3)
    shape, edge = new[:, 0].astype(np.int64), new[:, 1].astype(np.int64)
    points = _points(buffers, shape, edge, new[:, 2])
    return {
        int(s): np.array(sorted(map(tuple, points[shape == s])))
        for s in np.unique(shape)
    }


def _assert_cuts(cuts, expected):
    assert sorted(cuts) == sorted(expected)
    for s, points in expected.items():
        want = np.array(sorted(map(tuple, points)))
        assert cuts[s].shape == want.shape, (s, cuts[s], want)
        np.testing.assert_allclose(cuts[s], want, rtol=0, atol=POINT_TOLERANCE)


def test_two_crossing_squares_split_where_their_edges_cross():
    a, b = square(2.25, 2.25, 10.5, 10.5), square(6.75, 5.5, 14.25, 13.75)
    buffers, before, after = _split([_polygon("a", a), _polygon("b", b)])
    # A's right edge meets B's top edge at (10.5, 5.5); A's bottom edge meets B's left
    # edge at (6.75, 10.5): each point splits one edge of each square.
    points = [(10.5, 5.5), (6.75, 10.5)]
    _assert_cuts(_new_cuts(buffers, before, after), {0: points, 1: points})


def test_t_junction_splits_the_edge_under_the_vertex_only():
    a = square(2.25, 2.25, 8.5, 8.5)
    b = [[5.25, 8.5], [9.75, 13.25], [3.5, 12.75]]
    buffers, before, after = _split([_polygon("a", a), _polygon("b", b)])
    _assert_cuts(_new_cuts(buffers, before, after), {0: [(5.25, 8.5)]})


def test_collinear_overlap_splits_each_edge_at_the_other_ones_end():
    a = square(2.25, 2.25, 8.5, 8.5)
    b = [[4.75, 8.5], [12.25, 8.5], [12.25, 13.5], [4.75, 13.5]]
    buffers, before, after = _split([_polygon("a", a), _polygon("b", b)])
    # A's bottom edge runs x = 8.5 -> 2.25, B's top edge x = 4.75 -> 12.25 along y = 8.5.
    _assert_cuts(_new_cuts(buffers, before, after), {0: [(4.75, 8.5)], 1: [(8.5, 8.5)]})


def test_segments_through_a_circle_split_both_at_the_chord_ends():
    center, radius = (8.25, 8.5), 3.75
    bar = [[1.25, 7.25], [15.5, 7.25], [15.5, 6.875], [1.25, 6.875]]
    buffers, before, after = _split(
        [_polygon("bar", bar), _circle("disc", list(center), radius)]
    )
    points = []
    for y in (7.25, 6.875):
        half = math.sqrt(radius**2 - (y - center[1]) ** 2)
        points += [(center[0] - half, y), (center[0] + half, y)]
    _assert_cuts(_new_cuts(buffers, before, after), {0: points, 1: points})


@pytest.mark.parametrize(
    "first, second",
    [
        (((6.25, 8.5), 3.5), ((10.75, 8.25), 3.0)),
        (((5.25, 5.25), 2.0), ((8.25, 9.25), 3.0)),
    ],
    ids=["crossing", "tangent"],
)
def test_two_circles_split_where_they_meet(first, second):
    (c1, r1), (c2, r2) = first, second
    buffers, before, after = _split(
        [_circle("one", list(c1), r1), _circle("two", list(c2), r2)]
    )
    # Law of cosines from the centres: x along the line of centres, h across it.
    u = np.subtract(c2, c1)
    d = float(np.linalg.norm(u))
    u = u / d
    x = (d**2 + r1**2 - r2**2) / (2 * d)
    h = math.sqrt(max(r1**2 - x**2, 0.0))
    foot = np.add(c1, x * u)
    normal = np.array([-u[1], u[0]])
    points = [tuple(foot + h * normal), tuple(foot - h * normal)]
    if h == 0.0:
        points = points[:1]
    _assert_cuts(_new_cuts(buffers, before, after), {0: points, 1: points})


def test_self_crossing_star_splits_each_edge_at_its_two_crossings():
    angles = np.pi / 2 + 4 * np.pi / 5 * np.arange(5)
    star = np.column_stack([8.1 + 6.3 * np.cos(angles), 7.9 - 6.3 * np.sin(angles)])
    buffers, before, after = _split([_polygon("star", star.round(3).tolist())])
    corners = buffers.verts.astype(np.float64)[:5]
    edges = [shapely.LineString([corners[e], corners[(e + 1) % 5]]) for e in range(5)]
    points = [
        shapely.intersection(edges[e], edges[(e + 2) % 5]).coords[0] for e in range(5)
    ]
    # Each crossing splits both edges through it.
    _assert_cuts(_new_cuts(buffers, before, after), {0: points + points})


def _random_scene(seed: int) -> dict:
    """Polygons (some self-crossing) and circles in a 24 x 20 canvas; half the polygons
    snap to a quarter-pixel grid, so T-junctions and collinear overlaps occur."""
    rng = np.random.default_rng(seed)
    shapes = []
    for k in range(8):
        if rng.uniform() < 0.25:
            center = rng.uniform(2, 20, 2)
            shapes.append(
                _circle(f"c{k}", center.tolist(), float(rng.uniform(0.5, 6.0)))
            )
            continue
        n = int(rng.integers(3, 7))
        points = rng.uniform(-2, 26, (n, 2)) * [1.0, 20 / 24]
        if k % 2:
            points = np.round(points * 4) / 4
            points[:, 1] = np.where(rng.uniform(size=n) < 0.3, 8.5, points[:, 1])
        rule = "evenodd" if rng.uniform() < 0.5 else "nonzero"
        shapes.append(_polygon(f"p{k}", points.tolist(), fill_rule=rule))
    return scene_dict(24, 20, shapes)


def _cover_violations(scene_data: dict, pieces, buffers) -> int:
    """Pieces along which another shape's cover on one side is not constant: compared
    at the midpoint and at 1e-6 px (a quarter of the piece, if shorter) from each end,
    1e-10 px off the piece on either side, inside the canvas."""
    length = np.diff(pieces.cumulative)
    span = pieces.t1 - pieces.t0
    step = np.minimum(1e-6, 0.25 * length) / length * span
    along = [pieces.t0 + step, 0.5 * (pieces.t0 + pieces.t1), pieces.t1 - step]
    points = [_ends(buffers, pieces, t) for t in along]
    # The normal from the tangent, by a central difference far below the piece.
    tangent = _ends(buffers, pieces, along[1] + 1e-3 * span) - _ends(
        buffers, pieces, along[1] - 1e-3 * span
    )
    normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    scene = parse_scene(scene_data)
    width, height = scene.canvas.width, scene.canvas.height
    bad = np.zeros(pieces.count, dtype=bool)
    for k, shape in enumerate(scene_data["shapes"]):
        for side in (1e-10, -1e-10):
            covers = []
            for p in points:
                q = p + side * normal
                if shape["type"] == "circle":
                    c = buffers.circle[k].astype(np.float64)
                    covers.append(np.linalg.norm(q - c[:2], axis=1) < c[2])
                else:
                    start, count = buffers.vert_start[k], buffers.vert_count[k]
                    verts = buffers.verts[start : start + count].astype(np.float64)
                    rule = shape.get("fill_rule", "nonzero")
                    covers.append(fill_inside(winding_numbers(verts, q), rule))
            inside = np.all(
                [
                    (q[:, 0] > 0)
                    & (q[:, 0] < width)
                    & (q[:, 1] > 0)
                    & (q[:, 1] < height)
                    for q in (p + side * normal for p in points)
                ],
                axis=0,
            )
            changes = (covers[0] != covers[1]) | (covers[2] != covers[1])
            bad |= changes & inside & (pieces.shape != k)
    return int(bad.sum())


@pytest.mark.parametrize("seed", range(6))
def test_other_shapes_cover_is_constant_along_each_piece(seed):
    data = _random_scene(seed)
    buffers = pack_scene(parse_scene(data))
    pieces = build_edge_pieces(buffers)
    split = split_at_crossings(buffers, pieces)
    assert _cover_violations(data, split, buffers) == 0
    # The check can fail: pixel-line pieces alone do change cover along the way.
    assert _cover_violations(data, pieces, buffers) > 0
    # Nothing but slivers below MIN_PIECE_LENGTH is lost.
    lost = pieces.total_length - split.total_length
    rounding = 1e-12 * pieces.total_length  # sums of float64 lengths in another order
    assert -rounding <= lost <= split.count * MIN_PIECE_LENGTH + rounding
    assert np.all(np.diff(split.cumulative) >= MIN_PIECE_LENGTH)
    assert np.all(np.diff(split.shape) >= 0)


@pytest.mark.parametrize("path", SCENE_FILES, ids=lambda p: p.stem)
def test_example_scenes_keep_their_length_and_order(path):
    buffers = pack_scene(load_scene(path))
    pieces = build_edge_pieces(buffers)
    split = split_at_crossings(buffers, pieces)
    assert split.count >= pieces.count
    np.testing.assert_allclose(
        split.total_length, pieces.total_length, rtol=1e-12, atol=split.count * 1e-9
    )
    assert np.all(np.diff(split.shape) >= 0)
    assert np.all(split.t1 > split.t0)
