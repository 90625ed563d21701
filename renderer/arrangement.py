"""The planar arrangement of the scene's clipped outlines, for the exact reference.

Every ring edge is split where it meets another edge (a proper crossing, or an end
point lying on it), and points closer than a tolerance are merged into one node, so
that the arrangement is combinatorial: sub-edges run between nodes, two sub-edges that
overlap share both nodes, and nothing crosses except at a node. Work and memory follow
the number of edges plus the number of meetings; candidate pairs come from a uniform
grid of about one cell per edge, never from all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from reynolds.kernels.grid_pairs import candidate_pairs
from reynolds.kernels.ragged import expand

# Points closer than this many units of the coordinate scale are one node: ~4500 ulps,
# far above the rounding of a float64 intersection, far below any pixel tolerance.
RELATIVE_TOLERANCE = 1e-12
# Unit roundoff of float64.
EPSILON = 2.0**-53
# Rounds of splitting the sub-edges again before giving up (`build_arrangement`).
MAX_ROUNDS = 8
# Later rounds search candidate pairs among all sub-edges again; above this many the
# first round's arrangement is kept (its exact crossings made it consistent in every
# case measured) and the windings' own consistency check guards it, so that memory
# stays bounded ({1001/500} star: ~1M sub-edges).
CONFIRM_LIMIT = 200_000


@dataclass(frozen=True)
class Rings:
    """Closed outlines of S shapes, edges numbered ring after ring.

    Attributes:
        points: `[E, 2]` float64 vertices; edge e runs from points[e] to points[next[e]].
        next: `[E]` index of the following vertex of the same ring.
        shape: `[E]` shape index of each edge.
        start, count: `[S]` first edge and number of edges of each shape's ring.
    """

    points: np.ndarray
    next: np.ndarray
    shape: np.ndarray
    start: np.ndarray
    count: np.ndarray

    @classmethod
    def from_list(cls, rings: list[np.ndarray]) -> Rings:
        """From one `[N_s, 2]` vertex array per shape (fewer than 3 rows: no ring)."""
        count = np.array([len(r) if len(r) >= 3 else 0 for r in rings], dtype=np.int64)
        start = np.cumsum(count) - count
        kept = [r for r in rings if len(r) >= 3]
        points = np.vstack(kept) if kept else np.zeros((0, 2))
        shape, local = expand(count)
        nxt = start[shape] + (local + 1) % count[shape]
        return cls(points=points, next=nxt, shape=shape, start=start, count=count)


@dataclass(frozen=True)
class Arrangement:
    """Sub-edges between merged nodes, in ring order.

    Attributes:
        nodes: `[N, 2]` float64 node positions.
        tail, head: `[M]` node of each sub-edge's start and end.
        edge: `[M]` ring edge each sub-edge belongs to; sub-edges are sorted by it and
            then along it, so each ring's sub-edges form one block in ring order.
        group: `[M]` id shared by the sub-edges that join the same two nodes
            (coincident boundaries, in either direction).
        tolerance: the merging distance used, pixels.
    """

    nodes: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    edge: np.ndarray
    group: np.ndarray
    tolerance: float


def components(n: int, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Label of each of n items: the lowest index connected to it by the pairs (p, q)."""
    parent = np.arange(n)
    while True:
        while True:  # point every item at its root
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
        rp, rq = parent[p], parent[q]
        apart = rp != rq
        if not apart.any():
            return parent
        np.minimum.at(parent, np.maximum(rp, rq)[apart], np.minimum(rp, rq)[apart])


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def _touches(
    a: np.ndarray, b: np.ndarray, p: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """(mask, t): points p lying within `tolerance` of the interior of segments a -> b,
    farther than `tolerance` from both ends, and their parameter t along the segment."""
    d = b - a
    length2 = np.einsum("ij,ij->i", d, d)
    length = np.sqrt(length2)
    with np.errstate(divide="ignore", invalid="ignore"):  # edges of zero length
        t = np.einsum("ij,ij->i", p - a, d) / length2
    near = np.abs(_cross(d, p - a)) <= tolerance * length
    inside = (t * length > tolerance) & ((1.0 - t) * length > tolerance)
    return near & inside, t


def _close_ends(points: np.ndarray, nxt: np.ndarray, i, j, tolerance: float):
    """Pairs (p, q) of end points, one of edge i[k] and one of edge j[k], closer than
    `tolerance` (vertex numbers: edge e starts at vertex e and ends at nxt[e])."""
    close_p, close_q = [], []
    for u in (i, nxt[i]):
        for v in (j, nxt[j]):
            d = points[u] - points[v]
            close = np.einsum("ij,ij->i", d, d) <= tolerance**2
            close_p.append(u[close])
            close_q.append(v[close])
    return np.concatenate(close_p), np.concatenate(close_q)


def _exact_orientations(ai, bi, aj, bj):
    """For segments ai -> bi and aj -> bj (`[K, 2]` each), computed in exact rational
    arithmetic and rounded once: (`[K]` whether they cross properly, their parameters
    ti and tj at the crossing of their lines (nan where parallel), `[K, 2]` that point).
    """
    n = len(ai)
    proper = np.zeros(n, dtype=bool)
    ti, tj = np.full(n, np.nan), np.full(n, np.nan)
    point = np.full((n, 2), np.nan)
    for k in range(n):
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = (
            (Fraction(float(u)), Fraction(float(v)))
            for u, v in (ai[k], bi[k], aj[k], bj[k])
        )
        ux, uy, vx, vy = bx - ax, by - ay, dx - cx, dy - cy
        o1, o2 = ux * (cy - ay) - uy * (cx - ax), ux * (dy - ay) - uy * (dx - ax)
        o3, o4 = vx * (ay - cy) - vy * (ax - cx), vx * (by - cy) - vy * (bx - cx)
        proper[k] = o1 * o2 < 0 and o3 * o4 < 0
        if o3 != o4:
            t = o3 / (o3 - o4)
            ti[k], point[k] = float(t), (float(ax + t * ux), float(ay + t * uy))
        if o1 != o2:
            tj[k] = float(o1 / (o1 - o2))
    return proper, ti, tj, point


def _meetings(points: np.ndarray, nxt: np.ndarray, i, j, tolerance: float):
    """Split points of the edges points[e] -> points[nxt[e]] from their meetings with
    the candidate edges (i, j): (edge, t, point) with point indexing `points` extended
    by the proper crossings, which are returned too."""
    a, b = points, points[nxt]
    # Consecutive edges of a ring meet at their shared vertex, and elsewhere only when
    # the second folds back along the first.
    di, dj = b[i] - a[i], b[j] - a[j]
    adjacent = (nxt[i] == j) | (nxt[j] == i)
    folds = (np.abs(_cross(di, dj)) <= tolerance * np.linalg.norm(di, axis=1)) & (
        np.einsum("ij,ij->i", di, dj) < 0
    )
    i, j = i[~adjacent | folds], j[~adjacent | folds]
    splits_edge, splits_t, splits_point = [], [], []
    # An end point of one edge on the other edge: split it there, at that vertex.
    for edge, end in ((i, j), (i, nxt[j]), (j, i), (j, nxt[i])):
        mask, t = _touches(a[edge], b[edge], points[end], tolerance)
        splits_edge.append(edge[mask])
        splits_t.append(t[mask])
        splits_point.append(end[mask])
    # Proper crossings, from orientation signs; the parameters follow from the same
    # orientations, so both edges agree on the crossing they share.
    di, dj = b[i] - a[i], b[j] - a[j]
    o1, o2 = _cross(di, a[j] - a[i]), _cross(di, b[j] - a[i])
    o3, o4 = _cross(dj, a[i] - a[j]), _cross(dj, b[i] - a[j])
    li = np.linalg.norm(di, axis=1)
    lj = np.linalg.norm(dj, axis=1)
    # Rounding moves a crossing along the edges by about eps |o| / |o3 - o4| edge
    # lengths, which grows without bound as the edges turn parallel; where that could
    # reach the tolerance, the orientations and the crossing are computed exactly.
    with np.errstate(divide="ignore", invalid="ignore"):
        drift = (
            8.0
            * EPSILON
            * (np.abs(o1) + np.abs(o2) + np.abs(o3) + np.abs(o4) + li * lj)
            * np.maximum(li, lj)
            / np.abs(o3 - o4)
        )

    # Pairs whose orientation signs settle it in floating point need no exact
    # arithmetic: an end point clearly on one side of the other edge's line (beyond the
    # rounding bound of the cross product) rules a proper crossing out.
    def clearly_one_side(o_a, o_b, u, p_a, p_b):
        bound_a = (
            8.0 * EPSILON * (np.abs(u[:, 0] * p_a[:, 1]) + np.abs(u[:, 1] * p_a[:, 0]))
        )
        bound_b = (
            8.0 * EPSILON * (np.abs(u[:, 0] * p_b[:, 1]) + np.abs(u[:, 1] * p_b[:, 0]))
        )
        return (o_a * o_b > 0) & (np.abs(o_a) > bound_a) & (np.abs(o_b) > bound_b)

    apart = clearly_one_side(o1, o2, di, a[j] - a[i], b[j] - a[i]) | clearly_one_side(
        o3, o4, dj, a[i] - a[j], b[i] - a[j]
    )
    # Copies of one segment (coincident circles, a polygon traced twice) never cross.
    same = (np.all(a[i] == a[j], axis=1) & np.all(b[i] == b[j], axis=1)) | (
        np.all(a[i] == b[j], axis=1) & np.all(b[i] == a[j], axis=1)
    )
    exact = np.flatnonzero(~(drift <= tolerance / 16.0) & ~apart & ~same)
    exact_o = _exact_orientations(a[i[exact]], b[i[exact]], a[j[exact]], b[j[exact]])
    proper = (o1 * o2 < 0) & (o3 * o4 < 0)
    proper[exact] = exact_o[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ti, tj = o3 / (o3 - o4), o1 / (o1 - o2)
    ti[exact], tj[exact] = exact_o[1], exact_o[2]
    # Parallel pairs have nan parameters; they never cross properly.
    with np.errstate(invalid="ignore"):
        crossing = a[i] + ti[:, None] * di
        crossing[exact] = exact_o[3]
        # A crossing next to an end point is that end point on the other edge (above).
        clear = (
            proper
            & (ti * li > tolerance)
            & ((1 - ti) * li > tolerance)
            & (tj * lj > tolerance)
            & ((1 - tj) * lj > tolerance)
        )
    i, j, ti, tj, crossing = i[clear], j[clear], ti[clear], tj[clear], crossing[clear]
    ids = len(points) + np.arange(len(i))
    splits_edge += [i, j]
    splits_t += [ti, tj]
    splits_point += [ids, ids]
    return (
        np.concatenate(splits_edge),
        np.concatenate(splits_t),
        np.concatenate(splits_point),
        crossing,
    )


def ring_successors(shape: np.ndarray, n_shapes: int) -> np.ndarray:
    """`[M]` the next edge along its ring of each of M edges numbered ring after ring,
    `shape[k]` (sorted) being the ring of edge k."""
    first = np.searchsorted(shape, np.arange(n_shapes))
    end = np.searchsorted(shape, np.arange(n_shapes), side="right")
    index = np.arange(len(shape))
    return np.where(index + 1 < end[shape], index + 1, first[shape])


def _split_round(rings: Rings, tolerance: float):
    """Split and merge the rings' edges once: (nodes, tail, head, edge, settled), the
    sub-edges in ring order (`Arrangement`), `settled` when nothing was split or moved,
    so that the sub-edges are the rings' edges themselves."""
    n_edges = len(rings.points)
    i, j = candidate_pairs(rings.points, rings.points[rings.next], 8.0 * tolerance)
    close_p, close_q = _close_ends(rings.points, rings.next, i, j, tolerance)
    snapped = rings.points[components(n_edges, close_p, close_q)]
    split_edge, split_t, split_point, crossing = _meetings(
        snapped, rings.next, i, j, tolerance
    )
    points = np.vstack([snapped, crossing])
    # Each edge: its start vertex (t = 0), its split points, its end vertex (t = 1).
    edge = np.concatenate([np.arange(n_edges), split_edge, np.arange(n_edges)])
    t = np.concatenate([np.zeros(n_edges), split_t, np.ones(n_edges)])
    point = np.concatenate([np.arange(n_edges), split_point, rings.next])
    order = np.lexsort((t, edge))
    edge, point = edge[order], point[order]
    step = points[point[1:]] - points[point[:-1]]
    near = (edge[1:] == edge[:-1]) & (np.einsum("ij,ij->i", step, step) <= tolerance**2)
    label = components(
        len(points),
        np.concatenate([close_p, point[:-1][near]]),
        np.concatenate([close_q, point[1:][near]]),
    )
    node = label[point]
    link = (edge[1:] == edge[:-1]) & (node[1:] != node[:-1])
    tail, head, edge = node[:-1][link], node[1:][link], edge[:-1][link]
    used, inverse = np.unique(np.concatenate([tail, head]), return_inverse=True)
    tail, head = inverse[: len(tail)], inverse[len(tail) :]
    nodes = points[used]
    settled = (
        len(split_edge) == 0
        and len(tail) == n_edges
        and np.array_equal(nodes[tail], rings.points)
    )
    return nodes, tail, head, edge, settled


def build_arrangement(rings: Rings, scale: float) -> Arrangement:
    """Split and merge the rings' edges into an arrangement.

    Points closer than the tolerance are merged: end points of nearby edges first, so
    that edges traced twice with rounding differences coincide exactly instead of
    crossing each other at tiny angles; then neighbouring split points along each
    edge (crossings of nearly concurrent edges, a crossing next to a touching vertex).

    One round of this is not always enough: a node rounded off an edge nearly through
    it can leave sub-edges that still cross or nodes on other sub-edges. The sub-edges
    are then split again, as rings of their own, until a round finds nothing to split or
    merge. Crossings of nearly parallel edges are computed exactly (`_meetings`), so
    that their order along the edges is right; the later rounds only catch nodes that
    their rounding leaves on the wrong side of an edge nearly through them.

    Args:
        rings: the clipped outlines.
        scale: the largest coordinate magnitude (pixels), which sets the tolerance.
    Raises:
        RuntimeError: no fixed point after MAX_ROUNDS rounds.
    """
    tolerance = RELATIVE_TOLERANCE * max(scale, 1.0)
    n_shapes = len(rings.count)
    current, origin = rings, np.arange(len(rings.points))
    for _ in range(MAX_ROUNDS):
        nodes, tail, head, edge, settled = _split_round(current, tolerance)
        edge = origin[edge]
        if settled or len(tail) > CONFIRM_LIMIT:
            _, group = np.unique(
                np.minimum(tail, head) * len(nodes) + np.maximum(tail, head),
                return_inverse=True,
            )
            return Arrangement(
                nodes=nodes,
                tail=tail,
                head=head,
                edge=edge,
                group=group.reshape(-1),
                tolerance=tolerance,
            )
        # The sub-edges, still in ring order, are the next round's ring edges.
        shape = rings.shape[edge]
        count = np.bincount(shape, minlength=n_shapes)
        current = Rings(
            points=nodes[tail],
            next=ring_successors(shape, n_shapes),
            shape=shape,
            start=np.cumsum(count) - count,
            count=count,
        )
        origin = edge
    raise RuntimeError(
        "exact reference: the arrangement of the outlines did not settle"
    )
