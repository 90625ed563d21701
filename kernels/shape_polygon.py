"""Polygons on the device: inside tests, sides of a line, and boxes (docs/design.md §1, §4.2).

Polygon k of a scene argument `sc` is verts[vert_start[k] : vert_start[k] + vert_count[k]],
closed, filled by its fill rule (sc.fill_rule[k]: 0 nonzero, 1 even-odd). Every function
here that depends on the shape kind is the polygon half of a dispatch in
`reynolds.kernels.coverage`.
"""

import taichi as ti
from reynolds.kernels.tolerance import on_edge_tolerance


@ti.func
def winding_number(verts: ti.template(), start, count, x, y):
    """Winding number of polygon verts[start : start + count] about (x, y).

    An edge counts when y0 <= y < y1 (upward, point on its left) or y1 <= y < y0
    (downward, point on its right): the half-open rule of `reynolds.geometry.winding_numbers`.
    """
    w = 0
    for e in range(count):
        a = start + e
        b = start + (e + 1) % count
        x0, y0 = verts[a, 0], verts[a, 1]
        x1, y1 = verts[b, 0], verts[b, 1]
        side = (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0)
        if y0 <= y < y1 and side > 0:
            w += 1
        elif y1 <= y < y0 and side < 0:
            w -= 1
    return w


@ti.func
def fill_rule_inside(w, evenodd):
    """Whether winding number w is inside under the nonzero or even-odd rule."""
    inside = w != 0
    if evenodd:
        inside = w % 2 != 0
    return inside


@ti.func
def polygon_inside(sc: ti.template(), k, x, y):
    """1 when (x, y) is inside polygon k by its fill rule (half-open on the boundary)."""
    w = winding_number(sc.verts, sc.vert_start[k], sc.vert_count[k], x, y)
    return fill_rule_inside(w, sc.fill_rule[k] == 1)


@ti.func
def on_polygon_boundary(verts: ti.template(), start, count, x, y, tolerance):
    """1 when (x, y) lies within `tolerance` (pixels) of an edge of the polygon."""
    hit = 0
    for e in range(count):
        a = start + e
        b = start + (e + 1) % count
        x0, y0 = ti.f64(verts[a, 0]), ti.f64(verts[a, 1])
        dx, dy = ti.f64(verts[b, 0]) - x0, ti.f64(verts[b, 1]) - y0
        length2 = dx * dx + dy * dy
        if length2 > 0:
            t = ((x - x0) * dx + (y - y0) * dy) / length2
            side = dx * (y - y0) - (x - x0) * dy
            if (
                -1e-12 <= t <= 1.0 + 1e-12
                and side * side <= tolerance * tolerance * length2
            ):
                hit = 1
    return hit


@ti.func
def runs_along(x0, y0, ex, ey, x, y, dx, dy, tolerance):
    """1 when the segment (x0, y0) + t (ex, ey), t in [0, 1], passes within `tolerance`
    of (x, y) parallel to (dx, dy) (sine of the angle below 1e-9): a coincident edge."""
    len2 = ex * ex + ey * ey
    hit = 0
    if len2 > 0:
        t = ((x - x0) * ex + (y - y0) * ey) / len2
        side = ex * (y - y0) - (x - x0) * ey
        parallel = ex * dy - ey * dx
        if (
            -1e-12 <= t <= 1.0 + 1e-12
            and side * side <= tolerance * tolerance * len2
            and parallel * parallel <= 1e-18 * len2 * (dx * dx + dy * dy)
        ):
            hit = 1
    return hit


@ti.func
def polygon_line_sides(sc: ti.template(), k, x, y, dx, dy):
    """Winding numbers of polygon k just on the negative and positive side of the line
    through (x, y) with direction (dx, dy), and the number m of its edges that lie along
    that line through (x, y).

    The positive side is the one where (dx, dy) x (p - (x, y)) > 0. Crossing the line
    changes the winding number by exactly +-1 per coincident edge, so both sides follow
    from one evaluation, without stepping off the line. With m = 0 the polygon's
    boundary does not run along the line here and both sides get the half-open winding
    number of (x, y).
    """
    start = sc.vert_start[k]
    count = sc.vert_count[k]
    tolerance = on_edge_tolerance(x, y)
    w_other = 0  # crossings of the edges not through x, half-open rule
    w_neg_coincident = 0  # coincident edges' crossings just on e's negative side
    sign_sum = 0
    m = 0
    for f in range(count):
        fa = start + f
        fb = start + (f + 1) % count
        x0, y0 = ti.f64(sc.verts[fa, 0]), ti.f64(sc.verts[fa, 1])
        ex, ey = ti.f64(sc.verts[fb, 0]) - x0, ti.f64(sc.verts[fb, 1]) - y0
        side = ex * (y - y0) - (x - x0) * ey
        if runs_along(x0, y0, ex, ey, x, y, dx, dy, tolerance):
            m += 1
            same = ex * dx + ey * dy > 0
            sign_sum += 1 if same else -1
            # The line's negative side is f's positive side when they run opposite ways.
            if ey > 0 and not same:
                w_neg_coincident += 1
            elif ey < 0 and same:
                w_neg_coincident -= 1
        elif y0 <= y < y0 + ey and side > 0:
            w_other += 1
        elif y0 + ey <= y < y0 and side < 0:
            w_other -= 1
    w_neg = 0
    w_pos = 0
    if dy == 0:
        # The half-open rule sees (x, y) as (x, y + 0): the positive side when dx > 0.
        if dx > 0:
            w_pos = w_other
            w_neg = w_pos - sign_sum
        else:
            w_neg = w_other
            w_pos = w_neg + sign_sum
    else:
        w_neg = w_other + w_neg_coincident
        w_pos = w_neg + sign_sum
    return w_neg, w_pos, m


