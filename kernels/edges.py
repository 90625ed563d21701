"""The scene's boundary as pieces clipped to the canvas, for edge sampling.

A piece is part of one polygon edge (parameter t along a -> b) or one circle arc
(angle phi, y down so phi turns clockwise on screen). Pieces lying outside the canvas
are dropped, so no edge sample is spent where no pixel can see it.
"""

from dataclasses import dataclass, replace

import numpy as np
import taichi as ti
from reynolds.kernels.array_types import f64_1, i32_1
from reynolds.kernels.buffers import SceneBuffers, reused_argpack

PIECE_SEGMENT = 0
PIECE_ARC = 1


# The pieces as the boundary kernel sees them (members as in `EdgePieces` with a
# "piece_" prefix, plus the first sample index of each piece for per-piece placements).
# Taichi 1.7 resolves argpack members by name across all argpacks of a kernel: a member
# name shared with `SceneArgs` ("kind") reads as None there, hence the prefix.
PieceArgs = ti.types.argpack(
    piece_shape=i32_1,
    piece_kind=i32_1,
    piece_edge=i32_1,
    piece_t0=f64_1,
    piece_t1=f64_1,
    piece_cumulative=f64_1,
    piece_mass=f64_1,
    piece_first_sample=i32_1,
)


@dataclass(frozen=True)
class EdgePieces:
    """Boundary pieces inside the canvas.

    Attributes:
        shape: `[P]` int32 index of the shape each piece belongs to.
        kind: `[P]` int32, PIECE_SEGMENT or PIECE_ARC.
        edge: `[P]` int32 edge index within its polygon (vertex a = start + edge,
            b = start + (edge + 1) % count); -1 for arcs.
        t0, t1: `[P]` float64 parameter range: t in [0, 1] along a segment, or angle
            phi in radians along an arc.
        cumulative: `[P + 1]` float64 cumulative length in pixels; the total is
            cumulative[-1].
        mass: `[P + 1]` float64 cumulative sampling mass of the placements that draw
            pieces by mass ("cdf", "iid"): the length, or `importance_mass`.
    """

    shape: np.ndarray
    kind: np.ndarray
    edge: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    cumulative: np.ndarray
    mass: np.ndarray

    def kernel_args(self, first_sample: np.ndarray):
        """The pieces as the one typed argument of the boundary kernel (Taichi must be
        initialised first); `first_sample` `[P + 1]` int32. Shared like
        `SceneBuffers.kernel_args`: build it right before its launches."""
        return reused_argpack(
            PieceArgs,
            piece_shape=self.shape,
            piece_kind=self.kind,
            piece_edge=self.edge,
            piece_t0=self.t0,
            piece_t1=self.t1,
            piece_cumulative=self.cumulative,
            piece_mass=self.mass,
            piece_first_sample=first_sample,
        )

    @property
    def total_length(self) -> float:
        return float(self.cumulative[-1])

    @property
    def count(self) -> int:
        return int(self.shape.size)


