"""Candidate pairs of nearby segments from a uniform grid, never from all pairs.

Shared by the exact reference's arrangement (`reynolds.arrangement`) and the split of
boundary pieces at crossings (`reynolds.kernels.crossings`).
"""

from __future__ import annotations

import numpy as np
from reynolds.kernels.edges import split_at_grid_lines
from reynolds.kernels.ragged import expand, unique_sorted


def _box_cells(owner: np.ndarray, low: np.ndarray, high: np.ndarray):
    """(owner, cell x, cell y) of boxes [low, high] (cell units) spanning <= 2 x 2 cells."""
    entries = []
    for dx in (0, 1):
        for dy in (0, 1):
            ok = (low[:, 0] + dx <= high[:, 0]) & (low[:, 1] + dy <= high[:, 1])
            entries.append((owner[ok], low[ok, 0] + dx, low[ok, 1] + dy))
    return [np.concatenate(parts) for parts in zip(*entries, strict=True)]


def _cell_entries(
    a: np.ndarray, b: np.ndarray, origin: np.ndarray, cell: float, margin: float
) -> list[np.ndarray]:
    """(edge, cell x, cell y) for every grid cell that segment a -> b passes through or
    comes within `margin` (cell units) of.

    A segment whose widened bounding box spans at most 2 x 2 cells is entered in those;
    a longer one is cut at the grid lines and each piece entered the same way.
    """
    ga, gb = (a - origin) / cell, (b - origin) / cell
    low = np.floor(np.minimum(ga, gb) - margin).astype(np.int64)
    high = np.floor(np.maximum(ga, gb) + margin).astype(np.int64)
    short = np.all(high - low <= 1, axis=1)
    parts = [_box_cells(np.flatnonzero(short), low[short], high[short])]
    long_ = np.flatnonzero(~short)
    if len(long_):
        pa, pb = ga[long_], gb[long_]
        owner, lo, hi = split_at_grid_lines(pa, pb, np.zeros(len(pa)), np.ones(len(pa)))
        d = pb[owner] - pa[owner]
        p, q = pa[owner] + lo[:, None] * d, pa[owner] + hi[:, None] * d
        parts.append(
            _box_cells(
                long_[owner],
                np.floor(np.minimum(p, q) - margin).astype(np.int64),
                np.floor(np.maximum(p, q) + margin).astype(np.int64),
            )
        )
    return [np.concatenate(column) for column in zip(*parts, strict=True)]


def candidate_pairs(
    a: np.ndarray, b: np.ndarray, margin: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of segments that share a grid cell: every pair closer than
    `margin` is among them.

    Cells are about one per segment over the bounding box, or twice the median segment
    length where that is smaller (segments along a curve, as a circle's polygon), but
    large enough that all segments together visit about 4 cells each: so that both the
    cells a segment visits and the segments a cell holds stay few.
    """
    n = len(a)
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    lo = np.minimum(a.min(axis=0), b.min(axis=0))
    hi = np.maximum(a.max(axis=0), b.max(axis=0))
    extent = np.maximum(hi - lo, margin)
    length = np.linalg.norm(b - a, axis=1)
    spread = float(np.sqrt(extent[0] * extent[1] / n))
    typical = 2.0 * float(np.median(length))
    # Long segments visit at most about 4 n cells in all; at most 2**30 cells per axis,
    # so that a cell's number fits an int64.
    cell = max(
        min(spread, typical),
        float(length.sum()) / (4 * n),
        4.0 * margin,
        float(extent.max()) / 2**30,
    )
    owner, cx, cy = _cell_entries(a, b, lo, cell, margin / cell)
    key = (cx - cx.min()) * int(cy.max() - cy.min() + 1) + (cy - cy.min())
    entry = unique_sorted(key * n + owner)  # by cell, each segment once per cell
    key, owner = entry // n, entry % n
    # Within each cell, entry p pairs with the entries after it in the same cell.
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    later = np.repeat(starts + sizes, sizes) - np.arange(len(key)) - 1
    first, offset = expand(later)
    i, j = owner[first], owner[first + 1 + offset]
    pair = unique_sorted(np.minimum(i, j) * n + np.maximum(i, j))
    return pair // n, pair % n
