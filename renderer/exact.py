"""The exact reference: box-filtered pixel values of the piecewise-constant picture.

The picture f is constant between shape boundaries, so along any row of the canvas
(Green's theorem in one dimension)

    integral of f over [j, j+1] at height y
        = f east of everything + sum over boundary crossings c at x_c of
          (f just west of c - f just east of c) * (clamp(x_c, j, j+1) - j).

Integrating over the pixel's rows turns each boundary piece into an exact deposit
(`_deposit`). The jumps f_west - f_east come from compositing the shapes with their
winding numbers on both sides of each piece (`reynolds.windings`), on the planar
arrangement of the outlines (`reynolds.arrangement`), clipped to the pixels asked for
(`reynolds.rings`). Everything is float64; polygons are exact up to rounding, and
work and memory follow the canvas and the boundary inside it: a circle of radius 1e12
or a polygon of a million vertices far off the canvas costs what its visible part does.
Circles are regular polygons fine enough that no pixel moves by more than
`circle_tolerance` times the colour contrast (`circle_segments`).
"""

from __future__ import annotations

import math

import numpy as np
from reynolds.arrangement import Arrangement, Rings, build_arrangement
from reynolds.errors import SceneError
from reynolds.frames import frames_of
from reynolds.kernels.edges import split_at_grid_lines
from reynolds.kernels.ragged import blocks, expand
from reynolds.rings import Box
from reynolds.scene import Scene
from reynolds.shape_kinds import evenodd_mask, kind_of
from reynolds.windings import SideWindings, side_windings

DEFAULT_CIRCLE_TOLERANCE = 1e-6
# Pixel crossings of boundary pieces handled at once by `_deposit`.
BLOCK = 1 << 21


def circle_segments(radius: float, tolerance: float) -> int:
    """Sides n of a regular polygon whose pixel areas differ from the disc's by <= tolerance.

    The polygon of the disc's area (`reynolds.rings.polygon_vertex_radius`) lies in
    the ring between its vertex radius and its inscribed radius, a band of width
    r_v (1 - cos(pi / n)) <= r pi^2 / (2 n^2) (1 + O(n^-2)) around the circle, so a
    pixel's area error is at most (arc of the circle in the pixel) x that width. In a
    unit pixel a circle of radius r >= 1 runs at most pi / 2 (a quarter circle of
    radius 1 about a pixel corner), hence an error <= (pi / 2) r pi^2 / (2 n^2), which
    n >= pi sqrt(pi r / (4 tolerance)) keeps <= tolerance. Discs with r < 1 get the
    n of r = 1, enough because arc x r <= pi / 2 there too (a whole circle, 2 pi r^2,
    for r <= 1/2; measured on a grid of placements for 1/2 < r < 1). Only the part of
    the polygon near the pixels asked for is ever built (`reynolds.rings`).
    """
    scaled = math.pi * max(radius, 1.0) / (4.0 * tolerance)
    return max(32, math.ceil(math.pi * math.sqrt(scaled)))


def circle_segment_counts(
    scene: Scene, tolerance: float = DEFAULT_CIRCLE_TOLERANCE
) -> np.ndarray:
    """`[S]` sides of the polygon standing in for each circle (0 for polygons).

    Finite differences of the exact image hold these fixed on both sides of a step, so
    that the approximation stays smooth in the parameters.
    """
    circles = frames_of(scene).world_circles()
    return np.array(
        [circle_segments(r, tolerance) if r > 0 else 0 for r in circles[:, 2]],
        dtype=np.int64,
    )


def shape_rings(scene: Scene, segments: np.ndarray, box: Box) -> list[np.ndarray]:
    """Each shape's outline clipped to `box`, with its winding numbers inside the box
    (`[N, 2]` float64, empty where the shape cannot change a pixel of the box)."""
    frames = frames_of(scene)
    verts = frames.world_vertices()
    circles = frames.world_circles()
    bounds = frames.world_bounds(verts)
    x0, y0, x1, y1 = box
    rings = []
    for k, (shape, start, count) in enumerate(
        zip(scene.shapes, frames.starts, frames.counts, strict=True)
    ):
        b = bounds[k]
        if shape.opacity == 0 or b[0] > x1 or b[2] < x0 or b[1] > y1 or b[3] < y0:
            rings.append(np.zeros((0, 2)))
        else:
            ring = kind_of(shape).exact_ring(
                verts[start : start + count], circles[k], int(segments[k]), box
            )
            rings.append(ring)
    return rings


def _jumps(scene: Scene, sides: SideWindings) -> tuple[np.ndarray, np.ndarray]:
    """(sub-edges, `[K, 3]` f_west - f_east across each), compositing back to front."""
    shapes = scene.shapes
    evenodd = evenodd_mask(shapes)
    opacity = np.array([s.opacity for s in shapes], dtype=np.float64)
    fill = np.array([s.fill for s in shapes], dtype=np.float64).reshape(-1, 3)
    odd = evenodd[sides.shape]
    in_west = np.where(odd, sides.west % 2 != 0, sides.west != 0)
    in_east = np.where(odd, sides.east % 2 != 0, sides.east != 0)
    keep = in_west | in_east
    sub, shape = sides.sub[keep], sides.shape[keep]
    in_west, in_east = in_west[keep], in_east[keep]
    subs, first, per_sub = np.unique(sub, return_index=True, return_counts=True)
    slot = np.repeat(np.arange(len(subs)), per_sub)
    depth = np.arange(len(sub)) - first[slot]  # entries are sorted by sub, then shape
    background = np.asarray(scene.canvas.background, dtype=np.float64)
    west = np.tile(background, (len(subs), 1))
    east = west.copy()
    by_depth = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[by_depth], np.arange(depth.max(initial=-1) + 2))
    for level in range(len(bounds) - 1):
        k = by_depth[bounds[level] : bounds[level + 1]]
        s = slot[k]
        for colour, inside in ((west, in_west[k]), (east, in_east[k])):
            a = (opacity[shape[k]] * inside)[:, None]
            colour[s] = a * fill[shape[k]] + (1.0 - a) * colour[s]
    return subs, west - east


