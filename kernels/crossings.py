"""Boundary pieces split wherever another boundary meets them (the `analytic` estimator).

A piece of `build_edge_pieces` lies in one pixel, so the adjoint is constant along it.
Split also at every point where another boundary meets it, the cover of every other
shape just beside it, on each side, is constant along it too; then the colour jump
f_in - f_out is constant and V . n is linear along a segment (the velocity of a point
is linear in its parameter), so one evaluation at the midpoint times the length gives
the boundary integral over the piece exactly (docs/design.md §3).

Meetings, computed in float64 from the float32 world geometry:
- segment x segment (other shapes' edges and the same polygon's, adjacent ones
  included: they share a vertex, which is no interior point, unless one folds back
  along the other): the crossing of the two lines where it lies on both segments, and
  every end point of one segment within `touch_tolerance` of the other (T-junctions,
  both ends of a collinear overlap);
- segment x circle: the roots of |a + t (b - a) - c| = r, a double root where tangent;
- circle x circle: the two points from the law of cosines, one where tangent.
Tolerances only ever add cuts: a cut where nothing changes splits a piece in two whose
midpoint rules add up to the same exact integral, while a missed one is an error.

Candidate pairs come from a uniform grid over the pieces themselves (`candidate_pairs`;
arcs enter as chords), so the work follows the pieces and the meetings: every meeting
inside the canvas lies on a piece of each boundary involved.
"""

from __future__ import annotations

import numpy as np
from reynolds.kernels.buffers import KIND_CIRCLE, SceneBuffers
from reynolds.kernels.edges import PIECE_ARC, PIECE_SEGMENT, EdgePieces, _split
from reynolds.kernels.grid_pairs import candidate_pairs
from reynolds.kernels.ragged import expand
from reynolds.kernels.tolerance import ON_EDGE_RELATIVE, ON_EDGE_TOLERANCE

# Pieces shorter than this (pixels) are dropped. Splitting at two meetings a rounding
# apart leaves such slivers; the boundary term of one is at most its length times the
# adjoint, colour jump and speed, ~1e-9 of a pixel-long piece's share, far below the
# float32 accuracy (~1e-7) of the kernels' geometry.
MIN_PIECE_LENGTH = 1e-9
# Arcs enter the candidate grid as chords that stray at most this far (pixels) from
# the arc; pairs closer than twice this plus the touch tolerance are candidates.
MAX_SAGITTA = 1.0 / 16.0


def touch_tolerance(width: int, height: int) -> float:
    """Distance (pixels) within which a point counts as meeting a boundary: ten times
    the kernels' on-boundary tolerance at the far corner of the canvas, so that every
    point the kernels classify as on another boundary gets its cut."""
    return 10.0 * (ON_EDGE_TOLERANCE + ON_EDGE_RELATIVE * max(width, height))


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", u, v)


def _segment_segment(a, b, i, j, tolerance):
    """Cuts (primitive, t) of segments a[k] -> b[k] at their meetings with each other,
    for the candidate pairs (i, j)."""
    prims, params = [], []
    di, dj = b[i] - a[i], b[j] - a[j]
    denominator = _cross(di, dj)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a[i] + ti di lies on j's line, a[j] + tj dj on i's line (nan when parallel).
        ti = _cross(dj, a[i] - a[j]) / denominator
        tj = -_cross(di, a[j] - a[i]) / denominator
        slack_i = tolerance / np.linalg.norm(di, axis=1)
        slack_j = tolerance / np.linalg.norm(dj, axis=1)
    meets = (
        (ti >= -slack_i) & (ti <= 1 + slack_i) & (tj >= -slack_j) & (tj <= 1 + slack_j)
    )
    prims += [i[meets], j[meets]]
    params += [ti[meets], tj[meets]]
    # End points lying on the other segment: exact T-junctions and collinear overlaps,
    # where the lines are parallel or the crossing sits at the end point itself.
    for edge, point in ((i, a[j]), (i, b[j]), (j, a[i]), (j, b[i])):
        d = b[edge] - a[edge]
        length2 = _dot(d, d)
        offset = point - a[edge]
        t = _dot(offset, d) / length2
        near = np.abs(_cross(d, offset)) <= tolerance * np.sqrt(length2)
        on = near & (t > 0) & (t < 1)
        prims.append(edge[on])
        params.append(t[on])
    return prims, params


