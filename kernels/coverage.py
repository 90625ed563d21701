"""Point classification and front-to-back "over" compositing at one point of the canvas.

Points exactly on a boundary (a set of measure zero for pixel samples, but not for edge
samples, which lie on boundaries by construction):
- pixel samples use the half-open crossing rule of `winding_number`;
- edge samples classify every other shape just beside the point, on each side of the
  sampled edge (`inside_beside`): on coincident edges and abutting or coincident shapes
  the two sides differ, and the boundary term takes the mean of the two one-sided
  derivatives (docs/design.md §4.2).
"""

import taichi as ti

# Distance (pixels) below which a point counts as lying on another shape's boundary, in
# float64: ON_EDGE_TOLERANCE + ON_EDGE_RELATIVE * |coordinates|. A point computed in
# float64 from float32 end points is off the exact line by ~1e-16 |x|; coincident edges
# of float32 input put points ~1e-13 px off each other's lines near the origin. The
# relative part keeps the test valid far from the origin (docs/design.md §4.2).
ON_EDGE_TOLERANCE = 1e-7
ON_EDGE_RELATIVE = 1e-12


@ti.func
def on_edge_tolerance(x, y):
    """The on-boundary distance tolerance (pixels) at (x, y)."""
    return ON_EDGE_TOLERANCE + ON_EDGE_RELATIVE * ti.max(ti.abs(x), ti.abs(y))


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
def fill_rule_inside(w, evenodd):
    inside = w != 0
    if evenodd:
        inside = w % 2 != 0
    return inside


@ti.func
def inside_shape(sc: ti.template(), k, x, y):
    """1 when (x, y) is inside shape k of scene view `sc` (polygon by its fill rule, or
    disc), points on a boundary by the half-open rule of `winding_number`."""
    inside = 0
    if sc.kind[k] == 0:
        w = winding_number(sc.verts, sc.vert_start[k], sc.vert_count[k], x, y)
        inside = fill_rule_inside(w, sc.fill_rule[k] == 1)
    else:
        dx = x - sc.circle[k, 0]
        dy = y - sc.circle[k, 1]
        r = sc.circle[k, 2]
        inside = dx * dx + dy * dy <= r * r
    return inside


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
def inside_beside(sc: ti.template(), k, x, y, nx, ny):
    """Whether shape k covers the points just beside (x, y) along +n and along -n.

    (x, y) lies on another shape's boundary, whose unit normal is n. Where shape k's
    boundary does not pass through (x, y) (farther than `on_edge_tolerance`), both sides
    get k's ordinary inside test. Where it runs along the same line or circle through
    (x, y) (coincident edges, abutting shapes, coincident or tangent circles), each side
    is classified exactly: by k's winding numbers on the two sides of the line for a
    polygon, by the direction of n against k's radius for a circle. Where k's boundary
    crosses the other boundary at (x, y) — a point of measure zero on it — both sides
    count as inside (docs/design.md §4.2).
    Returns:
        (inside along +n, inside along -n), each 0 or 1.
    """
    tolerance = on_edge_tolerance(x, y)
    plus = 0
    minus = 0
    if sc.kind[k] == 0:
        start, count = sc.vert_start[k], sc.vert_count[k]
        evenodd = sc.fill_rule[k] == 1
        if on_polygon_boundary(sc.verts, start, count, x, y, tolerance):
            # The line through (x, y) along the other boundary: direction t = (-ny, nx),
            # so +n lies on its negative side ((t x n) = -1).
            w_neg, w_pos, m = polygon_line_sides(sc, k, x, y, -ny, nx)
            plus, minus = 1, 1
            if m > 0:
                plus = fill_rule_inside(w_neg, evenodd)
                minus = fill_rule_inside(w_pos, evenodd)
        else:
            plus = fill_rule_inside(
                winding_number(sc.verts, start, count, x, y), evenodd
            )
            minus = plus
    else:
        dx = x - ti.f64(sc.circle[k, 0])
        dy = y - ti.f64(sc.circle[k, 1])
        r = ti.f64(sc.circle[k, 2])
        distance = ti.sqrt(dx * dx + dy * dy)
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
def fill_color(sc: ti.template(), k):
    return ti.Vector([sc.color[k, 0], sc.color[k, 1], sc.color[k, 2]])


@ti.func
def overlaps_box(sc: ti.template(), k, x0, y0, x1, y1):
    """1 when the bounds of shape k meet the closed box [x0, x1] x [y0, y1]."""
    b = ti.static(sc.bounds)
    return b[k, 0] <= x1 and b[k, 2] >= x0 and b[k, 1] <= y1 and b[k, 3] >= y0


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
def boundary_touches_box(sc: ti.template(), k, x0, y0, x1, y1):
    """1 when the boundary of shape k may pass through the closed box (never a false 0)."""
    hit = 0
    if sc.kind[k] == 0:
        start = sc.vert_start[k]
        count = sc.vert_count[k]
        for e in range(count):
            a = start + e
            b = start + (e + 1) % count
            ax, ay = sc.verts[a, 0], sc.verts[a, 1]
            if segment_touches_box(
                ax, ay, sc.verts[b, 0], sc.verts[b, 1], x0, y0, x1, y1
            ):
                hit = 1
                break
    else:
        cx, cy, r = sc.circle[k, 0], sc.circle[k, 1], sc.circle[k, 2]
        nx = ti.math.clamp(cx, x0, x1) - cx
        ny = ti.math.clamp(cy, y0, y1) - cy
        fx = ti.max(ti.abs(cx - x0), ti.abs(cx - x1))
        fy = ti.max(ti.abs(cy - y0), ti.abs(cy - y1))
        # The circle meets the box when r lies between the nearest and farthest distances;
        # the 1e-4 relative margin keeps rounding from hiding a crossing.
        hit = nx * nx + ny * ny <= r * r * (
            1.0 + 1e-4
        ) and fx * fx + fy * fy >= r * r * (1.0 - 1e-4)
    return hit


