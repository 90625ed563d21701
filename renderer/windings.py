"""Winding numbers of the shapes on both sides of the sub-edges of an arrangement.

Each shape's ring is walked once, sub-edge after sub-edge. Along the walk, the state
of a shape t is its winding number at the walked point, or the mean of the two sides
where the point lies on t's boundary. It is found once per ring by a ray, and then
changes only at nodes where t's boundary meets the walk: sweeping counter-clockwise
from the arriving sub-edge (ray a, back along it) to the leaving one (ray b), each
half-edge of t passed adds +1 if t's edge leaves the node along it and -1 if it
arrives there (the winding number rises by one across an edge from its right to its
left), and a half-edge along a or b adds half of that. The cost follows the meetings,
not sub-edges x edges: the million sub-edges of a {1001/500} star need 1001 ray tests.
On a sub-edge, west minus east winding of t is the sum of sign(dy) over t's edges
there (with the ray rule, an upward edge adds one to the points west of it).

States are kept doubled, as integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from reynolds.arrangement import Arrangement, Rings, ring_successors
from reynolds.kernels.ragged import blocks, expand

# Rows of the largest temporary arrays (ray tests, walk events) handled at once.
BLOCK = 1 << 21


@dataclass(frozen=True)
class SideWindings:
    """Winding numbers of shapes that are non-zero on a side of a sub-edge.

    Attributes:
        sub: `[K]` index of a sub-edge (one per group of coincident sub-edges, none
            horizontal), sorted, then by shape.
        shape: `[K]` the shape.
        west, east: `[K]` int64 winding numbers of that shape just west and east of
            the sub-edge.
    """

    sub: np.ndarray
    shape: np.ndarray
    west: np.ndarray
    east: np.ndarray


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def _ray_terms(rings: Rings, edge: np.ndarray, query: np.ndarray) -> np.ndarray:
    """+1, -1 or 0: what ring edge `edge[k]` adds to the winding number about `query[k]`
    (a ray towards +x, the half-open rule of `reynolds.geometry.winding_numbers`)."""
    p0, p1 = rings.points[edge], rings.points[rings.next[edge]]
    side = _cross(p1 - p0, query - p0)
    up = (p0[:, 1] <= query[:, 1]) & (query[:, 1] < p1[:, 1]) & (side > 0)
    down = (p1[:, 1] <= query[:, 1]) & (query[:, 1] < p0[:, 1]) & (side < 0)
    return up.astype(np.int64) - down


def _ray_windings(rings: Rings, query: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Winding number of ring `shape[k]` about `query[k]`, every edge counted."""
    counts = rings.count[shape]
    winding = np.zeros(len(query), dtype=np.int64)
    for first, last in blocks(counts, BLOCK):
        owner, offset = expand(counts[first:last])
        owner += first
        terms = _ray_terms(rings, rings.start[shape[owner]] + offset, query[owner])
        winding += np.bincount(owner, weights=terms, minlength=len(query)).astype(
            np.int64
        )
    return winding


@dataclass(frozen=True)
class _Walks:
    """How the sub-edges chain into rings (M sub-edges, S rings).

    Attributes:
        ring: `[M]` ring (shape) of each sub-edge; rings are contiguous blocks.
        succ: `[M]` the next sub-edge along the same ring.
        position: `[M]` place along its ring, counted from the ring's start.
        first, length: `[S]` block of each ring.
        start: `[S]` sub-edge where the walk of each ring starts, -1 if not walked.
    """

    ring: np.ndarray
    succ: np.ndarray
    position: np.ndarray
    first: np.ndarray
    length: np.ndarray
    start: np.ndarray

    def sub_at(self, ring: np.ndarray, position: np.ndarray) -> np.ndarray:
        """The sub-edge at `position` along walked ring `ring`."""
        first = self.first[ring]
        return first + np.mod(self.start[ring] - first + position, self.length[ring])