def _add_counts(target: np.ndarray, index: np.ndarray, weights: np.ndarray) -> None:
    """target[index] += weights for a 1-D target, repeated indices summed; the
    temporary spans only the indices' range."""
    if len(index):
        lo, hi = int(index.min()), int(index.max())
        target[lo : hi + 1] += np.bincount(index - lo, weights, hi - lo + 1)


def _deposit(
    image: np.ndarray, arr: Arrangement, sub: np.ndarray, jump: np.ndarray, box
) -> None:
    """Add each sub-edge's share of sum_c (f_W - f_E)(clamp(x_c, j, j+1) - j) dy to the
    pixels of `box` (int x0, y0, x1, y1): its part in pixel (i, j) adds jump * dy *
    (x_mid - j) there and jump * dy to every pixel west of it in row i.

    Sub-edges are cut into parts of at most BLOCK pixel crossings and handled a block
    of parts at a time, so memory stays bounded on a 16777216-pixel row.
    """
    x0, y0, x1, y1 = box
    rows, cols = y1 - y0, x1 - x0
    a, b = arr.nodes[arr.tail[sub]], arr.nodes[arr.head[sub]]
    crossings = np.ceil(np.abs(b - a).sum(axis=1)) + 2
    parts = np.ceil(crossings / BLOCK).astype(np.int64)
    owner, k = expand(parts)
    t0, t1 = k / parts[owner], (k + 1) / parts[owner]
    flat_image = image.reshape(-1, 3)
    # West[i, j]: the dy-weighted jumps of the parts in column j of row i, which every
    # pixel west of column j gets; column `cols` holds parts on the east border.
    west = np.zeros((3, rows * (cols + 1)))
    for first, last in blocks(crossings[owner] / parts[owner], BLOCK):
        s = owner[first:last]
        piece, lo, hi = split_at_grid_lines(a[s], b[s], t0[first:last], t1[first:last])
        d = b[s][piece] - a[s][piece]
        mid = a[s][piece] + (0.5 * (lo + hi))[:, None] * d
        height = (hi - lo) * np.abs(d[:, 1])
        # Nodes lie in the box up to rounding; a last-bit excess must not leave it.
        row = np.clip(np.floor(mid[:, 1]).astype(np.int64) - y0, 0, rows - 1)
        col = np.clip(np.floor(mid[:, 0]).astype(np.int64) - x0, 0, cols)
        inside = col < cols
        pixel = (row + y0) * image.shape[1] + col + x0
        fraction = mid[:, 0] - np.floor(mid[:, 0])
        for ch in range(3):
            weight = jump[s[piece], ch] * height
            _add_counts(west[ch], row * (cols + 1) + col, weight)
            _add_counts(flat_image[:, ch], pixel[inside], (weight * fraction)[inside])
    for ch in range(3):
        totals = np.cumsum(west[ch].reshape(rows, cols + 1), axis=1)
        # Sum over the columns strictly east of each pixel.
        image[y0:y1, x0:x1, ch] += totals[:, -1:] - totals[:, :cols]


def render_exact_image(
    scene: Scene,
    *,
    circle_tolerance: float = DEFAULT_CIRCLE_TOLERANCE,
    segments: np.ndarray | None = None,
    window: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """Exact box-filtered image of `scene`.

    Args:
        scene: a validated scene.
        segments: sides of each circle's polygon (default `circle_segment_counts`),
            overriding `circle_tolerance`.
        window: (row0, row1, col0, col1): compute only these pixels, leave the others 0.
        circle_tolerance: largest error allowed per pixel and per unit of colour
            contrast from the polygonal approximation of circles.
    Returns:
        `[height, width, 3]` float64 image, row 0 at the top.
    Raises:
        SceneError: the arrangement of the outlines came out inconsistent (a last
            line of defence: no scene is known to cause it).
    """
    width, height = scene.canvas.width, scene.canvas.height
    image = np.zeros((height, width, 3))
    if segments is None:
        segments = circle_segment_counts(scene, circle_tolerance)
    row0, row1, col0, col1 = window if window is not None else (0, height, 0, width)
    if row0 >= row1 or col0 >= col1:
        return image
    box = (col0, row0, col1, row1)
    image[row0:row1, col0:col1] = scene.canvas.background
    rings = Rings.from_list(shape_rings(scene, segments, box))
    try:
        arrangement = build_arrangement(rings, scale=float(max(col1, row1, 1)))
        sides = side_windings(arrangement, rings)
    except RuntimeError as error:
        raise SceneError(
            f"{error} (the geometry defeats the exact reference)"
        ) from None
    sub, jump = _jumps(scene, sides)
    _deposit(image, arrangement, sub, jump, box)
    return image
