"""Tile binning: for each square tile of the canvas, the shapes whose bounds overlap it."""

from __future__ import annotations

import numpy as np


def choose_tile_size(width: int, height: int) -> int:
    """Tile edge in pixels: 16, or smaller on small canvases so work still spreads out."""
    return 16 if max(width, height) >= 64 else 8


def bin_shapes(
    bounds: np.ndarray, width: int, height: int, tile_size: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """CSR lists of the shapes overlapping each tile, in ascending shape order.

    Args:
        bounds: `[S, 4]` world bounds (xmin, ymin, xmax, ymax) in pixels.
        width, height: canvas size in pixels.
        tile_size: tile edge in pixels.
    Returns:
        (tile_start `[T + 1]` int32, tile_shapes int32, tiles_x, tiles_y), with tile
        `t = ty * tiles_x + tx` covering pixels [tx * tile_size, (tx + 1) * tile_size) in x.
    """
    tiles_x = -(-width // tile_size)
    tiles_y = -(-height // tile_size)
    num_tiles = tiles_x * tiles_y
    bounds = np.asarray(bounds, dtype=np.float64).reshape(-1, 4)
    # A shape touches tile columns floor(xmin / ts) .. floor(xmax / ts), clipped to the canvas.
    tx0 = np.floor(bounds[:, 0] / tile_size)
    ty0 = np.floor(bounds[:, 1] / tile_size)
    tx1 = np.floor(bounds[:, 2] / tile_size)
    ty1 = np.floor(bounds[:, 3] / tile_size)
    visible = (tx1 >= 0) & (ty1 >= 0) & (tx0 < tiles_x) & (ty0 < tiles_y)
    shape_ids = np.nonzero(visible)[0]
    tx0 = np.clip(tx0[visible], 0, tiles_x - 1).astype(np.int64)
    ty0 = np.clip(ty0[visible], 0, tiles_y - 1).astype(np.int64)
    tx1 = np.clip(tx1[visible], 0, tiles_x - 1).astype(np.int64)
    ty1 = np.clip(ty1[visible], 0, tiles_y - 1).astype(np.int64)
    nx = tx1 - tx0 + 1
    counts = nx * (ty1 - ty0 + 1)
    total = int(counts.sum())
    owner = np.repeat(np.arange(shape_ids.size), counts)
    # Position of each entry inside its shape's tile rectangle, then its tile coordinates.
    local = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    tile = (ty0[owner] + local // nx[owner]) * tiles_x + tx0[owner] + local % nx[owner]
    shape = shape_ids[owner]
    order = np.lexsort((shape, tile))
    tile_shapes = shape[order].astype(np.int32)
    tile_start = np.zeros(num_tiles + 1, dtype=np.int32)
    np.cumsum(np.bincount(tile, minlength=num_tiles), out=tile_start[1:])
    return tile_start, tile_shapes, tiles_x, tiles_y