def _walks(arr: Arrangement, rings: Rings, dy: np.ndarray) -> _Walks:
    """Chain the sub-edges into their rings.

    A ring starts at its steepest sub-edge (largest |dy|), where the ray test of
    `_start_states` crosses it cleanly. A ring whose |dy| stays within a few merging
    tolerances is flat, holds no area, and is not walked.
    """
    ring = rings.shape[arr.edge]
    n_shapes = len(rings.count)
    first = np.searchsorted(ring, np.arange(n_shapes))
    length = np.searchsorted(ring, np.arange(n_shapes), side="right") - first
    index = np.arange(len(ring))
    succ = ring_successors(ring, n_shapes)
    if np.any(arr.tail[succ] != arr.head):
        raise RuntimeError("exact reference: a ring of the arrangement is broken")
    order = np.lexsort((-np.abs(dy), ring))
    start = np.full(n_shapes, -1)
    has = length > 0
    start[has] = order[first[has]]
    start[has & (np.abs(dy[np.maximum(start, 0)]) <= 4.0 * arr.tolerance)] = -1
    position = np.mod(index - start[ring], np.maximum(length[ring], 1))
    return _Walks(ring, succ, position, first, length, start)


def _group_members(arr: Arrangement, sub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, member): every sub-edge `member` coincident with `sub[owner]`."""
    by_group = np.argsort(arr.group, kind="stable")
    bounds = np.searchsorted(
        arr.group[by_group], np.arange(arr.group.max(initial=-1) + 2)
    )
    g = arr.group[sub]
    owner, offset = expand(bounds[g + 1] - bounds[g])
    return owner, by_group[bounds[g][owner] + offset]


def _points_in_boxes(points: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Pairs (k, t), ascending, of points[k] inside the box [lo[t], hi[t]].

    Boxes are entered in the cells of a grid that they overlap, points looked up in
    theirs, so that the work follows the pairs found rather than points x boxes.
    """
    empty = np.zeros(0, dtype=np.int64)
    real = np.flatnonzero(np.all(lo <= hi, axis=1))
    if len(points) == 0 or len(real) == 0:
        return empty, empty
    # A square grid of about one cell per box over the points' bounding box.
    origin, top = points.min(axis=0), points.max(axis=0)
    n = int(np.ceil(np.sqrt(len(real))))
    scale = n / np.maximum(top - origin, 1e-300)

    def cell_of(x):
        return np.clip(np.floor((x - origin) * scale), 0, n - 1).astype(np.int64)

    low, high = cell_of(lo[real]), cell_of(hi[real])
    outside = np.any((hi[real] < origin) | (lo[real] > top), axis=1)
    span = np.where(outside[:, None], 0, high - low + 1)
    box, offset = expand(span[:, 0] * span[:, 1])
    cx = low[box, 0] + offset % span[box, 0]
    cy = low[box, 1] + offset // span[box, 0]
    entry_key = cx * n + cy
    order = np.argsort(entry_key, kind="stable")
    entry_key, box = entry_key[order], real[box[order]]
    point_cell = cell_of(points)
    point_key = point_cell[:, 0] * n + point_cell[:, 1]
    begin = np.searchsorted(entry_key, point_key)
    end = np.searchsorted(entry_key, point_key, side="right")
    rows, cols = [empty], [empty]
    for first, last in blocks(end - begin, BLOCK):
        k, offset = expand((end - begin)[first:last])
        k += first
        t = box[begin[k] + offset]
        inside = np.all((points[k] >= lo[t]) & (points[k] <= hi[t]), axis=1)
        rows.append(k[inside])
        cols.append(t[inside])
    k, t = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((t, k))
    return k[order], t[order]


def _start_states(arr: Arrangement, rings: Rings, walks: _Walks, sign_dy: np.ndarray):
    """(ring, shape, doubled state) at the midpoint of each walked ring's start sub-edge,
    for every shape whose bounds hold that point."""
    n_shapes = len(rings.count)
    walked = np.flatnonzero(walks.start >= 0)
    sub = walks.start[walked]
    mid = 0.5 * (arr.nodes[arr.tail[sub]] + arr.nodes[arr.head[sub]])
    lo = np.full((n_shapes, 2), np.inf)
    hi = np.full((n_shapes, 2), -np.inf)
    np.minimum.at(lo, rings.shape, rings.points)
    np.maximum.at(hi, rings.shape, rings.points)
    margin = 8.0 * arr.tolerance
    k, t = _points_in_boxes(mid, lo - margin, hi + margin)
    doubled = 2 * _ray_windings(rings, mid[k], t)
    # The start sub-edge and the edges coincident with it pass through the midpoint,
    # where the ray test cannot see them: each is taken out and put back as half of
    # the step between its sides, so the state is the mean of both sides.
    owner, member = _group_members(arr, sub)
    member_shape = rings.shape[arr.edge[member]]
    pair_key = k * n_shapes + t
    pair = np.searchsorted(pair_key, owner * n_shapes + member_shape)
    if np.any(
        pair_key[np.minimum(pair, len(pair_key) - 1)] != owner * n_shapes + member_shape
    ):
        raise RuntimeError("exact reference: an edge lies outside its shape's bounds")
    terms = _ray_terms(rings, arr.edge[member], mid[owner])
    np.add.at(doubled, pair, sign_dy[member] - 2 * terms)
    return walked[k], t, doubled


