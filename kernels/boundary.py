"""The boundary term of the gradient by edge sampling (docs/design.md §3.3-§3.4, §3.7, §4).

    sum_k w_k dI_k/dtheta  gets  sum over edge samples x of
        1/2 [w(x+) . jump(x+) + w(x-) . jump(x-)] (V(x) . n(x)) / p(x)

where x+ and x- are the points just beside x along the outward normal n and against it:
the adjoint of the pixel there (0 outside the canvas) and the jump f_in - f_out with every
other shape classified there. Off pixel lines and other boundaries both sides agree and
this is w(pixel(x)) . (f_in(x) - f_out(x)) (V . n) / p; on them it is the mean of the two
one-sided derivatives, for every parameter at once (docs/design.md §4.1-§4.2).

Edge samples lie on the scene's boundary pieces (clipped to the canvas and cut at pixel
lines). Where they go is the estimator's choice (`PLACEMENTS`, docs/design.md §3.7):
- per piece (work item = piece, n_p >= 1 samples each in proportion to its length):
  "stratified" (n_p equal strata of the piece), "antithetic" (pairs t, 1 - t along a
  segment piece; phi, phi + pi on a circle, whose piece is its whole half-turn) and
  "midpoint" (one sample at the middle of each piece, weighted by the piece's length:
  exact where the pieces are also cut at every crossing, "analytic");
- along a cumulative mass over all pieces (work item = sample): "cdf" (M strata of the
  mass: length for "length", |adjoint| x length for "importance") and "iid" (M
  independent samples by the mass).
Each sample carries its weight 1 / density (pixels of boundary per sample).
f_in and f_out composite the stack at x itself with the edge's own shape forced in and
out, never stepping off the edge. The kernel works on world-space geometry: in adjoint mode it
returns dL/d(world vertices) and dL/d(circle centre, radius); `reynolds.backward`
chains those to named parameters. In tangent mode it takes world-space velocities and
returns the per-pixel derivative image dI/dtheta instead.
"""

import numpy as np
import taichi as ti
from reynolds.kernels.array_types import f64_2, f64_3, i32_1, i32_2, vec3_f64
from reynolds.kernels.buffers import SceneArgs, SceneBuffers
from reynolds.kernels.coverage import Sides, composite, composite_sides
from reynolds.kernels.edges import (
    PIECE_SEGMENT,
    EdgePieces,
    PieceArgs,
    allocate_samples,
)
from reynolds.kernels.interior import items_per_block
from reynolds.kernels.rng import DOMAIN_EDGE, stream_key, uniform_at
from reynolds.kernels.runtime import ensure_initialized
from reynolds.kernels.shape_polygon import (
    fill_rule_inside,
    polygon_line_sides,
    runs_along,
)
from reynolds.kernels.tolerance import on_edge_tolerance

# Where edge samples go (see the module docstring). Per-piece placements take their work
# items from pieces, the others from samples.
PLACEMENTS = ("stratified", "antithetic", "midpoint", "cdf", "iid")
PER_PIECE = ("stratified", "antithetic", "midpoint")
# Placements whose work item is a whole piece (its samples stay in one closed pixel);
# the others take one sample per work item.
PIECE_ITEMS = ("stratified", "midpoint")


@ti.dataclass
class EdgePoint:
    """One edge sample: where it is, whose edge, its normal, and whether its own shape
    covers the points beside it before and after the edge moves past them."""

    valid: ti.i32  # 0 when the own shape's cover changes on neither side
    shape: ti.i32
    vert_a: ti.i32  # world vertex indices of a segment (-1 for an arc)
    vert_b: ti.i32
    t: ti.f64  # position along the segment a -> b
    x: ti.f64
    y: ti.f64
    nx: ti.f64  # unit normal: towards the side the edge alone leaves uncovered
    ny: ti.f64
    # Own cover just beside the point along +n (plus) and -n (minus): "out" before the
    # edge moves past that point, "in" after (docs/design.md §4.3).
    own_plus_in: ti.i32
    own_plus_out: ti.i32
    own_minus_in: ti.i32
    own_minus_out: ti.i32
    # The polygon's edges along the sampled one through the point (itself included), and
    # the own cover on its negative and positive side when they all move together
    # (translate, rotate, scale move every copy alike; docs/design.md §4.3).
    copies: ti.i32
    copy_at_a: ti.i32  # the polygon's edge before this one is a coincident copy here
    copy_at_b: ti.i32  # the edge after it is
    own_joint_in: ti.i32
    own_joint_out: ti.i32
    weight: ti.f64  # 1 / sampling density, pixels of boundary per sample
    # An arc sample's share of the integral of (cos phi, sin phi, 1) r dphi: the
    # derivatives of V . n by the circle's centre x, y and radius, integrated; weight
    # (nx, ny, 1) for a point sample, the closed form over the piece for "midpoint".
    moment: vec3_f64


