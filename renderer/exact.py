"""The exact reference: box-filtered pixel values as areas of polygon intersections.

The picture is piecewise constant. Visiting shapes front to back, the canvas is split into
disjoint pieces, each carrying the colour composited so far and the transmittance left
(the same recurrence as the kernels, on regions instead of points). Pixel k is then
sum over pieces of (C + T * background) * area(piece ∩ P_k), computed by GEOS (shapely)
in float64. Polygons are exact up to rounding; circles are replaced by an
area-preserving regular polygon fine enough that no pixel moves by more than
`circle_tolerance` times the colour contrast.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from reynolds.frames import frames_of
from reynolds.geometry import fill_inside, winding_numbers
from reynolds.scene import Polygon, Scene
from shapely.geometry import Polygon as GeosPolygon
from shapely.geometry.base import BaseGeometry

DEFAULT_CIRCLE_TOLERANCE = 1e-6
# Regions below this area (px^2) are dropped: far below every tolerance of the reference.
NEGLIGIBLE_AREA = 1e-12


def circle_segments(radius: float, tolerance: float) -> int:
    """Sides of a regular polygon whose pixel areas differ from the disc's by <= tolerance.

    Its radial distance from the circle is at most r pi^2 / (2 n^2), and a circle arc
    inside one unit pixel is shorter than 1.5 px once r >= 1 (2 pi r for smaller discs),
    so n >= pi sqrt(0.75 r / tolerance) suffices.
    """
    return max(32, math.ceil(math.pi * math.sqrt(0.75 * max(radius, 1.0) / tolerance)))


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


def circle_region(center: np.ndarray, radius: float, n: int) -> BaseGeometry:
    """A regular polygon of n sides approximating the disc, with the disc's area."""
    # Vertex radius chosen so that the polygon's area equals pi r^2.
    r_vertex = radius * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))
    angles = np.arange(n) * (2.0 * math.pi / n)
    pts = np.column_stack(
        [center[0] + r_vertex * np.cos(angles), center[1] + r_vertex * np.sin(angles)]
    )
    return GeosPolygon(pts)


def polygon_region(vertices: np.ndarray, fill_rule: str) -> BaseGeometry:
    """The filled region of a closed polygon under `fill_rule`, as a valid geometry.

    A simple polygon is its own region. Otherwise the boundary is noded into the faces of
    its arrangement and each face is kept or dropped by the winding number at an
    interior point, which implements both SVG fill rules exactly.
    """
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


def shape_regions(scene: Scene, segments: np.ndarray) -> list[BaseGeometry]:
    """The world-space region of each shape, pixels, back to front; circles as polygons
    of `segments[k]` sides."""
    frames = frames_of(scene)
    verts = frames.world_vertices()
    circles = frames.world_circles()
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
    return regions


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The area-carrying part of an overlay result (drops stray lines and points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g
        for g in shapely.get_parts(geometry)
        if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else GeosPolygon()


def _pieces(
    scene: Scene, segments: np.ndarray, box: tuple[int, int, int, int]
) -> list[tuple[BaseGeometry, np.ndarray]]:
    """Disjoint regions of `box` (x0, y0, x1, y1) with their final composited colour."""
    background = np.asarray(scene.canvas.background, dtype=np.float64)
    open_pieces = [(shapely.box(*box), 1.0, np.zeros(3))]
    done = []
    for shape, region in zip(
        reversed(scene.shapes),
        reversed(shape_regions(scene, segments)),
        strict=True,
    ):
        if region.is_empty:
            continue
        shapely.prepare(region)
        alpha = shape.opacity
        fill = np.asarray(shape.fill, dtype=np.float64)
        next_pieces = []
        for piece, transmittance, colour in open_pieces:
            if not region.intersects(piece):
                next_pieces.append((piece, transmittance, colour))
                continue
            covered = _polygonal(piece.intersection(region))
            if covered.area <= NEGLIGIBLE_AREA:
                # A hairline overlap: cutting it out would leave a degenerate hole that
                # GEOS may turn into lines when pixels are cut from the piece later.
                next_pieces.append((piece, transmittance, colour))
                continue
            rest = _polygonal(piece.difference(region))
            if rest.area > NEGLIGIBLE_AREA:
                next_pieces.append((rest, transmittance, colour))
            entry = (
                covered,
                transmittance * (1.0 - alpha),
                colour + transmittance * alpha * fill,
            )
            # Behind an opaque shape nothing below can show: the piece is final.
            (done if entry[1] == 0.0 else next_pieces).append(entry)
        open_pieces = next_pieces
    done.extend(open_pieces)
    return [
        (piece, colour + transmittance * background)
        for piece, transmittance, colour in done
    ]


def _pixel_areas(
    piece: BaseGeometry, width: int, height: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and areas of the pixels that `piece` overlaps."""
    xmin, ymin, xmax, ymax = piece.bounds
    j0, i0 = max(int(math.floor(xmin)), 0), max(int(math.floor(ymin)), 0)
    j1, i1 = min(int(math.ceil(xmax)), width), min(int(math.ceil(ymax)), height)
    if j0 >= j1 or i0 >= i1:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    rows, cols = np.mgrid[i0:i1, j0:j1]
    rows, cols = rows.ravel(), cols.ravel()
    boxes = shapely.box(cols, rows, cols + 1, rows + 1)
    shapely.prepare(piece)
    areas = np.zeros(rows.size)
    full = shapely.contains_properly(piece, boxes)
    areas[full] = 1.0
    partial = ~full & shapely.intersects(piece, boxes)
    areas[partial] = shapely.area(shapely.intersection(piece, boxes[partial]))
    return rows, cols, areas


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
    """
    width, height = scene.canvas.width, scene.canvas.height
    image = np.zeros((height, width, 3))
    if segments is None:
        segments = circle_segment_counts(scene, circle_tolerance)
    row0, row1, col0, col1 = window if window is not None else (0, height, 0, width)
    for piece, value in _pieces(scene, segments, (col0, row0, col1, row1)):
        rows, cols, areas = _pixel_areas(piece, width, height)
        np.add.at(image, (rows, cols), areas[:, None] * value[None, :])
    return image
