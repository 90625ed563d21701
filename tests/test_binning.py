"""Tile binning against a brute-force listing."""

from __future__ import annotations

import numpy as np
import pytest
from reynolds.kernels import bin_shapes


@pytest.mark.parametrize(
    "width, height, tile", [(64, 48, 16), (50, 37, 8), (16, 16, 16)]
)
def test_tiles_list_exactly_the_overlapping_shapes_in_order(width, height, tile):
    rng = np.random.default_rng(3)
    lo = rng.uniform(-20, max(width, height) + 5, (200, 2))
    bounds = np.column_stack([lo, lo + rng.uniform(0, 30, (200, 2))])
    start, shapes, tiles_x, tiles_y = bin_shapes(bounds, width, height, tile)
    assert (tiles_x, tiles_y) == (-(-width // tile), -(-height // tile))
    for ty in range(tiles_y):
        for tx in range(tiles_x):
            x0, y0 = tx * tile, ty * tile
            expected = [
                k
                for k, (a, b, c, d) in enumerate(bounds)
                if np.floor(a / tile) <= tx <= np.floor(c / tile)
                and np.floor(b / tile) <= ty <= np.floor(d / tile)
            ]
            t = ty * tiles_x + tx
            assert shapes[start[t] : start[t + 1]].tolist() == expected, (x0, y0)


def test_no_shapes():
    start, shapes, tx, ty = bin_shapes(np.zeros((0, 4)), 20, 20, 8)
    assert shapes.size == 0 and start.tolist() == [0] * (tx * ty + 1)
