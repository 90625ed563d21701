"""Shape outlines clipped to a box, for the exact reference: cost follows what is inside.

A shape becomes a closed ring of float64 vertices (pixels) whose winding number equals
the shape's at every point inside the box, so that either fill rule gives the shape's
region there. Polygons are clipped by Sutherland-Hodgman; a circle is replaced by the
regular polygon of `reynolds.exact.circle_segments` sides, of which only the part near
the box is ever built, so a circle of radius 1e12 costs a handful of vertices.
"""

from __future__ import annotations

import math

import numpy as np
from reynolds.kernels.edges import clip_circles
from reynolds.kernels.ragged import expand, unique_sorted

# (x0, y0, x1, y1), pixels.
Box = tuple[float, float, float, float]


def _clip_half_plane(ring: np.ndarray, axis: int, bound: float, keep_below: bool):
    """The ring clipped to {p[axis] <= bound} (keep_below) or {p[axis] >= bound}.

    Where the ring leaves the half-plane and comes back, the clipped ring runs along
    the boundary line instead. The loop formed by the dropped part and that replacement
    lies in the closed outer half-plane, which is convex and holds no inner point, so
    it winds zero times around every point inside: winding numbers inside are kept.
    """
    if len(ring) == 0:
        return ring
    coord = ring[:, axis]
    inside = coord <= bound if keep_below else coord >= bound
    nxt = np.roll(ring, -1, axis=0)
    crosses = inside != np.roll(inside, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (bound - coord) / (nxt[:, axis] - coord)
        hit = ring + t[:, None] * (nxt - ring)
    hit[:, axis] = bound  # exactly on the line, whatever the rounding of t
    # Each vertex emits itself when inside, then the crossing of its outgoing edge.
    candidates = np.stack([ring, hit], axis=1).reshape(-1, 2)
    emit = np.stack([inside, crosses], axis=1).reshape(-1)
    return candidates[emit]


def clip_ring(ring: np.ndarray, box: Box) -> np.ndarray:
    """`ring` `[N, 2]` clipped to `box`, with the winding number kept inside the box.

    Returns:
        `[M, 2]` float64 vertices inside the closed box, no two consecutive equal; an
        empty array when fewer than 3 remain.
    """
    x0, y0, x1, y1 = box
    out = np.asarray(ring, dtype=np.float64)
    half_planes = ((0, x0, False), (0, x1, True), (1, y0, False), (1, y1, True))
    if not np.all((out >= [x0, y0]) & (out <= [x1, y1])):
        for axis, bound, keep_below in half_planes:
            out = _clip_half_plane(out, axis, bound, keep_below)
    if len(out):
        out = out[np.any(out != np.roll(out, -1, axis=0), axis=1)]
    return out if len(out) >= 3 else np.zeros((0, 2))


def polygon_vertex_radius(radius: float, n: int) -> float:
    """Vertex radius of the regular n-gon with the area of the disc of `radius`."""
    return radius * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))


def _angular_range(center: np.ndarray, box: Box) -> tuple[float, float]:
    """Smallest angle interval [lo, hi] (radians, hi - lo <= pi) that holds the box as
    seen from `center`, which lies outside it or on its boundary.

    Angles are measured from the direction to the box centre, with cross and dot
    products of the small corner offsets, so that a centre 1e12 px away still gives
    each corner's angle to ~1e-16 relative.
    """
    x0, y0, x1, y1 = box
    mid = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    u = mid - center
    offsets = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) - mid
    cross = u[0] * offsets[:, 1] - u[1] * offsets[:, 0]
    dot = u @ u + offsets @ u
    spread = np.arctan2(cross, dot)
    base = math.atan2(u[1], u[0])
    return base + float(spread.min()), base + float(spread.max())


def _vertices(center: np.ndarray, r_vertex: float, n: int, k: np.ndarray) -> np.ndarray:
    angles = np.mod(k, n) * (2.0 * math.pi / n)
    return np.column_stack(
        [center[0] + r_vertex * np.cos(angles), center[1] + r_vertex * np.sin(angles)]
    )