def _segment_circle(a, b, seg, center, radius, circ, tolerance):
    """Cuts of segments seg (t along a -> b) and circles circ (angle phi) where they meet:
    the roots of |a + t d - c| = r, a double root where the segment is tangent."""
    d = b[seg] - a[seg]
    c = center[circ]
    r = radius[circ]
    length = np.linalg.norm(d, axis=1)
    t_near = _dot(c - a[seg], d) / length**2  # the foot of the centre on the line
    h = np.linalg.norm(a[seg] + t_near[:, None] * d - c, axis=1)
    reach = h <= r + tolerance
    half = np.sqrt(np.maximum(r - h, 0.0) * (r + h)) / length
    slack = tolerance / length
    prims, params = [], []
    for t in (t_near - half, t_near + half):
        on = reach & (t >= -slack) & (t <= 1 + slack)
        point = a[seg] + t[:, None] * d - c
        prims += [seg[on], circ[on]]
        params += [t[on], np.mod(np.arctan2(point[on, 1], point[on, 0]), 2 * np.pi)]
    return prims, params


def _circle_circle(center, radius, i, j, tolerance):
    """Cuts (circle, phi) where circles i and j meet; none for concentric circles
    (coincident ones share their whole boundary, which needs no cut)."""
    offset = center[j] - center[i]
    distance = np.linalg.norm(offset, axis=1)
    ri, rj = radius[i], radius[j]
    meets = (
        (distance > 0)
        & (distance <= ri + rj + tolerance)
        & (distance >= np.abs(ri - rj) - tolerance)
    )
    i, j, offset = i[meets], j[meets], offset[meets]
    distance, ri, rj = distance[meets], ri[meets], rj[meets]
    toward = np.arctan2(offset[:, 1], offset[:, 0])  # from centre i towards centre j
    prims, params = [], []
    for circ, base, own, other in ((i, toward, ri, rj), (j, toward + np.pi, rj, ri)):
        cosine = (distance**2 + own**2 - other**2) / (2.0 * distance * own)
        spread = np.arccos(np.clip(cosine, -1.0, 1.0))
        for phi in (base - spread, base + spread):
            prims.append(circ)
            params.append(np.mod(phi, 2 * np.pi))
    return prims, params


def _chords(t0, t1, center, radius):
    """(owner, start, end) chords that follow each arc [t0, t1] of circle (center,
    radius) within MAX_SAGITTA."""
    # A chord over angle w strays r (1 - cos(w / 2)) from its arc.
    ratio = np.clip(1.0 - MAX_SAGITTA / radius, -1.0, 1.0)
    step = 2.0 * np.arccos(ratio)
    counts = np.maximum(1, np.ceil((t1 - t0) / step)).astype(np.int64)
    owner, k = expand(counts)
    w = (t1 - t0)[owner] / counts[owner]
    lo = t0[owner] + k * w
    points = [
        center[owner] + radius[owner, None] * np.column_stack([np.cos(p), np.sin(p)])
        for p in (lo, lo + w)
    ]
    return owner, points[0], points[1]


def _primitives(buffers: SceneBuffers, pieces: EdgePieces):
    """Float64 world geometry of the edges and circles the pieces lie on.

    Returns:
        (prim `[P]` primitive of each piece, is_circle `[Q]`, a `[Q, 2]`, b `[Q, 2]`
        segment end points, center `[Q, 2]`, radius `[Q]`); unused entries hold zeros.
    """
    shape = pieces.shape.astype(np.int64)
    start = buffers.vert_start[shape].astype(np.int64)
    arc = pieces.kind == PIECE_ARC
    # An edge is named by its first vertex, a circle by the number after the vertices.
    key = np.where(arc, len(buffers.verts) + shape, start + pieces.edge)
    _, first, prim = np.unique(key, return_index=True, return_inverse=True)
    owner = shape[first]
    is_circle = buffers.kind[owner] == KIND_CIRCLE
    verts = buffers.verts.astype(np.float64)
    count = buffers.vert_count[owner].astype(np.int64)
    edge = np.where(is_circle, 0, pieces.edge[first])
    va = np.where(is_circle, 0, start[first] + edge)
    vb = np.where(is_circle, 0, start[first] + (edge + 1) % np.maximum(count, 1))
    circle = buffers.circle[owner].astype(np.float64)
    return (
        prim.reshape(-1),
        is_circle,
        verts[va],
        verts[vb],
        circle[:, :2],
        circle[:, 2],
    )