def clip_segments(
    a: np.ndarray, b: np.ndarray, width: float, height: float
) -> tuple[np.ndarray, np.ndarray]:
    """Liang-Barsky: parameter range [t0, t1] of each segment a + t (b - a) inside the box.

    Args:
        a, b: `[E, 2]` segment end points, pixels.
    Returns:
        t0, t1 `[E]`; t0 >= t1 where a segment misses the box.
    """
    d = b - a
    t0 = np.zeros(len(a))
    t1 = np.ones(len(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in (
            (-d[:, 0], a[:, 0]),
            (d[:, 0], width - a[:, 0]),
            (-d[:, 1], a[:, 1]),
            (d[:, 1], height - a[:, 1]),
        ):
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
            # A segment parallel to this side and outside it is dropped whole.
            t1 = np.where((p == 0) & (q < 0), -1.0, t1)
    return t0, t1


def clip_circles(
    circle: np.ndarray, width: float, height: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arcs of each circle inside the canvas.

    Args:
        circle: `[C, 3]` (cx, cy, r), pixels.
    Returns:
        (owner `[A]` index into `circle`, phi0 `[A]`, phi1 `[A]`) with phi1 > phi0.
    """
    cx, cy, r = circle[:, 0:1], circle[:, 1:2], circle[:, 2:3]
    two_pi = 2.0 * np.pi
    cuts = [np.zeros_like(cx), np.full_like(cx, two_pi)]
    with np.errstate(invalid="ignore"):
        for value, center, trig in (
            (0.0, cx, "cos"),
            (width, cx, "cos"),
            (0.0, cy, "sin"),
            (height, cy, "sin"),
        ):
            ratio = (value - center) / r
            base = np.arccos(ratio) if trig == "cos" else np.arcsin(ratio)
            other = -base if trig == "cos" else np.pi - base
            for angle in (base, other):
                cuts.append(
                    np.where(np.abs(ratio) <= 1.0, np.mod(angle, two_pi), two_pi)
                )
    angles = np.sort(np.concatenate(cuts, axis=1), axis=1)
    lo, hi = angles[:, :-1], angles[:, 1:]
    mid = 0.5 * (lo + hi)
    mx, my = cx + r * np.cos(mid), cy + r * np.sin(mid)
    keep = (hi > lo) & (mx >= 0) & (mx <= width) & (my >= 0) & (my <= height)
    owner = np.nonzero(keep)[0]
    return owner, lo[keep], hi[keep]


def _grid_crossings(
    start: np.ndarray, delta: np.ndarray, t0: np.ndarray, t1: np.ndarray
):
    """(owner, t) where the lines start + t delta (t in (t0, t1)) cross integer
    coordinates of one axis: the parameters at which they enter a new pixel column/row."""
    c0, c1 = start + t0 * delta, start + t1 * delta
    first = np.floor(np.minimum(c0, c1)) + 1
    count = np.maximum(np.ceil(np.maximum(c0, c1)) - first, 0).astype(np.int64)
    owner = np.repeat(np.arange(start.size), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    values = first[owner] + offset
    return owner, (values - start[owner]) / delta[owner]


# Angles in [0, 2 pi] where a circle's x (axis 0) or y (axis 1) is extreme, and the sign
# of that extreme: cos is 1 at 0 and 2 pi and -1 at pi; sin is 1 at pi/2, -1 at 3 pi/2.
_EXTREMES = (
    ((0.0, 1.0), (np.pi, -1.0), (2.0 * np.pi, 1.0)),
    ((0.5 * np.pi, 1.0), (1.5 * np.pi, -1.0)),
)


def _arc_range(circle: np.ndarray, phi0: np.ndarray, phi1: np.ndarray, axis: int):
    """(lo, hi) of coordinate `axis` over each arc phi in [phi0, phi1] within [0, 2 pi]."""
    center, radius = circle[:, axis], circle[:, 2]
    trig = np.cos if axis == 0 else np.sin
    ends = center[:, None] + radius[:, None] * trig(np.column_stack([phi0, phi1]))
    lo, hi = ends.min(axis=1), ends.max(axis=1)
    for angle, sign in _EXTREMES[axis]:
        passes = (phi0 <= angle) & (angle <= phi1)
        extreme = center + sign * radius
        lo = np.where(passes & (sign < 0), extreme, lo)
        hi = np.where(passes & (sign > 0), extreme, hi)
    return lo, hi


def _arc_crossings(circle: np.ndarray, phi0: np.ndarray, phi1: np.ndarray):
    """(owner, phi) where arcs cross integer x or y inside (phi0, phi1).

    Only the integers within each arc's own x or y range are tried, so the work follows
    the arcs' extent (inside the canvas) and not the circle's.
    """
    owners, angles = [], []
    for axis, inverse in ((0, np.arccos), (1, np.arcsin)):
        center, radius = circle[:, axis], circle[:, 2]
        lo, hi = _arc_range(circle, phi0, phi1, axis)
        first = np.ceil(lo)
        count = np.maximum(np.floor(hi) - first + 1, 0).astype(np.int64)
        owner = np.repeat(np.arange(center.size), count)
        value = (
            first[owner]
            + np.arange(count.sum())
            - np.repeat(np.cumsum(count) - count, count)
        )
        base = inverse(np.clip((value - center[owner]) / radius[owner], -1.0, 1.0))
        # cos phi = c has roots +-acos(c); sin phi = s has roots asin(s), pi - asin(s).
        other = -base if axis == 0 else np.pi - base
        for phi in (base, other):
            owners.append(owner)
            angles.append(np.mod(phi, 2.0 * np.pi))
    owner, phi = np.concatenate(owners), np.concatenate(angles)
    inside = (phi > phi0[owner]) & (phi < phi1[owner])
    return owner[inside], phi[inside]


def _split(t0: np.ndarray, t1: np.ndarray, cut_owner: np.ndarray, cut_t: np.ndarray):
    """Split each interval [t0, t1] at its cuts: (owner, lo, hi) of the sub-intervals."""
    n = t0.size
    owner = np.concatenate([np.arange(n), np.arange(n), cut_owner])
    t = np.concatenate([t0, t1, cut_t])
    order = np.lexsort((t, owner))
    owner, t = owner[order], t[order]
    same = owner[1:] == owner[:-1]
    lo, hi, owner = t[:-1][same], t[1:][same], owner[:-1][same]
    keep = hi > lo
    return owner[keep], lo[keep], hi[keep]


def split_at_grid_lines(
    a: np.ndarray, b: np.ndarray, t0: np.ndarray, t1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split segments a + t (b - a), t in [t0, t1], where they cross integer x or y.

    Args:
        a, b: `[E, 2]` float64 end points (pixels, or any grid's units).
        t0, t1: `[E]` parameter range of each segment to split.
    Returns:
        (owner `[P]` index into a, lo `[P]`, hi `[P]`): pieces in order along each
        segment, each inside one grid cell; empty ranges are dropped.
    """
    d = b - a
    cuts = [_grid_crossings(a[:, axis], d[:, axis], t0, t1) for axis in (0, 1)]
    return _split(
        t0,
        t1,
        np.concatenate([c[0] for c in cuts]),
        np.concatenate([c[1] for c in cuts]),
    )


def build_edge_pieces(
    buffers: SceneBuffers, *, whole_circles: bool = False
) -> EdgePieces:
    """All boundary pieces of the scene inside the canvas [0, width] x [0, height], each
    split where it crosses a pixel line: one piece per pixel an edge passes through.

    With `whole_circles`, each circle is instead one piece, its half-turn phi in [0, pi)
    counted with the length of the whole circle: the "antithetic" placement evaluates
    every sample phi there together with phi + pi (points off the canvas add nothing).

    Within one pixel the adjoint is constant, so stratifying the edge samples of each
    piece separately leaves only the variation of (f_in - f_out) V.n inside a pixel.
    """
    n = buffers.num_shapes
    kind, vert_start, vert_count = (
        buffers.kind[:n],
        buffers.vert_start[:n],
        buffers.vert_count[:n],
    )
    verts, circle, width, height = (
        buffers.verts,
        buffers.circle,
        buffers.width,
        buffers.height,
    )
    polygons = np.nonzero(kind == 0)[0]
    counts = vert_count[polygons].astype(np.int64)
    owner = np.repeat(polygons, counts)
    edge = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    start = vert_start[owner].astype(np.int64)
    a = verts[start + edge].astype(np.float64)
    b = verts[start + (edge + 1) % vert_count[owner]].astype(np.float64)
    t0, t1 = clip_segments(a, b, width, height)
    # Edges along the canvas border are kept: their samples share the adjoint of the
    # pixel inside with the (zero) adjoint outside (docs/design.md §4.1).
    keep = (t1 > t0) & (np.linalg.norm(b - a, axis=1) > 0)
    a, b, t0, t1, owner, edge = (
        a[keep],
        b[keep],
        t0[keep],
        t1[keep],
        owner[keep],
        edge[keep],
    )
    d = b - a
    seg, seg_lo, seg_hi = split_at_grid_lines(a, b, t0, t1)
    seg_len = (seg_hi - seg_lo) * np.linalg.norm(d[seg], axis=1)

    circles = np.nonzero(kind == 1)[0]
    world = circle[circles].astype(np.float64)
    if whole_circles:
        arc = np.arange(circles.size)
        arc_lo, arc_hi = np.zeros(circles.size), np.full(circles.size, np.pi)
        arc_shape = circles
        arc_len = 2.0 * np.pi * world[:, 2]
    else:
        arc_owner, phi0, phi1 = clip_circles(world, width, height)
        cut_owner, cut_phi = _arc_crossings(world[arc_owner], phi0, phi1)
        arc, arc_lo, arc_hi = _split(phi0, phi1, cut_owner, cut_phi)
        arc_shape = circles[arc_owner[arc]]
        arc_len = (arc_hi - arc_lo) * world[arc_owner[arc], 2]

    shape = np.concatenate([owner[seg], arc_shape]).astype(np.int32)
    lengths = np.concatenate([seg_len, arc_len])
    order = np.argsort(shape, kind="stable")  # pieces grouped by shape, back to front
    cumulative = np.concatenate([[0.0], np.cumsum(lengths[order])])
    piece_kind = np.concatenate(
        [np.full(seg.size, PIECE_SEGMENT), np.full(arc.size, PIECE_ARC)]
    )
    return EdgePieces(
        shape=shape[order],
        kind=piece_kind.astype(np.int32)[order],
        edge=np.concatenate([edge[seg], np.full(arc.size, -1)]).astype(np.int32)[order],
        t0=np.concatenate([seg_lo, arc_lo])[order],
        t1=np.concatenate([seg_hi, arc_hi])[order],
        cumulative=cumulative,
        mass=cumulative,
    )


def allocate_samples(pieces: EdgePieces, samples: int) -> np.ndarray:
    """First sample index of each piece, `[P + 1]` int32, for stratified edge sampling.

    Piece p gets n_p = max(1, round(samples * length_p / total)) samples, stratified
    along it. Whole strata per piece keep each piece's estimate free of the two-valued
    sample count that one stratum straddling two pieces would give it.
    """
    lengths = np.diff(pieces.cumulative)
    counts = np.maximum(
        1, np.rint(samples * lengths / max(pieces.total_length, 1e-300))
    ).astype(np.int64)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)


# Share of the plain length in the importance mass: where the adjoint is 0 a piece still
# gets at least this share of its length-proportional samples, so the estimate stays
# unbiased for every adjoint (a defensive mixture, Hesterberg 1995).
DEFENSIVE_SHARE = 0.1


def piece_midpoints(buffers: SceneBuffers, pieces: EdgePieces) -> np.ndarray:
    """`[P, 2]` float64 world position of the middle of each piece, pixels."""
    mid = 0.5 * (pieces.t0 + pieces.t1)
    k = pieces.shape
    out = np.empty((pieces.count, 2))
    seg = pieces.kind == PIECE_SEGMENT
    start = buffers.vert_start[k[seg]].astype(np.int64)
    count = buffers.vert_count[k[seg]].astype(np.int64)
    e = pieces.edge[seg].astype(np.int64)
    a = buffers.verts[start + e].astype(np.float64)
    b = buffers.verts[start + (e + 1) % count].astype(np.float64)
    out[seg] = a + mid[seg, None] * (b - a)
    c = buffers.circle[k[~seg]].astype(np.float64)
    phi = mid[~seg]
    out[~seg] = c[:, :2] + c[:, 2:3] * np.column_stack([np.cos(phi), np.sin(phi)])
    return out


def importance_mass(
    buffers: SceneBuffers, pieces: EdgePieces, adjoint: np.ndarray
) -> EdgePieces:
    """The pieces with mass proportional to |adjoint| x length, mixed with plain length.

    |adjoint| of a piece is the largest Euclidean norm of the RGB adjoint over the
    pixels whose closed squares hold its midpoint (two on a pixel line, four at a
    corner; 0 off the canvas): a piece lies in one closed pixel, so these are the pixels
    its two sides see. mass_p = length_p ((1 - d) |w_p| / mean|w| + d) with
    d = DEFENSIVE_SHARE and mean|w| the length-weighted mean, so the masses sum to the
    total length; with a zero adjoint it is the length itself.
    """
    lengths = np.diff(pieces.cumulative)
    if pieces.count == 0:
        return pieces
    norm = np.linalg.norm(np.asarray(adjoint, dtype=np.float64), axis=2)
    height, width = norm.shape
    mid = piece_midpoints(buffers, pieces)
    strength = np.zeros(pieces.count)
    for axis_x in (0, 1):
        for axis_y in (0, 1):
            # On a pixel line (integral coordinate) the pixel before it counts too.
            j = np.floor(mid[:, 0]) - axis_x * (mid[:, 0] == np.floor(mid[:, 0]))
            i = np.floor(mid[:, 1]) - axis_y * (mid[:, 1] == np.floor(mid[:, 1]))
            inside = (i >= 0) & (i < height) & (j >= 0) & (j < width)
            value = np.zeros(pieces.count)
            value[inside] = norm[i[inside].astype(np.int64), j[inside].astype(np.int64)]
            strength = np.maximum(strength, value)
    total = float(np.sum(lengths))
    mean = float(np.sum(strength * lengths)) / total if total > 0 else 0.0
    if mean <= 0.0:
        return pieces
    mass = lengths * ((1.0 - DEFENSIVE_SHARE) * strength / mean + DEFENSIVE_SHARE)
    return replace(pieces, mass=np.concatenate([[0.0], np.cumsum(mass)]))
