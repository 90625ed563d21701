"""Point classification and front-to-back "over" compositing at one point of the canvas.

Points exactly on a boundary (a set of measure zero for pixel samples, but not for edge
samples, which lie on boundaries by construction):
- pixel samples use the half-open crossing rule of `winding_number`;
- edge samples classify every other shape just beside the point, on each side of the
  sampled edge (`inside_beside`): on coincident edges and abutting or coincident shapes
  the two sides differ, and the boundary term takes the mean of the two one-sided
  derivatives (docs/design.md §4.2).
Each function that depends on the shape kind dispatches here, once, to the kind's module
(`shape_polygon`, `shape_circle`); a kind code outside `SHAPE_KINDS` covers nothing.
`composite_lanes` is the one compositing routine: every colour the kernels composite
comes from it.
"""

import taichi as ti
from reynolds.kernels.buffers import KIND_CIRCLE, KIND_POLYGON
from reynolds.kernels.shape_circle import (
    circle_inside,
    circle_inside_beside,
    circle_signed_distance,
    circle_touches_box,
)
from reynolds.kernels.shape_polygon import (
    polygon_inside,
    polygon_inside_beside,
    polygon_signed_distance,
    polygon_touches_box,
)


@ti.func
def inside_shape(sc: ti.template(), k, x, y):
    """1 when (x, y) is inside shape k of scene argument `sc` (polygon by its fill rule,
    or disc), points on a boundary by the half-open rule of `winding_number`."""
    inside = 0
    if sc.kind[k] == KIND_POLYGON:
        inside = polygon_inside(sc, k, x, y)
    elif sc.kind[k] == KIND_CIRCLE:
        inside = circle_inside(sc, k, x, y)
    return inside


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
    plus = 0
    minus = 0
    if sc.kind[k] == KIND_POLYGON:
        plus, minus = polygon_inside_beside(sc, k, x, y, nx, ny)
    elif sc.kind[k] == KIND_CIRCLE:
        plus, minus = circle_inside_beside(sc, k, x, y, nx, ny)
    return plus, minus


@ti.func
def signed_distance(sc: ti.template(), k, x, y):
    """Signed distance (pixels, float64, > 0 inside) from (x, y) to shape k's boundary.

    Returns:
        (s, gx, gy, a, b, t): (gx, gy) = grad_x s; for a polygon the nearest edge's end
        point rows a, b in `verts` and its parameter t (`polygon_signed_distance`), for
        a circle a = b = -1, t = 0 (`circle_signed_distance`); for an unknown kind
        s = -1e300 (outside everywhere).
    """
    s, gx, gy = -ti.f64(1e300), ti.f64(0.0), ti.f64(0.0)
    a, b, t = -1, -1, ti.f64(0.0)
    if sc.kind[k] == KIND_POLYGON:
        s, gx, gy, a, b, t = polygon_signed_distance(sc, k, x, y)
    elif sc.kind[k] == KIND_CIRCLE:
        s, gx, gy = circle_signed_distance(sc, k, x, y)
    return s, gx, gy, a, b, t


@ti.func
def boundary_touches_box(sc: ti.template(), k, x0, y0, x1, y1):
    """1 when the boundary of shape k may pass through the closed box (never a false 0)."""
    hit = 1
    if sc.kind[k] == KIND_POLYGON:
        hit = polygon_touches_box(sc, k, x0, y0, x1, y1)
    elif sc.kind[k] == KIND_CIRCLE:
        hit = circle_touches_box(sc, k, x0, y0, x1, y1)
    return hit


@ti.func
def fill_color(sc: ti.template(), k):
    return ti.Vector([sc.color[k, 0], sc.color[k, 1], sc.color[k, 2]])


@ti.func
def overlaps_box(sc: ti.template(), k, x0, y0, x1, y1):
    """1 when the bounds of shape k meet the closed box [x0, x1] x [y0, y1]."""
    b = ti.static(sc.bounds)
    return b[k, 0] <= x1 and b[k, 2] >= x0 and b[k, 1] <= y1 and b[k, 3] >= y0


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
def over(colour, transmittance, alpha, fill):
    """One front-to-back "over" step: a layer of opacity `alpha` and colour `fill` below
    what is composited so far (colour, transmittance) gives (colour + T alpha fill,
    T (1 - alpha)). Precision follows the arguments'."""
    return colour + transmittance * alpha * fill, transmittance * (1.0 - alpha)


