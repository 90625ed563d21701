"""Point classification and front-to-back "over" compositing at one point of the canvas."""

import taichi as ti


@ti.func
def winding_number(
    verts: ti.template(), start: ti.i32, count: ti.i32, x: ti.f32, y: ti.f32
) -> ti.i32:
    """Winding number of polygon verts[start : start + count] about (x, y).

    An edge counts when y0 <= y < y1 (upward, point on its left) or y1 <= y < y0
    (downward, point on its right): the half-open rule of `renderer.geometry.winding_numbers`.
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
def inside_shape(
    kind: ti.template(),
    fill_rule: ti.template(),
    vert_start: ti.template(),
    vert_count: ti.template(),
    verts: ti.template(),
    circle: ti.template(),
    k: ti.i32,
    x: ti.f32,
    y: ti.f32,
) -> ti.i32:
    """1 when (x, y) is inside shape k (polygon under its fill rule, or closed disc)."""
    inside = 0
    if kind[k] == 0:
        w = winding_number(verts, vert_start[k], vert_count[k], x, y)
        if fill_rule[k] == 1:
            inside = w % 2 != 0
        else:
            inside = w != 0
    else:
        dx = x - circle[k, 0]
        dy = y - circle[k, 1]
        inside = dx * dx + dy * dy <= circle[k, 2] * circle[k, 2]
    return inside


@ti.func
def segment_touches_box(
    ax: ti.f32,
    ay: ti.f32,
    bx: ti.f32,
    by: ti.f32,
    x0: ti.f32,
    y0: ti.f32,
    x1: ti.f32,
    y1: ti.f32,
) -> ti.i32:
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
def boundary_touches_box(
    kind: ti.template(),
    vert_start: ti.template(),
    vert_count: ti.template(),
    verts: ti.template(),
    circle: ti.template(),
    k: ti.i32,
    x0: ti.f32,
    y0: ti.f32,
    x1: ti.f32,
    y1: ti.f32,
) -> ti.i32:
    """1 when the boundary of shape k may pass through the closed box (never a false 0)."""
    hit = 0
    if kind[k] == 0:
        start = vert_start[k]
        count = vert_count[k]
        for e in range(count):
            a = start + e
            b = start + (e + 1) % count
            if segment_touches_box(
                verts[a, 0], verts[a, 1], verts[b, 0], verts[b, 1], x0, y0, x1, y1
            ):
                hit = 1
                break
    else:
        cx, cy, r = circle[k, 0], circle[k, 1], circle[k, 2]
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
def pixel_is_uniform(
    kind: ti.template(),
    vert_start: ti.template(),
    vert_count: ti.template(),
    verts: ti.template(),
    circle: ti.template(),
    bounds: ti.template(),
    tile_start: ti.template(),
    tile_shapes: ti.template(),
    tile: ti.i32,
    i: ti.i32,
    j: ti.i32,
) -> ti.i32:
    """1 when no shape boundary of the tile meets pixel (i, j): the picture is constant on it.

    Then one evaluation gives the exact pixel value, with zero variance, for any sampler.
    """
    x0, y0 = ti.f32(j), ti.f32(i)
    x1, y1 = x0 + 1.0, y0 + 1.0
    uniform = 1
    for t in range(tile_start[tile], tile_start[tile + 1]):
        k = tile_shapes[t]
        if (
            bounds[k, 0] <= x1
            and bounds[k, 2] >= x0
            and bounds[k, 1] <= y1
            and bounds[k, 3] >= y0
        ):
            if boundary_touches_box(
                kind, vert_start, vert_count, verts, circle, k, x0, y0, x1, y1
            ):
                uniform = 0
                break
    return uniform


@ti.func
def composite(
    kind: ti.template(),
    fill_rule: ti.template(),
    color: ti.template(),
    opacity: ti.template(),
    vert_start: ti.template(),
    vert_count: ti.template(),
    verts: ti.template(),
    circle: ti.template(),
    bounds: ti.template(),
    tile_start: ti.template(),
    tile_shapes: ti.template(),
    tile: ti.i32,
    x: ti.f32,
    y: ti.f32,
    background: ti.math.vec3,
    forced: ti.i32,
    forced_inside: ti.i32,
) -> ti.math.vec3:
    """Colour of the picture at (x, y): the tile's shapes composited with "over".

    Shapes are visited front to back, accumulating C += T a fill and T *= (1 - a), and the
    loop stops once the transmittance T reaches zero behind an opaque shape. Shape
    `forced` (or none, when -1) is counted inside when `forced_inside` is 1 and outside
    when 0, without testing: this gives f_in and f_out on that shape's own edge.
    """
    c = ti.math.vec3(0.0, 0.0, 0.0)
    transmittance = 1.0
    t0 = tile_start[tile]
    n = tile_start[tile + 1] - t0
    for t in range(n):
        k = tile_shapes[t0 + n - 1 - t]
        inside = forced_inside
        if k != forced:
            inside = 0
            if bounds[k, 0] <= x <= bounds[k, 2] and bounds[k, 1] <= y <= bounds[k, 3]:
                inside = inside_shape(
                    kind, fill_rule, vert_start, vert_count, verts, circle, k, x, y
                )
        if inside:
            a = opacity[k]
            c += transmittance * a * ti.math.vec3(color[k, 0], color[k, 1], color[k, 2])
            transmittance *= 1.0 - a
            if transmittance <= 0.0:
                break
    return c + transmittance * background