@ti.func
def polygon_inside_beside(sc: ti.template(), k, x, y, nx, ny):
    """Polygon k's cover just beside (x, y) along +n and along -n (see
    `reynolds.kernels.coverage.inside_beside`): by its winding numbers on the two sides
    of the line through (x, y) along the other boundary where its own boundary runs
    along that line, inside on both sides where it only crosses it there."""
    start, count = sc.vert_start[k], sc.vert_count[k]
    evenodd = sc.fill_rule[k] == 1
    plus = 0
    minus = 0
    if on_polygon_boundary(sc.verts, start, count, x, y, on_edge_tolerance(x, y)):
        # The line through (x, y) along the other boundary: direction t = (-ny, nx),
        # so +n lies on its negative side ((t x n) = -1).
        w_neg, w_pos, m = polygon_line_sides(sc, k, x, y, -ny, nx)
        plus, minus = 1, 1
        if m > 0:
            plus = fill_rule_inside(w_neg, evenodd)
            minus = fill_rule_inside(w_pos, evenodd)
    else:
        plus = fill_rule_inside(winding_number(sc.verts, start, count, x, y), evenodd)
        minus = plus
    return plus, minus


@ti.func
def segment_touches_box(ax, ay, bx, by, x0, y0, x1, y1):
    """1 when segment (a, b) meets the closed box [x0, x1] x [y0, y1] (conservative)."""
    hit = 0
    if (
        ti.max(ax, bx) >= x0
        and ti.min(ax, bx) <= x1
        and ti.max(ay, by) >= y0
        and ti.min(ay, by) <= y1
    ):
        dx = bx - ax
        dy = by - ay
        s00 = dx * (y0 - ay) - dy * (x0 - ax)
        s10 = dx * (y0 - ay) - dy * (x1 - ax)
        s01 = dx * (y1 - ay) - dy * (x0 - ax)
        s11 = dx * (y1 - ay) - dy * (x1 - ax)
        lo = ti.min(ti.min(s00, s10), ti.min(s01, s11))
        hi = ti.max(ti.max(s00, s10), ti.max(s01, s11))
        hit = lo <= 0.0 and hi >= 0.0
    return hit


@ti.func
def polygon_touches_box(sc: ti.template(), k, x0, y0, x1, y1):
    """1 when an edge of polygon k may meet the closed box (never a false 0)."""
    hit = 0
    start = sc.vert_start[k]
    count = sc.vert_count[k]
    for e in range(count):
        a = start + e
        b = start + (e + 1) % count
        ax, ay = sc.verts[a, 0], sc.verts[a, 1]
        if segment_touches_box(ax, ay, sc.verts[b, 0], sc.verts[b, 1], x0, y0, x1, y1):
            hit = 1
            break
    return hit


@ti.func
def polygon_signed_distance(sc: ti.template(), k, x, y):
    """Signed distance (pixels, float64) from (x, y) to polygon k, > 0 inside, with what
    its derivative needs.

    s = +-min over edges e = (A, B) of |x - q_e|, q_e = A + t_e (B - A) the nearest point
    of the segment, t_e = clamp((x - A).(B - A) / |B - A|^2, 0, 1); the sign is the fill
    rule at the float32 point (the half-open rule of `winding_number`). The minimum runs
    over every edge, so with the nonzero rule an edge inside the filled region (a
    self-overlap) counts as boundary too. Moving the nearest edge's end points changes s
    by ds/dA = -(1 - t) grad_x s and ds/dB = -t grad_x s: t is optimal (d|x - q|/dt = 0)
    or clamped, so only the explicit dependence through q counts.
    Returns:
        (s, gx, gy, a, b, t): (gx, gy) = grad_x s, the unit vector from the nearest
        point towards x times the sign (0 on the boundary itself, where s has no
        gradient); a, b the rows in `verts` of the nearest edge's end points and t its
        parameter. Ties keep the first edge in order.
    """
    start, count = sc.vert_start[k], sc.vert_count[k]
    inside = fill_rule_inside(
        winding_number(sc.verts, start, count, ti.f32(x), ti.f32(y)),
        sc.fill_rule[k] == 1,
    )
    best = ti.f64(1e300)
    bx, by, t = ti.f64(0.0), ti.f64(0.0), ti.f64(0.0)
    a, b = start, start
    for e in range(count):
        ea = start + e
        eb = start + (e + 1) % count
        ax, ay = ti.f64(sc.verts[ea, 0]), ti.f64(sc.verts[ea, 1])
        ex, ey = ti.f64(sc.verts[eb, 0]) - ax, ti.f64(sc.verts[eb, 1]) - ay
        length2 = ex * ex + ey * ey
        te = ti.f64(0.0)
        if length2 > 0:
            te = ti.math.clamp(((x - ax) * ex + (y - ay) * ey) / length2, 0.0, 1.0)
        dx, dy = x - (ax + te * ex), y - (ay + te * ey)
        d2 = dx * dx + dy * dy
        if d2 < best:
            best, bx, by, a, b, t = d2, dx, dy, ea, eb, te
    sign = ti.select(inside, 1.0, -1.0)
    d = ti.sqrt(best)
    gx, gy = ti.f64(0.0), ti.f64(0.0)
    if d > 0:
        gx, gy = sign * bx / d, sign * by / d
    return sign * d, gx, gy, a, b, t