def _walk_events(arr: Arrangement, walks: _Walks):
    """(ring, shape, position, doubled change) of the states along the walked rings: a
    change holds from the sub-edge at `position` on (position == length: back at the
    start, where all of a ring's changes must add up to zero)."""
    ring, succ = walks.ring, walks.succ
    n_sub = len(arr.tail)
    # Half-edges: each sub-edge leaves its tail (+1) and arrives at its head (-1).
    he_node = np.concatenate([arr.tail, arr.head])
    order = np.argsort(he_node, kind="stable")
    he_other = np.concatenate([arr.head, arr.tail])[order]
    he_sign = np.repeat(np.array([1, -1], dtype=np.int64), n_sub)[order]
    he_shape = np.concatenate([ring, ring])[order]
    node_start = np.searchsorted(he_node[order], np.arange(len(arr.nodes) + 1))
    degree = np.diff(node_start)
    # A passage runs from sub-edge j to succ[j] through node head[j]; at a node of
    # degree 2 (a plain vertex of one ring) nothing changes.
    passage = np.flatnonzero((degree[arr.head] > 2) & (walks.start[ring] >= 0))
    out = ([], [], [], [])
    for first, last in blocks(degree[arr.head[passage]], BLOCK):
        j = passage[first:last]
        owner, offset = expand(degree[arr.head[j]])
        j = j[owner]
        node, a_node, b_node = arr.head[j], arr.tail[j], arr.head[succ[j]]
        h = node_start[node] + offset
        other = he_other[h]
        here = arr.nodes[node]
        ray_a, ray_b = arr.nodes[a_node] - here, arr.nodes[b_node] - here
        ray = arr.nodes[other] - here
        s_a, s_b = _cross(ray_a, ray), _cross(ray, ray_b)
        between = np.where(
            _cross(ray_a, ray_b) >= 0, (s_a > 0) & (s_b > 0), (s_a > 0) | (s_b > 0)
        )
        weight = np.where((other == a_node) | (other == b_node), 1, 2 * between)
        # A U-turn (b back along a) leaves the walked point where it was.
        weight[a_node == b_node] = 0
        change = he_sign[h] * weight
        keep = change != 0
        nxt = succ[j[keep]]
        pos = walks.position[nxt]
        pos = np.where(pos == 0, walks.length[ring[nxt]], pos)
        values = (ring[j[keep]], he_shape[h[keep]], pos, change[keep])
        for parts, value in zip(out, values, strict=True):
            parts.append(value)
    return tuple(
        np.concatenate(parts) if parts else np.zeros(0, np.int64) for parts in out
    )


def _segments(s, t, p, v, length, n_shapes):
    """Piecewise-constant states from (ring, shape, position, change) entries:
    (ring, shape, from, to, doubled state) over positions [from, to) of the ring."""
    if len(s) == 0:
        return s, t, p, p, v
    order = np.lexsort((p, t, s))
    s, t, p, v = s[order], t[order], p[order], v[order]
    pair = s * n_shapes + t
    new_pair = np.r_[True, pair[1:] != pair[:-1]]
    pair_id = np.cumsum(new_pair) - 1
    total = np.cumsum(v)
    before = np.concatenate([[0], total])[np.flatnonzero(new_pair)]
    state = total - before[pair_id]
    end = np.r_[p[1:], 0]
    last = np.r_[new_pair[1:], True]
    end[last] = length[s[last]]
    keep = end > p
    return s[keep], t[keep], p[keep], end[keep], state[keep]


