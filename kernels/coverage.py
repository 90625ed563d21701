"""Point classification and front-to-back "over" compositing at one point of the canvas."""


import taichi as ti


@ti.func
def winding_number(verts: ti.template(), start: ti.i32, count: ti.i32, x: ti.f32, y: ti.f32) -> ti.i32:
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
    kind: ti.template(), fill_rule: ti.template(), vert_start: ti.template(), vert_count: ti.template(),
    verts: ti.template(), circle: ti.template(), k: ti.i32, x: ti.f32, y: ti.f32) -> ti.i32:
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
def composite(
    kind: ti.template(), fill_rule: ti.template(), color: ti.template(), opacity: ti.template(),
    vert_start: ti.template(), vert_count: ti.template(), verts: ti.template(), circle: ti.template(),
    tile_start: ti.template(), tile_shapes: ti.template(), tile: ti.i32, x: ti.f32, y: ti.f32, background: ti.math.vec3, forced: ti.i32, forced_inside: ti.i32,
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
            inside = inside_shape(kind, fill_rule, vert_start, vert_count, verts, circle, k, x, y)
        if inside:
            a = opacity[k]
            c += transmittance * a * ti.math.vec3(color[k, 0], color[k, 1], color[k, 2])
            transmittance *= 1.0 - a
            if transmittance <= 0.0:
                break
    return c + transmittance * background
