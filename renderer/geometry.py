"""World-space geometry of shapes: transforms applied, in pixels (x right, y down)."""

from __future__ import annotations

import numpy as np

from renderer.scene import Circle, Polygon, Shape, Transform, rotation_matrix


def transform_points(
    points: np.ndarray, pivot: np.ndarray, transform: Transform
) -> np.ndarray:
    """Apply `transform` about `pivot`: x' = R(rotate) (scale (x - pivot)) + pivot + translate.

    Args:
        points: `[N, 2]` float array of local coordinates, pixels.
        pivot: `[2]` pivot, pixels.
    Returns:
        `[N, 2]` float64 world coordinates, pixels.
    """
    rotation = np.array(rotation_matrix(transform.rotate))
    local = (np.asarray(points, dtype=np.float64) - pivot) * transform.scale
    return local @ rotation.T + pivot + np.asarray(transform.translate)


def polygon_world(shape: Polygon) -> np.ndarray:
    """`[N, 2]` float64 world-space vertices of a polygon."""
    return transform_points(
        np.array(shape.points, dtype=np.float64),
        np.array(shape.pivot()),
        shape.transform,
    )


def circle_world(shape: Circle) -> tuple[np.ndarray, float]:
    """World-space centre `[2]` and radius of a circle (rotation about the centre is moot)."""
    center = np.array(shape.center, dtype=np.float64) + np.asarray(
        shape.transform.translate
    )
    return center, shape.radius * shape.transform.scale


def world_bounds(shape: Shape) -> tuple[float, float, float, float]:
    """Axis-aligned world bounds `(xmin, ymin, xmax, ymax)` in pixels."""
    if isinstance(shape, Polygon):
        pts = polygon_world(shape)
        return (*pts.min(axis=0), *pts.max(axis=0))
    center, radius = circle_world(shape)
    return (
        center[0] - radius,
        center[1] - radius,
        center[0] + radius,
        center[1] + radius,
    )


def winding_numbers(vertices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Winding number of the closed polygon `vertices` `[N, 2]` about each of `points` `[M, 2]`.

    Crossings use the half-open rule in y (an edge counts when y0 <= y < y1), the same rule
    as the Taichi kernel, so both agree on every point that is not exactly on an edge.
    Positive for counter-clockwise turns in a y-up frame; only zero versus non-zero and
    parity matter to the fill rules.
    """
    x0, y0 = vertices[:, 0][None, :], vertices[:, 1][None, :]
    nxt = np.roll(vertices, -1, axis=0)
    x1, y1 = nxt[:, 0][None, :], nxt[:, 1][None, :]
    px, py = points[:, 0][:, None], points[:, 1][:, None]
    side = (x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)
    up = (y0 <= py) & (py < y1) & (side > 0)
    down = (y1 <= py) & (py < y0) & (side < 0)
    return up.sum(axis=1) - down.sum(axis=1)


def fill_inside(winding: np.ndarray, fill_rule: str) -> np.ndarray:
    """Boolean inside mask from winding numbers under `nonzero` or `evenodd`."""
    return winding % 2 == 1 if fill_rule == "evenodd" else winding != 0