@ti.func
def own_polygon_sides(sc: ti.template(), k, e, x, y):
    """Winding numbers of polygon k just on the negative and positive side of its edge e at
    (x, y), and the number m of its edges through (x, y) along e (e included)."""
    start = sc.vert_start[k]
    a = start + e
    b = start + (e + 1) % sc.vert_count[k]
    dx = ti.f64(sc.verts[b, 0]) - ti.f64(sc.verts[a, 0])
    dy = ti.f64(sc.verts[b, 1]) - ti.f64(sc.verts[a, 1])
    return polygon_line_sides(sc, k, x, y, dx, dy)


@ti.func
def edge_through(sc: ti.template(), p, q, x, y, dx, dy):
    """1 when the edge from vertex p to vertex q is a coincident copy, through (x, y)
    along (dx, dy), of the sampled edge."""
    x0, y0 = ti.f64(sc.verts[p, 0]), ti.f64(sc.verts[p, 1])
    ex, ey = ti.f64(sc.verts[q, 0]) - x0, ti.f64(sc.verts[q, 1]) - y0
    return runs_along(x0, y0, ex, ey, x, y, dx, dy, on_edge_tolerance(x, y))


@ti.func
def last_at_most(array: ti.template(), count, value):
    """The largest index p < count with array[p] <= value (array ascending, array[0] <= value)."""
    lo = 0
    hi = count - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if array[mid] <= value:
            lo = mid
        else:
            hi = mid - 1
    return lo


@ti.func
def sample_position(pv: ti.template(), m, num_samples, seed, placement: ti.template()):
    """Piece, parameter and weight of edge sample m under `placement` (one of
    PLACEMENTS): (p, tau, weight), tau the position along piece p (t along its segment,
    or angle phi on its circle) and weight = 1 / sampling density in pixels."""
    n_pieces = pv.piece_shape.shape[0]
    xi = ti.f64(uniform_at(stream_key(seed, DOMAIN_EDGE, ti.u32(m)), ti.u32(0)))
    p = 0
    frac = 0.0
    weight = 0.0
    mirror = 0
    if ti.static(placement in PER_PIECE):
        p = last_at_most(pv.piece_first_sample, n_pieces, m)
        first = pv.piece_first_sample[p]
        n = pv.piece_first_sample[p + 1] - first
        weight = (pv.piece_cumulative[p + 1] - pv.piece_cumulative[p]) / ti.f64(n)
        if ti.static(placement == "stratified"):
            frac = (ti.f64(m - first) + xi) / ti.f64(n)
        elif ti.static(placement == "antithetic"):
            # Samples 2j and 2j + 1 of the piece share one random number.
            pair = (m - first) // 2
            shared = stream_key(seed, DOMAIN_EDGE, ti.u32(first + 2 * pair))
            frac = (ti.f64(pair) + ti.f64(uniform_at(shared, ti.u32(0)))) / ti.f64(
                n // 2
            )
            mirror = (m - first) % 2
        else:
            frac = 0.5
    else:
        total = pv.piece_mass[n_pieces]
        s = xi * total
        if ti.static(placement == "cdf"):
            s = (ti.f64(m) + xi) / ti.f64(num_samples) * total
        p = last_at_most(pv.piece_mass, n_pieces, s)
        mass = pv.piece_mass[p + 1] - pv.piece_mass[p]
        frac = ti.math.clamp((s - pv.piece_mass[p]) / mass, 0.0, 1.0)
        length = pv.piece_cumulative[p + 1] - pv.piece_cumulative[p]
        weight = total * length / (ti.f64(num_samples) * mass)
    t0, t1 = pv.piece_t0[p], pv.piece_t1[p]
    tau = t0 + frac * (t1 - t0)
    if mirror:
        if pv.piece_kind[p] == PIECE_SEGMENT:
            tau = t0 + (1.0 - frac) * (t1 - t0)
        else:
            tau += ti.math.pi
    return p, tau, weight