def _ring_around_center(center: np.ndarray, r_vertex: float, n: int, box: Box):
    """A polygon with the n-gon's part in the box, whose centre lies strictly inside.

    Its vertices, in angle order about the centre, are the n-gon's vertices of every
    edge that may meet the box (the arcs of the vertex-radius circle inside the box
    widened by the polygon's band, two vertices more on each side) and the box corners
    inside the n-gon over the angle gaps between them. Each gap is below pi and the
    box boundary over it lies inside the n-gon, so the fan from the centre covers the
    box there; a corner under a kept edge is already inside that edge's triangle.
    """
    x0, y0, x1, y1 = box
    step = 2.0 * math.pi / n
    band = r_vertex * (1.0 - math.cos(math.pi / n)) + 1e-9 * r_vertex
    circle = np.array([[center[0] - x0 + band, center[1] - y0 + band, r_vertex]])
    _, phi0, phi1 = clip_circles(circle, x1 - x0 + 2 * band, y1 - y0 + 2 * band)
    lo = np.floor(phi0 / step).astype(np.int64) - 2
    hi = np.ceil(phi1 / step).astype(np.int64) + 2
    if np.sum(hi - lo + 1) >= n:
        return _vertices(center, r_vertex, n, np.arange(n))
    owner, offset = expand(hi - lo + 1)
    k = unique_sorted(np.mod(lo[owner] + offset, n))
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    offsets = corners - center
    alpha = np.mod(np.arctan2(offsets[:, 1], offsets[:, 0]), 2 * math.pi)
    edge = np.mod(np.floor(alpha / step).astype(np.int64), n)
    a, b = (
        _vertices(center, r_vertex, n, edge),
        _vertices(center, r_vertex, n, edge + 1),
    )
    side = (b[:, 0] - a[:, 0]) * (corners[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (
        corners[:, 0] - a[:, 0]
    )
    kept_edge = np.isin(edge, k) & np.isin(np.mod(edge + 1, n), k)
    use = (side > 0) & ~kept_edge
    key = np.concatenate([k.astype(np.float64), alpha[use] / step])
    points = np.vstack([_vertices(center, r_vertex, n, k), corners[use]])
    return points[np.argsort(key, kind="stable")]


def circle_ring(center: np.ndarray, radius: float, n: int, box: Box) -> np.ndarray:
    """The regular n-gon of the disc's area (vertices at angles 2 pi k / n), clipped to
    `box`, built from the vertices near the box only.

    With the centre outside the box or on its boundary, the n-gon's part in the box is
    the part in the box of its sector [centre, v_lo, ..., v_hi] for any vertex range
    whose wedge holds the box (the n-gon is convex); the range is widened by one vertex
    each side so that the sector's straight sides stay a whole segment away from the
    box. With the centre inside, `_ring_around_center`. Cost: O(vertices near the box).
    """
    x0, y0, x1, y1 = box
    r_vertex = polygon_vertex_radius(radius, n)
    near = np.clip(center, [x0, y0], [x1, y1]) - center
    far = np.maximum(np.abs(center - [x0, y0]), np.abs(center - [x1, y1]))
    if near @ near >= r_vertex**2:
        return np.zeros((0, 2))  # the box lies outside the n-gon
    if far @ far <= (r_vertex * math.cos(math.pi / n)) ** 2:
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    if x0 < center[0] < x1 and y0 < center[1] < y1:
        return clip_ring(_ring_around_center(center, r_vertex, n, box), box)
    step = 2.0 * math.pi / n
    lo, hi = _angular_range(center, box)
    k_lo, k_hi = math.floor(lo / step) - 1, math.ceil(hi / step) + 1
    if k_hi - k_lo + 1 >= n:
        return clip_ring(_vertices(center, r_vertex, n, np.arange(n)), box)
    sector = _vertices(center, r_vertex, n, np.arange(k_lo, k_hi + 1))
    return clip_ring(np.vstack([center[None, :], sector]), box)