@ti.func
def composite_lanes(
    sc: ti.template(),
    tile,
    depth,
    x,
    y,
    background,
    cover: ti.template(),
    context,
    lanes: ti.template(),
):
    """Colours at (x, y) of `lanes` variants of the stack of the tile's first `depth`
    shapes: in lane l shape k has coverage cover(sc, k, x, y, context)[l] in [0, 1].

    The list is ascending (back to front); shapes are visited front to back from list
    position depth - 1 down to 0 with `over` at opacity a_k * coverage, and the loop
    stops once every lane's transmittance reaches zero behind opaque shapes. Lanes share
    the walk, so variants of one point (both sides of an edge, the edge's own shape in
    and out) cost one pass.
    Returns:
        `[lanes, 3]` matrix of colours (background included) in the precision of
        `background` (float32 or float64, so that 1 - a is float64 in float64 mode).
    """
    dtype = background.element_type()
    colour = ti.Matrix.zero(dtype, lanes, 3)
    transmittance = ti.Vector([1.0] * lanes, dtype)
    t0 = sc.tile_start[tile]
    for t in range(depth):
        k = sc.tile_shapes[t0 + depth - 1 - t]
        coverage = cover(sc, k, x, y, context)
        if coverage.max() > 0:
            fill = ti.cast(fill_color(sc, k), dtype)
            alpha = ti.cast(sc.opacity[k], dtype) * coverage
            for lane in ti.static(range(lanes)):
                row = ti.Vector([colour[lane, ch] for ch in ti.static(range(3))])
                row, transmittance[lane] = over(
                    row, transmittance[lane], alpha[lane], fill
                )
                for ch in ti.static(range(3)):
                    colour[lane, ch] = row[ch]
            if transmittance.max() <= 0.0:
                break
    return colour + transmittance.outer_product(background)


@ti.func
def cover_point(sc: ti.template(), k, x, y, unused):
    """One lane: shape k's half-open inside test at (x, y)."""
    inside = 0
    if overlaps_box(sc, k, x, y, x, y):
        inside = inside_shape(sc, k, x, y)
    return ti.Vector([inside])


@ti.func
def composite(sc: ti.template(), tile, depth, x, y, background):
    """Colour of the picture at (x, y) from the first `depth` shapes of the tile's list,
    points on a boundary by the half-open rule, in the precision of `background`
    (float32 or float64, so that 1 - a is float64 in float64 compositing)."""
    colour = composite_lanes(sc, tile, depth, x, y, background, cover_point, 0, 1)
    return ti.Vector([colour[0, ch] for ch in ti.static(range(3))])


@ti.dataclass
class Sides:
    """What `cover_sides` needs: the sampled boundary's shape and unit normal, and that
    shape's own cover (0 or 1) in the four lanes: beside the point along +n with the
    edge moved past it (in) and before (out), then the same along -n."""

    own: ti.i32
    nx: ti.f64
    ny: ti.f64
    own_cover: ti.math.ivec4


@ti.func
def cover_sides(sc: ti.template(), k, x, y, sides):
    """Four lanes (+n in, +n out, -n in, -n out) at a point on shape `sides.own`'s
    boundary: that shape takes its given cover, every other shape its cover just beside
    the point on the lane's side (`inside_beside`)."""
    cover = ti.Vector([0.0, 0.0, 0.0, 0.0], ti.f64)
    if k == sides.own:
        cover = ti.cast(sides.own_cover, ti.f64)
    elif overlaps_box(sc, k, x, y, x, y):
        plus, minus = inside_beside(sc, k, x, y, sides.nx, sides.ny)
        cover = ti.Vector([plus, plus, minus, minus], ti.f64)
    return cover


@ti.func
def composite_sides(sc: ti.template(), tile, depth, x, y, background, sides):
    """Jumps f_in - f_out at a point (x, y) on the boundary of shape `sides.own`, beside
    the point along +n and along -n (float64; `background` float64).

    On each side f_in and f_out give the own shape the cover it has there after and
    before the edge moves past (`sides.own_cover`), without testing it; every other
    shape is classified just beside the point on the side in question. Where no other
    boundary passes through the point the two jumps are equal. One front-to-back pass
    computes all four colours.
    Returns:
        (jump beside the point along +n, jump along -n), colour vectors.
    """
    c = composite_lanes(sc, tile, depth, x, y, background, cover_sides, sides, 4)
    jump_plus = ti.Vector([c[0, ch] - c[1, ch] for ch in ti.static(range(3))])
    jump_minus = ti.Vector([c[2, ch] - c[3, ch] for ch in ti.static(range(3))])
    return jump_plus, jump_minus