@ti.func
def edge_point(
    sc: ti.template(), pv: ti.template(), m, num_samples, seed, placement: ti.template()
):
    """Edge sample m (see `sample_position`) with everything the boundary term needs."""
    p, tau, weight = sample_position(pv, m, num_samples, seed, placement)
    k = pv.piece_shape[p]
    point = EdgePoint(
        valid=1,
        shape=k,
        vert_a=-1,
        vert_b=-1,
        t=tau,
        copies=1,
        copy_at_a=0,
        copy_at_b=0,
        weight=weight,
    )
    point.own_joint_in, point.own_joint_out = 1, 0
    # An arc: the disc lies on -n; moving the edge past a point covers it.
    point.own_plus_in, point.own_plus_out = 1, 0
    point.own_minus_in, point.own_minus_out = 1, 0
    if pv.piece_kind[p] == PIECE_SEGMENT:
        start = sc.vert_start[k]
        e = pv.piece_edge[p]
        a = start + e
        b = start + (e + 1) % sc.vert_count[k]
        ax, ay = ti.f64(sc.verts[a, 0]), ti.f64(sc.verts[a, 1])
        dx, dy = ti.f64(sc.verts[b, 0]) - ax, ti.f64(sc.verts[b, 1]) - ay
        point.vert_a = a
        point.vert_b = b
        point.x = ax + tau * dx
        point.y = ay + tau * dy
        # Edge e alone adds 1 to the winding number on its positive side, so moving it
        # along n (its negative side) adds 1 to the points it passes there, and moving
        # it against n takes 1 from the points it passes on the positive side. Every
        # other edge of the polygon through the point (coincident copies, a collapsed
        # polygon) stays where it is: each edge's one-sided derivatives are its own.
        w_neg, w_pos, copies = own_polygon_sides(sc, k, e, point.x, point.y)
        evenodd = sc.fill_rule[k] == 1
        norm = ti.sqrt(dx * dx + dy * dy)
        point.nx = dy / norm
        point.ny = -dx / norm
        point.own_plus_in = fill_rule_inside(w_neg + 1, evenodd)
        point.own_plus_out = fill_rule_inside(w_neg, evenodd)
        point.own_minus_in = fill_rule_inside(w_pos, evenodd)
        point.own_minus_out = fill_rule_inside(w_pos - 1, evenodd)
        point.copies = copies
        if copies > 1:
            count = sc.vert_count[k]
            point.copy_at_a = edge_through(
                sc, start + (e + count - 1) % count, a, point.x, point.y, dx, dy
            )
            point.copy_at_b = edge_through(
                sc, b, start + (e + 2) % count, point.x, point.y, dx, dy
            )
        point.own_joint_in = fill_rule_inside(w_pos, evenodd)
        point.own_joint_out = fill_rule_inside(w_neg, evenodd)
        if (
            point.own_plus_in == point.own_plus_out
            and point.own_minus_in == point.own_minus_out
            and point.own_joint_in == point.own_joint_out
        ):
            point.valid = 0
    else:
        point.nx = ti.cos(tau)
        point.ny = ti.sin(tau)
        r = ti.f64(sc.circle[k, 2])
        point.x = ti.f64(sc.circle[k, 0]) + r * point.nx
        point.y = ti.f64(sc.circle[k, 1]) + r * point.ny
        point.moment = weight * ti.Vector([point.nx, point.ny, 1.0], ti.f64)
        if ti.static(placement == "midpoint"):
            # V . n = vx cos phi + vy sin phi + vr is not linear in phi: integrate it
            # over the piece in closed form (the jump and the adjoint are constant on it).
            t0, t1 = pv.piece_t0[p], pv.piece_t1[p]
            point.moment = r * ti.Vector(
                [ti.sin(t1) - ti.sin(t0), ti.cos(t0) - ti.cos(t1), t1 - t0], ti.f64
            )
    return point


