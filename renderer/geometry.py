"""Point-in-polygon classification in NumPy: the slow, obviously correct twin of the kernels."""

from __future__ import annotations

import numpy as np


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
