"""Point classification and front-to-back "over" compositing at one point of the canvas.

Two conventions for points exactly on a boundary (a set of measure zero for pixel
samples, but not for edge samples, which lie on boundaries by construction):
- half-open (pixel samples): the crossing rule of `winding_number`;
- closed (edge samples, `closed=True`): a point on another shape's boundary counts as
  inside that shape (DESIGN.md section 3). A single convention makes the boundary term a
  one-sided derivative at coincident edges and T-junctions, which lies in the Clarke
  generalised gradient; mixing conventions would not.
"""

import taichi as ti

# Distance (pixels) below which a point counts as lying on a polygon edge, in float64.
# Coincident edges of float32 input put points ~1e-13 px off each other's lines.
ON_EDGE_TOLERANCE = 1e-7


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
def on_polygon_boundary(verts: ti.template(), start, count, x, y):
    """1 when (x, y) lies within ON_EDGE_TOLERANCE of an edge of the polygon."""
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
                and side * side <= ON_EDGE_TOLERANCE**2 * length2
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
def inside_shape(sc: ti.template(), k, x, y, closed: ti.template()):
    """1 when (x, y) is inside shape k of scene view `sc` (polygon by its fill rule, or disc)."""
    inside = 0
    if sc.kind[k] == 0:
        w = winding_number(sc.verts, sc.vert_start[k], sc.vert_count[k], x, y)
        inside = fill_rule_inside(w, sc.fill_rule[k] == 1)
        if ti.static(closed):
            if not inside:
                inside = on_polygon_boundary(
                    sc.verts, sc.vert_start[k], sc.vert_count[k], x, y
                )
    else:
        dx = x - sc.circle[k, 0]
        dy = y - sc.circle[k, 1]
        r = sc.circle[k, 2]
        inside = dx * dx + dy * dy <= r * r
    return inside


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
    transmittance = background[0] * 0.0 + 1.0
    t0 = sc.tile_start[tile]
    for t in range(depth):
        k = sc.tile_shapes[t0 + depth - 1 - t]
        inside = 0
        if overlaps_box(sc, k, x, y, x, y):
            inside = inside_shape(sc, k, x, y, False)
        if inside:
            a = sc.opacity[k]
            c += transmittance * a * fill_color(sc, k)
            transmittance *= 1.0 - a
            if transmittance <= 0.0:
                break
    return c + transmittance * background


@ti.func
def composite_sides(sc: ti.template(), tile, depth, x, y, background, own):
    """(f_in, f_out) at a point on the boundary of shape `own`, in one front-to-back pass.

    f_in counts `own` inside and f_out outside, without testing it; every other shape is
    classified once, with the closed convention (a point on its boundary is inside).
    """
    c_in = background * 0.0
    c_out = background * 0.0
    t_in = background[0] * 0.0 + 1.0
    t_out = t_in
    t0 = sc.tile_start[tile]
    for t in range(depth):
        k = sc.tile_shapes[t0 + depth - 1 - t]
        a = sc.opacity[k]
        if k == own:
            c_in += t_in * a * fill_color(sc, k)
            t_in *= 1.0 - a
        elif overlaps_box(sc, k, x, y, x, y):
            if inside_shape(sc, k, x, y, True):
                fill = fill_color(sc, k)
                c_in += t_in * a * fill
                c_out += t_out * a * fill
                t_in *= 1.0 - a
                t_out *= 1.0 - a
        if t_in <= 0.0 and t_out <= 0.0:
            break
    return c_in + t_in * background, c_out + t_out * background