@ti.func
def cells_beside(c, s):
    """Pixel indices lo..hi along one axis that hold the points just beside coordinate c
    in direction s: floor(c) inside a pixel; on a pixel line (c integral) the one on the
    side s points to, or both when s = 0."""
    f = ti.floor(c)
    hi = ti.cast(f, ti.i32)
    lo = hi
    if c == f:
        if s < 0.0:
            lo -= 1
            hi -= 1
        elif s == 0.0:
            lo -= 1
    return lo, hi


@ti.func
def pixels_beside(x, y, sx, sy):
    """The pixels that hold the points just beside (x, y) in direction (sx, sy): rows
    i_lo..i_hi, columns j_lo..j_hi (indices may lie outside the canvas).

    Inside a pixel that is the pixel itself. On a pixel line the direction picks the side;
    a direction along the line (a point of measure zero on a boundary that crosses the
    line) keeps both. Edges that lie along a pixel line are axis-aligned with float32
    end points, so their samples land on the line exactly and `==` finds them.
    """
    i_lo, i_hi = cells_beside(y, sy)
    j_lo, j_hi = cells_beside(x, sx)
    return i_lo, i_hi, j_lo, j_hi


@ti.func
def mean_adjoint(adjoint: ti.template(), i_lo, i_hi, j_lo, j_hi):
    """Mean of the adjoint over pixel rows i_lo..i_hi and columns j_lo..j_hi (at most
    2 x 2), counting pixels outside the canvas as 0."""
    height, width = adjoint.shape[0], adjoint.shape[1]
    total = vec3_f64(0.0)
    for di, dj in ti.static(ti.ndrange(2, 2)):
        i = i_lo + di
        j = j_lo + dj
        if i <= i_hi and j <= j_hi and 0 <= i < height and 0 <= j < width:
            total += vec3_f64(adjoint[i, j, 0], adjoint[i, j, 1], adjoint[i, j, 2])
    return total / ti.f64((i_hi - i_lo + 1) * (j_hi - j_lo + 1))


@ti.func
def add_to_slots(slot_row: ti.template(), slot_value: ti.template(), item, row, value):
    """Add the 3-vector `value` for output row `row` to work item `item`'s slots: to the
    slot that holds `row`, else to the first free one (row -1). Returns 0, adding
    nothing, when every slot holds another row."""
    found = 0
    for s in range(slot_row.shape[1]):
        if slot_row[item, s] == row or slot_row[item, s] == -1:
            slot_row[item, s] = row
            for ch in ti.static(range(3)):
                slot_value[ch, item, s] += value[ch]
            found = 1
            break
    return found


@ti.func
def add_to_pixels(
    slot_row: ti.template(),
    slot_value: ti.template(),
    item,
    height,
    width,
    i_lo,
    i_hi,
    j_lo,
    j_hi,
    value,
):
    """Spread `value` evenly over pixel rows i_lo..i_hi and columns j_lo..j_hi (at most
    2 x 2) in work item `item`'s slots (output row i * width + j), dropping the shares of
    pixels outside the canvas. Returns 0 when the item ran out of slots."""
    share = value / ti.f64((i_hi - i_lo + 1) * (j_hi - j_lo + 1))
    fits = 1
    for di, dj in ti.static(ti.ndrange(2, 2)):
        i = i_lo + di
        j = j_lo + dj
        if i <= i_hi and j <= j_hi and 0 <= i < height and 0 <= j < width:
            fits &= add_to_slots(slot_row, slot_value, item, i * width + j, share)
    return fits


