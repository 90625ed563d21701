"""Slow, independent exact images to check `reynolds.render_exact` against.

- `reference_image`: polygon overlay in GEOS (shapely). The canvas is cut into disjoint
  regions carrying the colour composited so far, shape after shape front to back; each
  pixel sums colour x area(region ∩ pixel). Circles are the same regular polygons of
  `segments[k]` sides that the reference uses, built whole. GEOS is known to go wrong
  on some degenerate self-intersecting polygons (collinear, repeated edges).
- `scanline_row`: one row of pixels by integrating along many horizontal lines, each
  exactly (crossings sorted, point classification by winding number), polygons only.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from reynolds.frames import frames_of
from reynolds.geometry import fill_inside, winding_numbers
from reynolds.scene import Polygon, Scene
from shapely.geometry import Polygon as GeosPolygon

NEGLIGIBLE_AREA = 1e-12


def _polygonal(geometry):
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g
        for g in shapely.get_parts(geometry)
        if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else GeosPolygon()


def polygon_region(vertices: np.ndarray, fill_rule: str):
    """The filled region of a closed polygon: faces of its noded boundary kept by the
    winding number at an interior point of each."""
    simple = GeosPolygon(vertices)
    if simple.is_valid:
        return simple
    ring = shapely.LineString(np.vstack([vertices, vertices[:1]]))
    faces = list(
        shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(ring))))
    )
    if not faces:
        return GeosPolygon()
    probes = np.array([[p.x, p.y] for p in (f.point_on_surface() for f in faces)])
    keep = fill_inside(winding_numbers(vertices, probes), fill_rule)
    kept = [f for f, k in zip(faces, keep, strict=True) if k]
    return shapely.union_all(kept) if kept else GeosPolygon()


def circle_region(center: np.ndarray, radius: float, n: int):
    r_vertex = radius * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))
    angles = np.arange(n) * (2.0 * math.pi / n)
    return GeosPolygon(
        np.column_stack(
            [
                center[0] + r_vertex * np.cos(angles),
                center[1] + r_vertex * np.sin(angles),
            ]
        )
    )


def reference_image(scene: Scene, segments: np.ndarray) -> np.ndarray:
    """`[H, W, 3]` float64 exact image by overlay (circles with `segments` sides)."""
    width, height = scene.canvas.width, scene.canvas.height
    frames = frames_of(scene)
    verts, circles = frames.world_vertices(), frames.world_circles()
    regions = []
    for k, (shape, start, count) in enumerate(
        zip(scene.shapes, frames.starts, frames.counts, strict=True)
    ):
        if isinstance(shape, Polygon):
            regions.append(
                polygon_region(verts[start : start + count], shape.fill_rule)
            )
        else:
            regions.append(
                circle_region(circles[k, :2], circles[k, 2], int(segments[k]))
            )
    background = np.asarray(scene.canvas.background, dtype=np.float64)
    open_pieces = [(shapely.box(0, 0, width, height), 1.0, np.zeros(3))]
    done = []
    for shape, region in zip(reversed(scene.shapes), reversed(regions), strict=True):
        if region.is_empty:
            continue
        fill = np.asarray(shape.fill, dtype=np.float64)
        next_pieces = []
        for piece, transmittance, colour in open_pieces:
            covered = _polygonal(piece.intersection(region))
            if covered.area <= NEGLIGIBLE_AREA:
                next_pieces.append((piece, transmittance, colour))
                continue
            rest = _polygonal(piece.difference(region))
            if rest.area > NEGLIGIBLE_AREA:
                next_pieces.append((rest, transmittance, colour))
            next_pieces.append(
                (
                    covered,
                    transmittance * (1.0 - shape.opacity),
                    colour + transmittance * shape.opacity * fill,
                )
            )
        open_pieces = next_pieces
    done.extend(open_pieces)
    image = np.zeros((height, width, 3))
    rows, cols = np.mgrid[0:height, 0:width]
    boxes = shapely.box(cols.ravel(), rows.ravel(), cols.ravel() + 1, rows.ravel() + 1)
    for piece, transmittance, colour in done:
        areas = shapely.area(shapely.intersection(piece, boxes)).reshape(height, width)
        image += (
            areas[:, :, None] * (colour + transmittance * background)[None, None, :]
        )
    return image


def scanline_row(scene: Scene, row: int, lines: int) -> np.ndarray:
    """`[W, 3]` pixel values of `row` (polygons only), integrated along about `lines`
    horizontal lines, each exactly (the picture is constant between crossings).

    Across lines the integral is linear between the y of vertices and crossings and
    jumps at horizontal edges, so the row is first cut at every vertex y and each strip
    integrated by the midpoint rule: the error is ~ (crossings in the row) / lines^2.
    """
    width = scene.canvas.width
    frames = frames_of(scene)
    verts = frames.world_vertices()
    rings = [
        (verts[s : s + c], shape)
        for shape, s, c in zip(scene.shapes, frames.starts, frames.counts, strict=True)
    ]
    background = np.asarray(scene.canvas.background, dtype=np.float64)
    total = np.zeros((width, 3))
    columns = np.arange(width + 1, dtype=np.float64)
    ys = verts[:, 1]
    cuts_y = np.unique(np.r_[row, row + 1, ys[(ys > row) & (ys < row + 1)]])
    for lo, hi in zip(cuts_y[:-1], cuts_y[1:], strict=True):
        n = max(1, round(lines * (hi - lo)))
        for y in lo + (hi - lo) * (np.arange(n) + 0.5) / n:
            cuts = [columns]
            for ring, _ in rings:
                p, q = ring, np.roll(ring, -1, axis=0)
                hit = (np.minimum(p[:, 1], q[:, 1]) <= y) & (
                    y < np.maximum(p[:, 1], q[:, 1])
                )
                t = (y - p[hit, 1]) / (q[hit, 1] - p[hit, 1])
                cuts.append(p[hit, 0] + t * (q[hit, 0] - p[hit, 0]))
            xs = np.unique(np.clip(np.concatenate(cuts), 0, width))
            mids = np.column_stack([0.5 * (xs[1:] + xs[:-1]), np.full(len(xs) - 1, y)])
            colour = np.tile(background, (len(mids), 1))
            for ring, shape in rings:
                inside = fill_inside(winding_numbers(ring, mids), shape.fill_rule)
                alpha = shape.opacity * inside[:, None]
                colour = alpha * np.asarray(shape.fill) + (1.0 - alpha) * colour
            # Every interval lies in one column (the integers are among the cuts).
            column = np.floor(mids[:, 0]).astype(int)
            np.add.at(total, column, (hi - lo) / n * np.diff(xs)[:, None] * colour)
    return total