@ti.func
def pixel_is_uniform(sc: ti.template(), tile, i, j):
    """1 when no shape boundary of the tile meets pixel (i, j): the picture is constant on it.

    Then one evaluation gives the exact pixel value, with zero variance, for any sampler.
    """
    x0, y0 = ti.f32(j), ti.f32(i)
    x1, y1 = x0 + 1.0, y0 + 1.0
    uniform = 1
    for t in range(sc.tile_start[tile], sc.tile_start[tile + 1]):
        k = sc.tile_shapes[t]
        if overlaps_box(sc, k, x0, y0, x1, y1):
            if boundary_touches_box(sc, k, x0, y0, x1, y1):
                uniform = 0
                break
    return uniform


@ti.func
def composite(sc: ti.template(), tile, depth, x, y, background):
    """Colour of the picture at (x, y) from the first `depth` shapes of the tile's list.

    The list is ascending (back to front); shapes are visited front to back from list
    position depth - 1 down to 0, accumulating C += T a fill and T *= (1 - a), and the
    loop stops once the transmittance T reaches zero behind an opaque shape. Points on a
    boundary follow the half-open rule. The result has the precision of `background`
    (float32 or float64).
    """
    c = background * 0.0
    # 1 in the precision of the background, so that 1 - a is float64 in float64 mode.
    one = background[0] * 0.0 + 1.0
    transmittance = one
    t0 = sc.tile_start[tile]
    for t in range(depth):
        k = sc.tile_shapes[t0 + depth - 1 - t]
        inside = 0
        if overlaps_box(sc, k, x, y, x, y):
            inside = inside_shape(sc, k, x, y)
        if inside:
            a = sc.opacity[k]
            c += transmittance * a * fill_color(sc, k)
            transmittance *= one - a
            if transmittance <= 0.0:
                break
    return c + transmittance * background


@ti.func
def composite_sides(
    sc: ti.template(),
    tile,
    depth,
    x,
    y,
    background,
    own,
    nx,
    ny,
    own_plus_in,
    own_plus_out,
    own_minus_in,
    own_minus_out,
):
    """Jumps f_in - f_out at a point (x, y) on the boundary of shape `own` with unit
    normal n, beside the point along +n and along -n.

    On each side f_in and f_out give `own` the cover it has there after and before the
    edge moves past (the `own_*` flags, 0 or 1), without testing it; every other shape
    is classified just beside the point on the side in question (`inside_beside`).
    Where no other boundary passes through the point the two jumps are equal. One
    front-to-back pass computes all four colours.
    Returns:
        (jump beside the point along +n, jump along -n), colour vectors.
    """
    zero = background * 0.0
    c_in_plus, c_out_plus, c_in_minus, c_out_minus = zero, zero, zero, zero
    one = background[0] * 0.0 + 1.0
    t_in_plus, t_out_plus, t_in_minus, t_out_minus = one, one, one, one
    t0 = sc.tile_start[tile]
    for t in range(depth):
        k = sc.tile_shapes[t0 + depth - 1 - t]
        a = sc.opacity[k]
        fill = fill_color(sc, k)
        if k == own:
            if own_plus_in:
                c_in_plus += t_in_plus * a * fill
                t_in_plus *= one - a
            if own_plus_out:
                c_out_plus += t_out_plus * a * fill
                t_out_plus *= one - a
            if own_minus_in:
                c_in_minus += t_in_minus * a * fill
                t_in_minus *= one - a
            if own_minus_out:
                c_out_minus += t_out_minus * a * fill
                t_out_minus *= one - a
        elif overlaps_box(sc, k, x, y, x, y):
            plus, minus = inside_beside(sc, k, x, y, nx, ny)
            if plus:
                c_in_plus += t_in_plus * a * fill
                c_out_plus += t_out_plus * a * fill
                t_in_plus *= one - a
                t_out_plus *= one - a
            if minus:
                c_in_minus += t_in_minus * a * fill
                c_out_minus += t_out_minus * a * fill
                t_in_minus *= one - a
                t_out_minus *= one - a
        if (
            ti.max(ti.max(t_in_plus, t_out_plus), ti.max(t_in_minus, t_out_minus))
            <= 0.0
        ):
            break
    jump_plus = c_in_plus - c_out_plus + (t_in_plus - t_out_plus) * background
    jump_minus = c_in_minus - c_out_minus + (t_in_minus - t_out_minus) * background
    return jump_plus, jump_minus