def _states_on(walks: _Walks, segments, is_rep: np.ndarray):
    """(sub-edge, shape, doubled state) for the representatives, where non-zero."""
    seg_s, seg_t, seg_from, seg_to, seg_state = segments
    live = np.flatnonzero(seg_state != 0)
    counts = (seg_to - seg_from)[live]
    empty = np.zeros(0, dtype=np.int64)
    subs, shapes, states = [empty], [empty], [empty]
    for first, last in blocks(counts, BLOCK):
        owner, offset = expand(counts[first:last])
        k = live[first:last][owner]
        sub = walks.sub_at(seg_s[k], seg_from[k] + offset)
        keep = is_rep[sub]
        subs.append(sub[keep])
        shapes.append(seg_t[k][keep])
        states.append(seg_state[k][keep])
    return np.concatenate(subs), np.concatenate(shapes), np.concatenate(states)


def _state_at(walks: _Walks, segments, sub: np.ndarray, shape: np.ndarray):
    """Doubled state of `shape[k]` on `sub[k]`, read from the walk of sub's ring."""
    seg_s, seg_t, seg_from, _, seg_state = segments
    n_shapes = len(walks.length)
    span = walks.length.max(initial=0) + 1
    pair = walks.ring[sub] * n_shapes + shape
    found = np.searchsorted(
        (seg_s * n_shapes + seg_t) * span + seg_from,
        pair * span + walks.position[sub],
        side="right",
    )
    found = np.maximum(found - 1, 0)
    same = (seg_s[found] * n_shapes + seg_t[found] == pair) & (len(seg_s) > 0)
    return np.where(same, seg_state[found], 0)


def side_windings(arr: Arrangement, rings: Rings) -> SideWindings:
    """Winding numbers of every shape just west and east of each sub-edge that stands
    for its group of coincident sub-edges and is not horizontal (the sub-edges that
    carry area), where either is non-zero.

    Raises:
        RuntimeError: the walks disagree with themselves (a ring's states do not come
            back to their start, or a side gets a half-integer winding number), which
            only a broken arrangement can cause.
    """
    n_shapes = len(rings.count)
    if len(arr.tail) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return SideWindings(sub=empty, shape=empty, west=empty, east=empty)
    dy = arr.nodes[arr.head, 1] - arr.nodes[arr.tail, 1]
    sign_dy = np.sign(dy).astype(np.int64)
    walks = _walks(arr, rings, dy)
    s0, t0, v0 = _start_states(arr, rings, walks, sign_dy)
    s1, t1, p1, v1 = _walk_events(arr, walks)
    _, pair_of_event = np.unique(s1 * n_shapes + t1, return_inverse=True)
    if np.any(np.bincount(pair_of_event.reshape(-1), weights=v1) != 0):
        raise RuntimeError("exact reference: inconsistent windings along a ring")
    segments = _segments(
        np.concatenate([s0, s1]),
        np.concatenate([t0, t1]),
        np.concatenate([np.zeros(len(s0), np.int64), p1]),
        np.concatenate([v0, v1]),
        walks.length,
        n_shapes,
    )
    # Each group is computed once, from the walk of its first member on a walked ring.
    able = np.flatnonzero((walks.start[walks.ring] >= 0) & (dy != 0))
    _, first_able = np.unique(arr.group[able], return_index=True)
    rep = able[first_able]
    is_rep = np.zeros(len(dy), dtype=bool)
    is_rep[rep] = True
    sub, shape, state = _states_on(walks, segments, is_rep)
    # Every shape with an edge along a representative: sum of sign(dy) of those edges,
    # and its state there (which may be 0 and then is not in the list above).
    owner, member = _group_members(arr, rep)
    c_sub, c_shape = rep[owner], rings.shape[arr.edge[member]]
    key, inverse = np.unique(
        np.concatenate([sub, c_sub]) * n_shapes + np.concatenate([shape, c_shape]),
        return_inverse=True,
    )
    inverse = inverse.reshape(-1)
    doubled = np.zeros(len(key), dtype=np.int64)
    doubled[inverse] = np.concatenate(
        [state, _state_at(walks, segments, c_sub, c_shape)]
    )
    coincident = np.bincount(
        inverse[len(sub) :], weights=sign_dy[member], minlength=len(key)
    ).astype(np.int64)
    if np.any((doubled + coincident) % 2 != 0):
        raise RuntimeError("exact reference: a winding number is not an integer")
    return SideWindings(
        sub=key // n_shapes,
        shape=key % n_shapes,
        west=(doubled + coincident) // 2,
        east=(doubled - coincident) // 2,
    )
