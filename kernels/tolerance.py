"""How close a point must be to a boundary to count as lying on it (docs/design.md §4.2)."""

import taichi as ti

# Distance (pixels) below which a point counts as lying on another shape's boundary, in
# float64: ON_EDGE_TOLERANCE + ON_EDGE_RELATIVE * |coordinates|. A point computed in
# float64 from float32 end points is off the exact line by ~1e-16 |x|; coincident edges
# of float32 input put points ~1e-13 px off each other's lines near the origin. The
# relative part keeps the test valid far from the origin.
ON_EDGE_TOLERANCE = 1e-7
ON_EDGE_RELATIVE = 1e-12


@ti.func
def on_edge_tolerance(x, y):
    """The on-boundary distance tolerance (pixels) at (x, y)."""
    return ON_EDGE_TOLERANCE + ON_EDGE_RELATIVE * ti.max(ti.abs(x), ti.abs(y))