def _meetings(buffers: SceneBuffers, pieces: EdgePieces, prim, is_circle, a, b, c, r):
    """All cuts (primitive, parameter) from candidate pairs of pieces."""
    tolerance = touch_tolerance(buffers.width, buffers.height)
    arc = np.flatnonzero(pieces.kind == PIECE_ARC)
    seg = np.flatnonzero(pieces.kind == PIECE_SEGMENT)
    d = b[prim[seg]] - a[prim[seg]]
    chord_owner, chord_a, chord_b = _chords(
        pieces.t0[arc], pieces.t1[arc], c[prim[arc]], r[prim[arc]]
    )
    item_prim = np.concatenate([prim[seg], prim[arc][chord_owner]])
    start = np.vstack([a[prim[seg]] + pieces.t0[seg, None] * d, chord_a])
    end = np.vstack([a[prim[seg]] + pieces.t1[seg, None] * d, chord_b])
    p, q = candidate_pairs(start, end, 2.0 * (MAX_SAGITTA + tolerance))
    p, q = item_prim[p], item_prim[q]
    n = len(is_circle)
    pair = np.unique(np.minimum(p, q) * n + np.maximum(p, q))
    i, j = pair // n, pair % n
    i, j = i[i != j], j[i != j]
    ci, cj = is_circle[i], is_circle[j]
    prims, params = _segment_segment(a, b, i[~ci & ~cj], j[~ci & ~cj], tolerance)
    mixed = ci != cj
    seg_of, circ_of = np.where(ci, j, i)[mixed], np.where(ci, i, j)[mixed]
    more = _segment_circle(a, b, seg_of, c, r, circ_of, tolerance)
    both = _circle_circle(c, r, i[ci & cj], j[ci & cj], tolerance)
    for extra in (more, both):
        prims += extra[0]
        params += extra[1]
    return np.concatenate(prims), np.concatenate(params)


def _cut_owners(prim, t0, t1, cut_prim, cut_t):
    """(piece, t) for the cuts that fall strictly inside a piece of their primitive."""
    n_pieces = len(prim)
    key = np.concatenate([prim, cut_prim])
    t = np.concatenate([t0, cut_t])
    is_piece = np.arange(len(key)) < n_pieces
    # By primitive, then parameter; a piece start sorts before a cut at the same t.
    order = np.lexsort((~is_piece, t, key))
    position = np.where(is_piece[order], np.arange(len(order)), -1)
    latest = np.maximum.accumulate(position) if len(position) else position
    cut = ~is_piece[order]
    piece = np.where(latest[cut] >= 0, order[np.maximum(latest[cut], 0)], -1)
    value = t[order][cut]
    ok = piece >= 0
    ok[ok] &= (prim[piece[ok]] == key[order][cut][ok]) & (value[ok] > t0[piece[ok]])
    ok[ok] &= value[ok] < t1[piece[ok]]
    return piece[ok], value[ok]


def split_at_crossings(buffers: SceneBuffers, pieces: EdgePieces) -> EdgePieces:
    """`pieces` split at every point where another boundary meets them.

    On the open interior of each returned piece, every other shape's cover just beside
    the piece, on each side, is constant (inside the canvas; outside it the adjoint is
    0). Pieces keep their order (grouped by shape, back to front, in order along each
    edge or arc); pieces shorter than MIN_PIECE_LENGTH pixels are dropped.

    Args:
        buffers: the scene's arrays (world geometry, float32).
        pieces: the scene's boundary pieces (`build_edge_pieces`).
    Returns:
        The split pieces, `cumulative` recomputed; their sampling mass is the length.
    """
    if pieces.count == 0:
        return pieces
    prim, is_circle, a, b, c, r = _primitives(buffers, pieces)
    cut_prim, cut_t = _meetings(buffers, pieces, prim, is_circle, a, b, c, r)
    cut_piece, cut_t = _cut_owners(prim, pieces.t0, pieces.t1, cut_prim, cut_t)
    owner, lo, hi = _split(pieces.t0, pieces.t1, cut_piece, cut_t)
    scale = np.where(
        is_circle[prim], r[prim], np.linalg.norm(b[prim] - a[prim], axis=1)
    )[owner]
    length = (hi - lo) * scale
    keep = length >= MIN_PIECE_LENGTH
    owner, lo, hi, length = owner[keep], lo[keep], hi[keep], length[keep]
    cumulative = np.concatenate([[0.0], np.cumsum(length)])
    return EdgePieces(
        shape=pieces.shape[owner],
        kind=pieces.kind[owner],
        edge=pieces.edge[owner],
        t0=lo,
        t1=hi,
        cumulative=cumulative,
        mass=cumulative,
    )