@ti.func
def tile_near(sc: ti.template(), x, y, height, width):
    """(tile, depth) of the canvas pixel nearest (x, y): its closed square holds the point
    when the point is on the canvas, so its list holds every shape whose bounds do."""
    i = ti.math.clamp(ti.cast(ti.floor(y), ti.i32), 0, height - 1)
    j = ti.math.clamp(ti.cast(ti.floor(x), ti.i32), 0, width - 1)
    tile = (i // sc.tile_size) * sc.tiles_x + j // sc.tile_size
    return tile, sc.tile_start[tile + 1] - sc.tile_start[tile]


@ti.func
def edge_jumps(sc: ti.template(), point: EdgePoint, height, width, background, own):
    """f_in - f_out beside an edge sample along +n and -n (float64 colours), with the own
    shape's cover in the four lanes given by `own` (see `composite_sides`)."""
    tile, depth = tile_near(sc, point.x, point.y, height, width)
    sides = Sides(own=point.shape, nx=point.nx, ny=point.ny, own_cover=own)
    return composite_sides(sc, tile, depth, point.x, point.y, background, sides)


# The step of the epsilon rule, pixels: far above float32 rounding of canvas-sized
# coordinates (~1e-5 px at 100 px), far below a pixel.
EPSILON_STEP = 1e-4


@ti.func
def epsilon_jump(sc: ti.template(), point: EdgePoint, height, width, background):
    """f(x - e n) - f(x + e n) with e = EPSILON_STEP: the jump as diffvg evaluates it,
    every shape (the edge's own included) tested at the two stepped points (half-open
    rule), each from the tile of the canvas pixel nearest it."""
    dx = EPSILON_STEP * point.nx
    dy = EPSILON_STEP * point.ny
    x_in, y_in = point.x - dx, point.y - dy
    x_out, y_out = point.x + dx, point.y + dy
    tile_in, depth_in = tile_near(sc, x_in, y_in, height, width)
    tile_out, depth_out = tile_near(sc, x_out, y_out, height, width)
    inner = composite(sc, tile_in, depth_in, x_in, y_in, background)
    outer = composite(sc, tile_out, depth_out, x_out, y_out, background)
    return inner - outer


@ti.kernel
def _boundary(
    adjoint: f64_3,
    velocity_verts: f64_2,
    velocity_circle: f64_2,
    sc: SceneArgs,
    background: vec3_f64,
    pv: PieceArgs,
    num_samples: ti.i32,
    seed: ti.u32,
    placement: ti.template(),
    tangent: ti.template(),
    epsilon: ti.template(),
    rigid: ti.template(),
    first_item: ti.i32,
    circle_row: ti.i32,
    joint_row: ti.i32,
    slot_row: i32_2,
    slot_value: f64_3,
    overflow: i32_1,
):
    """Adjoint mode (tangent=False): adjoint -> output rows v (dL/d world vertex v: x, y,
    0) and circle_row + k (dL/d circle k: cx, cy, r). Tangent mode: velocities -> output
    rows i * width + j (dI/dtheta of pixel (i, j): R, G, B). Each sample carries the
    weight 1 / density of `sample_position`.

    Work items are pieces (PIECE_ITEMS placements: each owns whole strata) or single
    samples, items first_item .. first_item + slot_row.shape[0] - 1. Each item adds its
    samples, in order, into its own slots (slot_row[item, s] the output row, -1 when
    free; slot_value[0:3, item, s] the sum), so no two threads add to one number and the
    sums are the same bits in every run. `_run` reduces the slots in a fixed order.
    An item that touches more rows than it has slots sets overflow[0] = 1.
    """
    height, width = adjoint.shape[0], adjoint.shape[1]
    ti.loop_config(block_dim=ti.static(items_per_block()))
    for item in range(slot_row.shape[0]):
        for s in range(slot_row.shape[1]):
            slot_row[item, s] = -1
            for ch in ti.static(range(3)):
                slot_value[ch, item, s] = 0.0
        q = first_item + item
        first, last = q, q + 1
        if ti.static(placement in PIECE_ITEMS):
            first, last = pv.piece_first_sample[q], pv.piece_first_sample[q + 1]
        for m in range(first, last):
            point = edge_point(sc, pv, m, num_samples, seed, placement)
            valid = point.valid
            if ti.static(epsilon):
                valid = 1  # stepping off the edge finds a zero jump by itself
            if valid:
                # The two one-sided derivatives see the boundary move into the outer
                # side (+n) or the inner side (-n): the pixel there and every other shape
                # classified there. Half of each is their mean, for every parameter at
                # once; it differs from a single evaluation only on pixel lines, the
                # canvas border and other shapes' boundaries (docs/design.md §4.1-4.2).
                jump_plus = vec3_f64(0.0)
                jump_minus = vec3_f64(0.0)
                sx, sy = point.nx, point.ny
                # Coincident copies of the edge in its own polygon: moved alone (a vertex
                # of one copy) the edge has one-sided derivatives of its own; moved with
                # its copies (a whole-shape transform) the copies share one jump.
                joint = point.copies > 1
                joint_plus = vec3_f64(0.0)
                joint_minus = vec3_f64(0.0)
                if ti.static(epsilon):
                    # diffvg's rule, kept for comparison (docs/design.md §4.6): colours a
                    # fixed step off the edge on each side, the pixel of the point itself.
                    jump_plus = epsilon_jump(sc, point, height, width, background)
                    jump_minus = jump_plus
                    sx, sy = 1.0, 1.0
                    joint = False
                else:
                    own = ti.math.ivec4(
                        point.own_plus_in,
                        point.own_plus_out,
                        point.own_minus_in,
                        point.own_minus_out,
                    )
                    jump_plus, jump_minus = edge_jumps(
                        sc, point, height, width, background, own
                    )
                    if joint:
                        own_joint = ti.math.ivec4(
                            point.own_joint_in,
                            point.own_joint_out,
                            point.own_joint_in,
                            point.own_joint_out,
                        )
                        joint_plus, joint_minus = edge_jumps(
                            sc, point, height, width, background, own_joint
                        )
                        joint_plus /= ti.f64(point.copies)
                        joint_minus /= ti.f64(point.copies)
                po_lo, po_hi, pj_lo, pj_hi = pixels_beside(point.x, point.y, sx, sy)
                mo_lo, mo_hi, mj_lo, mj_hi = pixels_beside(point.x, point.y, -sx, -sy)
                if ti.static(epsilon):
                    mo_lo, mo_hi, mj_lo, mj_hi = po_lo, po_hi, pj_lo, pj_hi
                k = point.shape
                fits = 1
                if ti.static(tangent):
                    # The integral of V . n over this sample's share of the boundary.
                    flux = 0.0
                    if point.vert_a >= 0:
                        va, vb = point.vert_a, point.vert_b
                        vx = (1.0 - point.t) * velocity_verts[
                            va, 0
                        ] + point.t * velocity_verts[vb, 0]
                        vy = (1.0 - point.t) * velocity_verts[
                            va, 1
                        ] + point.t * velocity_verts[vb, 1]
                        flux = (vx * point.nx + vy * point.ny) * point.weight
                    else:
                        c = ti.static(velocity_circle)
                        flux = (
                            c[k, 0] * point.moment[0]
                            + c[k, 1] * point.moment[1]
                            + c[k, 2] * point.moment[2]
                        )
                    if ti.static(rigid):
                        if joint:
                            jump_plus, jump_minus = joint_plus, joint_minus
                    fits = add_to_pixels(
                        slot_row,
                        slot_value,
                        item,
                        height,
                        width,
                        po_lo,
                        po_hi,
                        pj_lo,
                        pj_hi,
                        jump_plus * flux * 0.5,
                    ) & add_to_pixels(
                        slot_row,
                        slot_value,
                        item,
                        height,
                        width,
                        mo_lo,
                        mo_hi,
                        mj_lo,
                        mj_hi,
                        jump_minus * flux * 0.5,
                    )
                else:
                    w_plus = mean_adjoint(adjoint, po_lo, po_hi, pj_lo, pj_hi)
                    w_minus = mean_adjoint(adjoint, mo_lo, mo_hi, mj_lo, mj_hi)
                    # Half the sum of the two sides' w . jump: per pixel of boundary.
                    density = 0.5 * (w_plus.dot(jump_plus) + w_minus.dot(jump_minus))
                    if point.vert_a < 0:
                        if density != 0.0:
                            fits = add_to_slots(
                                slot_row,
                                slot_value,
                                item,
                                circle_row + k,
                                density * point.moment,
                            )
                    else:
                        g = density * point.weight
                        normal = vec3_f64(point.nx, point.ny, 0.0)
                        # A vertex whose other edge is a coincident copy of this one (the
                        # tip of a zero-width spike) moves both copies at once: its share
                        # follows the joint rule even when it moves alone.
                        g_joint = g
                        if joint:
                            g_joint = (
                                0.5
                                * (w_plus.dot(joint_plus) + w_minus.dot(joint_minus))
                                * point.weight
                            )
                        g_a = g_joint if point.copy_at_a else g
                        g_b = g_joint if point.copy_at_b else g
                        if g_a != 0.0 or g_b != 0.0:
                            fits = add_to_slots(
                                slot_row,
                                slot_value,
                                item,
                                point.vert_a,
                                g_a * (1.0 - point.t) * normal,
                            ) & add_to_slots(
                                slot_row,
                                slot_value,
                                item,
                                point.vert_b,
                                g_b * point.t * normal,
                            )
                        if g_joint != g_a or g_joint != g_b:
                            # Rows joint_row + v: what the joint rule adds to vertex v.
                            fits &= add_to_slots(
                                slot_row,
                                slot_value,
                                item,
                                joint_row + point.vert_a,
                                (g_joint - g_a) * (1.0 - point.t) * normal,
                            ) & add_to_slots(
                                slot_row,
                                slot_value,
                                item,
                                joint_row + point.vert_b,
                                (g_joint - g_b) * point.t * normal,
                            )
                if not fits:
                    overflow[0] = 1


# Slots per work item: a piece lies in one closed pixel, so its samples (and an i.i.d.
# sample's two sides) reach at most the 3 x 3 pixels around it in tangent mode, and the
# two end vertices of its edge (or its circle) in adjoint mode, plus the joint-rule rows
# of the two vertices where the edge has coincident copies in its polygon. Placements
# outside PIECE_ITEMS take one sample per work item ("antithetic" pairs lie far apart
# on a circle).
TANGENT_SLOTS = 9
ADJOINT_SLOTS = 4  # the two vertices, and their joint-rule rows (coincident copies)
# Work items of one kernel launch hold at most this many slots (28 bytes each): 56 MiB.
MAX_SLOTS = 1 << 21


def sample_table(pieces: EdgePieces, samples: int, placement: str) -> np.ndarray:
    """First sample index of each piece, `[P + 1]` int32, for a per-piece placement:
    `allocate_samples` for "stratified", an even number (pairs) per piece for
    "antithetic", one per piece for "midpoint"; zeros (unused) otherwise."""
    if placement == "stratified":
        return allocate_samples(pieces, samples)
    if placement == "antithetic":
        pairs = allocate_samples(pieces, (samples + 1) // 2)
        return (2 * pairs).astype(np.int32)
    if placement == "midpoint":
        return np.arange(pieces.count + 1, dtype=np.int32)
    return np.zeros(pieces.count + 1, dtype=np.int32)


def _run(
    buffers,
    pieces,
    adjoint,
    velocity_verts,
    velocity_circle,
    *,
    samples,
    seed,
    placement,
    epsilon,
    tangent,
    arch,
    rigid=False,
):
    """Run `_boundary` in batches of work items and reduce their slots in a fixed order.

    Returns:
        (d_verts `[V, 2]`, d_circle `[S, 3]`, d_verts_joint `[V, 2]`, None) in adjoint
        mode, (None, None, None, d_image `[height, width, 3]`) in tangent mode; float64.
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    ensure_initialized(arch)
    n_verts = buffers.verts.shape[0]
    n_shapes = buffers.kind.shape[0]
    joint_row = n_verts + n_shapes
    rows = buffers.height * buffers.width if tangent else joint_row + n_verts
    total = np.zeros((rows, 3))
    # "midpoint" takes one sample per piece whatever the budget (0 included); the others
    # take none from a budget of 0.
    if pieces.count and (samples > 0 or placement == "midpoint"):
        first_sample = sample_table(pieces, samples, placement)
        if placement in PER_PIECE:
            samples = int(first_sample[-1])
        num_items = pieces.count if placement in PIECE_ITEMS else samples
        per_item = TANGENT_SLOTS if tangent else ADJOINT_SLOTS
        overflow = np.zeros(1, dtype=np.int32)
        adjoint = np.ascontiguousarray(adjoint, dtype=np.float64)
        scene_args = buffers.kernel_args()
        piece_args = pieces.kernel_args(first_sample)
        background = vec3_f64(*buffers.background.tolist())
        for first in range(0, num_items, MAX_SLOTS // per_item):
            count = min(MAX_SLOTS // per_item, num_items - first)
            slot_row = np.empty((count, per_item), dtype=np.int32)
            slot_value = np.empty((3, count, per_item))
            _boundary(
                adjoint,
                velocity_verts,
                velocity_circle,
                scene_args,
                background,
                piece_args,
                samples,
                seed & 0xFFFFFFFF,
                placement,
                tangent,
                bool(epsilon),
                bool(rigid),
                first,
                n_verts,
                joint_row,
                slot_row,
                slot_value,
                overflow,
            )
            # Fixed-order reduction: items in order, each item's slots in order
            # (bincount adds in index order), then launch after launch. Free slots
            # (0.0) go to an extra row that is dropped.
            row = np.where(slot_row < 0, rows, slot_row).ravel()
            for ch in range(3):
                total[:, ch] += np.bincount(
                    row, weights=slot_value[ch].ravel(), minlength=rows + 1
                )[:rows]
        if overflow[0]:
            raise RuntimeError("an edge-sample work item touched more rows than slots")
    if tangent:
        return None, None, None, total.reshape(buffers.height, buffers.width, 3)
    d_verts = np.ascontiguousarray(total[:n_verts, :2])
    d_joint = d_verts + total[joint_row:, :2]
    return d_verts, total[n_verts:joint_row], d_joint, None


def boundary_adjoint(
    buffers: SceneBuffers,
    pieces: EdgePieces,
    adjoint: np.ndarray,
    *,
    samples: int,
    seed: int,
    placement: str = "stratified",
    epsilon: bool = False,
    arch: str = "auto",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boundary term of sum(adjoint * dI/d geometry), in world space, by edge sampling.

    Args:
        buffers: the scene as flat arrays; pieces: its boundary inside the canvas (with
            the mass that "cdf" and "iid" sample by, and, for "antithetic", circles as
            whole half-turns: `build_edge_pieces`).
        adjoint: `[height, width, 3]` dL/dI.
        samples: number of edge samples M over the whole boundary (per-piece
            placements give every piece at least one when M > 0; "midpoint" exactly
            one whatever M, 0 included).
        seed: seed of the counter-based RNG (edge domain).
        placement: where samples go, one of PLACEMENTS (module docstring).
        epsilon: evaluate the jump a fixed step EPSILON_STEP off the edge on each side
            and take the adjoint of the sample's own pixel (diffvg's rule, biased at
            coincident edges; for comparison) instead of the two-sided rule.
    Returns:
        d_verts `[V, 2]` (dL/d world vertex positions, each vertex moving alone),
        d_circle `[S, 3]` (dL/d world centre x, y and radius) and d_verts_joint `[V, 2]`
        (as d_verts, but with coincident copies of an edge in its polygon moving
        together, as under a whole-shape transform; equal to d_verts without such
        copies), float64 (docs/design.md §4.3).
    """
    zeros_v = np.zeros((1, 2))
    zeros_c = np.zeros((1, 3))
    d_verts, d_circle, d_joint, _ = _run(
        buffers,
        pieces,
        adjoint,
        zeros_v,
        zeros_c,
        samples=samples,
        seed=seed,
        placement=placement,
        epsilon=epsilon,
        tangent=False,
        arch=arch,
    )
    return d_verts, d_circle[: buffers.num_shapes], d_joint


def boundary_tangent(
    buffers: SceneBuffers,
    pieces: EdgePieces,
    velocity_verts: np.ndarray,
    velocity_circle: np.ndarray,
    *,
    samples: int,
    seed: int,
    placement: str = "stratified",
    epsilon: bool = False,
    rigid: bool = False,
    arch: str = "auto",
) -> np.ndarray:
    """Boundary term of the derivative image dI/dtheta for one direction of motion.

    Args:
        velocity_verts: `[V, 2]` d(world vertex)/dtheta; velocity_circle: `[S, 3]`
            d(centre x, centre y, radius)/dtheta, world space.
        placement, epsilon: as for `boundary_adjoint`.
        rigid: the motion moves whole shapes (translate, rotate, scale), so coincident
            copies of an edge in its polygon move together (the joint rule of
            `boundary_adjoint`); otherwise each edge moves alone.
    Returns:
        `[height, width, 3]` float64 derivative image (pixel values per unit theta).
    """
    dummy = np.zeros((1, 1, 3))
    vv = np.ascontiguousarray(velocity_verts, dtype=np.float64).reshape(-1, 2)
    vc = np.ascontiguousarray(velocity_circle, dtype=np.float64).reshape(-1, 3)
    adjoint_shape = (
        np.zeros((buffers.height, buffers.width, 3)) if pieces.count else dummy
    )
    _, _, _, d_image = _run(
        buffers,
        pieces,
        adjoint_shape,
        vv,
        vc,
        samples=samples,
        seed=seed,
        placement=placement,
        epsilon=epsilon,
        tangent=True,
        rigid=rigid,
        arch=arch,
    )
    return d_image
