"""Circles (filled discs) on the device: inside tests and boxes (docs/design.md §1, §4.2).

Circle k of a scene argument `sc` is the closed disc of centre (circle[k, 0], circle[k, 1])
and radius circle[k, 2], pixels. Every function here is the circle half of a dispatch in
`reynolds.kernels.coverage`.
"""

import taichi as ti
from reynolds.kernels.tolerance import on_edge_tolerance


@ti.func
def circle_inside(sc: ti.template(), k, x, y):
    """1 when (x, y) lies in the closed disc k."""
    dx = x - sc.circle[k, 0]
    dy = y - sc.circle[k, 1]
    r = sc.circle[k, 2]
    return dx * dx + dy * dy <= r * r


@ti.func
def circle_inside_beside(sc: ti.template(), k, x, y, nx, ny):
    """Disc k's cover just beside (x, y) along +n and along -n (see
    `reynolds.kernels.coverage.inside_beside`): where its circle passes through (x, y),
    by the direction of n against its radius (inside on both sides where the two
    boundaries cross there)."""
    dx = x - ti.f64(sc.circle[k, 0])
    dy = y - ti.f64(sc.circle[k, 1])
    r = ti.f64(sc.circle[k, 2])
    tolerance = on_edge_tolerance(x, y)
    distance = ti.sqrt(dx * dx + dy * dy)
    plus = 0
    minus = 0
    if ti.abs(distance - r) <= tolerance:
        # Stepping along +n moves away from k's centre when n . (x - c) > 0.
        outward = dx * nx + dy * ny
        plus, minus = 1, 1
        if outward > tolerance:
            plus, minus = 0, 1
        elif outward < -tolerance:
            plus, minus = 1, 0
    else:
        plus = distance < r
        minus = plus
    return plus, minus


@ti.func
def circle_touches_box(sc: ti.template(), k, x0, y0, x1, y1):
    """1 when circle k may meet the closed box (never a false 0)."""
    cx, cy, r = sc.circle[k, 0], sc.circle[k, 1], sc.circle[k, 2]
    nx = ti.math.clamp(cx, x0, x1) - cx
    ny = ti.math.clamp(cy, y0, y1) - cy
    fx = ti.max(ti.abs(cx - x0), ti.abs(cx - x1))
    fy = ti.max(ti.abs(cy - y0), ti.abs(cy - y1))
    # The circle meets the box when r lies between the nearest and farthest distances;
    # the 1e-4 relative margin keeps rounding from hiding a crossing.
    return nx * nx + ny * ny <= r * r * (1.0 + 1e-4) and fx * fx + fy * fy >= r * r * (
        1.0 - 1e-4
    )


@ti.func
def circle_signed_distance(sc: ti.template(), k, x, y):
    """Signed distance (pixels, float64) from (x, y) to circle k, s = r - |x - c| (> 0
    inside), and grad_x s = -(x - c) / |x - c| (0 at the centre): ds/dc = -grad_x s,
    ds/dr = 1.
    Returns:
        (s, gx, gy).
    """
    dx = x - ti.f64(sc.circle[k, 0])
    dy = y - ti.f64(sc.circle[k, 1])
    d = ti.sqrt(dx * dx + dy * dy)
    gx, gy = ti.f64(0.0), ti.f64(0.0)
    if d > 0:
        gx, gy = -dx / d, -dy / d
    return ti.f64(sc.circle[k, 2]) - d, gx, gy
