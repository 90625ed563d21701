"""Ragged arrays in NumPy: runs of variable length listed without Python loops (used
by the kernels' host-side geometry and by the exact reference)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, offset) listing offsets 0 .. counts[k] - 1 for each k in turn.

    For counts [2, 0, 3]: owner [0, 0, 2, 2, 2], offset [0, 1, 0, 1, 2].
    """
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, offset


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (as np.unique, whose hashing path for plain
    integer arrays is several times slower than a sort on large inputs)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def blocks(counts: np.ndarray, size: int) -> Iterator[tuple[int, int]]:
    """Ranges [first, last) of consecutive items whose counts add up to about `size`
    (one item at least), to bound the memory of per-item expansions."""
    total = np.concatenate([[0], np.cumsum(counts)])
    first = 0
    while first < len(counts):
        last = int(np.searchsorted(total, total[first] + size, side="right")) - 1
        last = max(last, first + 1)
        yield first, last
        first = last
