"""The scene's boundary as pieces clipped to the canvas, for edge sampling.

A piece is part of one polygon edge (parameter t along a -> b) or one circle arc
(angle phi, y down so phi turns clockwise on screen). Pieces lying outside the canvas
are dropped, so no edge sample is spent where no pixel can see it.
"""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from kernels.buffers import SceneBuffers

PIECE_SEGMENT = 0
PIECE_ARC = 1

# The pieces' arrays inside a kernel, as one compile-time bundle for Taichi functions.
PieceView = namedtuple("PieceView", "shape kind edge t0 t1 cumulative first_sample")


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
    """

    shape: np.ndarray
    kind: np.ndarray
    edge: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    cumulative: np.ndarray

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


def build_edge_pieces(buffers: SceneBuffers) -> EdgePieces:
    """All boundary pieces of the scene inside the canvas [0, width] x [0, height]."""
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
    seg_len = (t1 - t0) * np.linalg.norm(b - a, axis=1)
    keep = (t1 > t0) & (seg_len > 0)

    circles = np.nonzero(kind == 1)[0]
    arc_owner, phi0, phi1 = clip_circles(
        circle[circles].astype(np.float64), width, height
    )
    arc_shape = circles[arc_owner]
    arc_len = (phi1 - phi0) * circle[arc_shape, 2].astype(np.float64)

    shape = np.concatenate([owner[keep], arc_shape]).astype(np.int32)
    lengths = np.concatenate([seg_len[keep], arc_len])
    order = np.argsort(shape, kind="stable")  # pieces grouped by shape, back to front
    return EdgePieces(
        shape=shape[order],
        kind=np.concatenate(
            [np.full(keep.sum(), PIECE_SEGMENT), np.full(arc_shape.size, PIECE_ARC)]
        ).astype(np.int32)[order],
        edge=np.concatenate([edge[keep], np.full(arc_shape.size, -1)]).astype(np.int32)[
            order
        ],
        t0=np.concatenate([t0[keep], phi0])[order],
        t1=np.concatenate([t1[keep], phi1])[order],
        cumulative=np.concatenate([[0.0], np.cumsum(lengths[order])]),
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
