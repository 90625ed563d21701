"""The boundary term of the gradient by edge sampling (docs/design.md §3.3-§3.4, §4).

    sum_k w_k dI_k/dtheta  gets  sum over edge samples x of
        1/2 [w(x+) . jump(x+) + w(x-) . jump(x-)] (V(x) . n(x)) / p(x)

where x+ and x- are the points just beside x along the outward normal n and against it:
the adjoint of the pixel there (0 outside the canvas) and the jump f_in - f_out with every
other shape classified there. Off pixel lines and other boundaries both sides agree and
this is w(pixel(x)) . (f_in(x) - f_out(x)) (V . n) / p; on them it is the mean of the two
one-sided derivatives, for every parameter at once (docs/design.md §4.1-§4.2).

Edge samples lie on the scene's boundary pieces (clipped to the canvas and cut at pixel
lines): stratified, each piece gets n_p >= 1 samples in proportion to its length, spread
over n_p equal strata of it (density n_p / length_p); i.i.d., the samples are spread over
the whole boundary by length (density M / total length).
f_in and f_out composite the stack at x itself with the edge's own shape forced in and
out, never stepping off the edge. The kernel works on world-space geometry: in adjoint mode it
returns dL/d(world vertices) and dL/d(circle centre, radius); `reynolds.backward`
chains those to named parameters. In tangent mode it takes world-space velocities and
returns the per-pixel derivative image dI/dtheta instead.
"""

import numpy as np
import taichi as ti
from reynolds.kernels.buffers import SceneBuffers, SceneView
from reynolds.kernels.coverage import (
    composite,
    composite_sides,
    fill_rule_inside,
    on_edge_tolerance,
    polygon_line_sides,
    runs_along,
)
from reynolds.kernels.edges import (
    PIECE_SEGMENT,
    EdgePieces,
    PieceView,
    allocate_samples,
)
from reynolds.kernels.forward import f32_1, f32_2, i32_1
from reynolds.kernels.interior import f64_1, f64_2, f64_3, items_per_block, vec3_f64
from reynolds.kernels.rng import DOMAIN_EDGE, stream_key, uniform_at
from reynolds.kernels.runtime import ensure_initialized

i32_2 = ti.types.ndarray(dtype=ti.i32, ndim=2)


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
def edge_point(sc: ti.template(), pv: ti.template(), m, num_samples, seed, stratified):
    """Edge sample m: stratified within its piece (pieces own whole strata), or i.i.d.
    over the whole boundary by length. `point.weight` is 1 / density (pixels)."""
    n_pieces = pv.shape.shape[0]
    total = pv.cumulative[n_pieces]
    xi = ti.f64(uniform_at(stream_key(seed, DOMAIN_EDGE, ti.u32(m)), ti.u32(0)))
    p = 0
    frac = 0.0
    weight = 0.0
    if stratified:
        p = last_at_most(pv.first_sample, n_pieces, m)
        n = pv.first_sample[p + 1] - pv.first_sample[p]
        frac = (ti.f64(m - pv.first_sample[p]) + xi) / ti.f64(n)
        weight = (pv.cumulative[p + 1] - pv.cumulative[p]) / ti.f64(n)
    else:
        s = xi * total
        p = last_at_most(pv.cumulative, n_pieces, s)
        length = pv.cumulative[p + 1] - pv.cumulative[p]
        frac = ti.math.clamp((s - pv.cumulative[p]) / length, 0.0, 1.0)
        weight = total / ti.f64(num_samples)
    tau = pv.t0[p] + frac * (pv.t1[p] - pv.t0[p])
    k = pv.shape[p]
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
    if pv.kind[p] == PIECE_SEGMENT:
        start = sc.vert_start[k]
        e = pv.edge[p]
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
def edge_jumps(
    sc: ti.template(),
    point: EdgePoint,
    height,
    width,
    tile_size,
    tiles_x,
    background,
    plus_in,
    plus_out,
    minus_in,
    minus_out,
):
    """f_in - f_out beside an edge sample along +n and -n (float64 colours), with the own
    shape's cover given by the flags; see `composite_sides`. The tile is that of a canvas pixel whose closed square holds
    the point: its list holds every shape whose bounds hold the point."""
    i = ti.math.clamp(ti.cast(ti.floor(point.y), ti.i32), 0, height - 1)
    j = ti.math.clamp(ti.cast(ti.floor(point.x), ti.i32), 0, width - 1)
    tile = (i // tile_size) * tiles_x + j // tile_size
    depth = sc.tile_start[tile + 1] - sc.tile_start[tile]
    return composite_sides(
        sc,
        tile,
        depth,
        point.x,
        point.y,
        background,
        point.shape,
        point.nx,
        point.ny,
        plus_in,
        plus_out,
        minus_in,
        minus_out,
    )


# The step of the epsilon rule, pixels: far above float32 rounding of canvas-sized
# coordinates (~1e-5 px at 100 px), far below a pixel.
EPSILON_STEP = 1e-4


@ti.func
def composite_near(
    sc: ti.template(), x, y, height, width, tile_size, tiles_x, background
):
    """The picture's colour at (x, y) (half-open rule), from the tile of the nearest
    canvas pixel."""
    i = ti.math.clamp(ti.cast(ti.floor(y), ti.i32), 0, height - 1)
    j = ti.math.clamp(ti.cast(ti.floor(x), ti.i32), 0, width - 1)
    tile = (i // tile_size) * tiles_x + j // tile_size
    depth = sc.tile_start[tile + 1] - sc.tile_start[tile]
    return composite(sc, tile, depth, x, y, background)


@ti.func
def epsilon_jump(
    sc: ti.template(), point: EdgePoint, height, width, tile_size, tiles_x, background
):
    """f(x - e n) - f(x + e n) with e = EPSILON_STEP: the jump as diffvg evaluates it,
    every shape (the edge's own included) tested at the two stepped points."""
    dx = EPSILON_STEP * point.nx
    dy = EPSILON_STEP * point.ny
    inner = composite_near(
        sc, point.x - dx, point.y - dy, height, width, tile_size, tiles_x, background
    )
    outer = composite_near(
        sc, point.x + dx, point.y + dy, height, width, tile_size, tiles_x, background
    )
    return inner - outer


@ti.kernel
def _boundary(
    adjoint: f64_3,
    velocity_verts: f64_2,
    velocity_circle: f64_2,
    kind: i32_1,
    fill_rule: i32_1,
    color: f32_2,
    opacity: f32_1,
    vert_start: i32_1,
    vert_count: i32_1,
    verts: f32_2,
    circle: f32_2,
    bounds: f32_2,
    tile_start: i32_1,
    tile_shapes: i32_1,
    tile_size: ti.i32,
    tiles_x: ti.i32,
    background: vec3_f64,
    piece_shape: i32_1,
    piece_kind: i32_1,
    piece_edge: i32_1,
    piece_t0: f64_1,
    piece_t1: f64_1,
    cumulative: f64_1,
    first_sample: i32_1,
    num_samples: ti.i32,
    stratified: ti.i32,
    seed: ti.u32,
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
    weight 1 / density of `edge_point`.

    Work items are pieces (stratified: each owns whole strata) or single samples
    (i.i.d.), items first_item .. first_item + slot_row.shape[0] - 1. Each item adds its
    samples, in order, into its own slots (slot_row[item, s] the output row, -1 when
    free; slot_value[0:3, item, s] the sum), so no two threads add to one number and the
    sums are the same bits in every run. `_run` reduces the slots in a fixed order.
    An item that touches more rows than it has slots sets overflow[0] = 1.
    """
    sc = ti.static(
        SceneView(
            kind,
            fill_rule,
            color,
            opacity,
            vert_start,
            vert_count,
            verts,
            circle,
            bounds,
            tile_start,
            tile_shapes,
        )
    )
    pv = ti.static(
        PieceView(
            piece_shape,
            piece_kind,
            piece_edge,
            piece_t0,
            piece_t1,
            cumulative,
            first_sample,
        )
    )
    height, width = adjoint.shape[0], adjoint.shape[1]
    ti.loop_config(block_dim=ti.static(items_per_block()))
    for item in range(slot_row.shape[0]):
        for s in range(slot_row.shape[1]):
            slot_row[item, s] = -1
            for ch in ti.static(range(3)):
                slot_value[ch, item, s] = 0.0
        q = first_item + item
        first, last = q, q + 1
        if stratified:
            first, last = first_sample[q], first_sample[q + 1]
        for m in range(first, last):
            point = edge_point(sc, pv, m, num_samples, seed, stratified)
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
                    jump_plus = epsilon_jump(
                        sc, point, height, width, tile_size, tiles_x, background
                    )
                    jump_minus = jump_plus
                    sx, sy = 1.0, 1.0
                    joint = False
                else:
                    jump_plus, jump_minus = edge_jumps(
                        sc,
                        point,
                        height,
                        width,
                        tile_size,
                        tiles_x,
                        background,
                        point.own_plus_in,
                        point.own_plus_out,
                        point.own_minus_in,
                        point.own_minus_out,
                    )
                    if joint:
                        joint_plus, joint_minus = edge_jumps(
                            sc,
                            point,
                            height,
                            width,
                            tile_size,
                            tiles_x,
                            background,
                            point.own_joint_in,
                            point.own_joint_out,
                            point.own_joint_in,
                            point.own_joint_out,
                        )
                        joint_plus /= ti.f64(point.copies)
                        joint_minus /= ti.f64(point.copies)
                po_lo, po_hi, pj_lo, pj_hi = pixels_beside(point.x, point.y, sx, sy)
                mo_lo, mo_hi, mj_lo, mj_hi = pixels_beside(point.x, point.y, -sx, -sy)
                if ti.static(epsilon):
                    mo_lo, mo_hi, mj_lo, mj_hi = po_lo, po_hi, pj_lo, pj_hi
                weight = 0.5 * point.weight
                k = point.shape
                fits = 1
                if ti.static(tangent):
                    speed = 0.0  # V . n
                    if point.vert_a >= 0:
                        va, vb = point.vert_a, point.vert_b
                        vx = (1.0 - point.t) * velocity_verts[
                            va, 0
                        ] + point.t * velocity_verts[vb, 0]
                        vy = (1.0 - point.t) * velocity_verts[
                            va, 1
                        ] + point.t * velocity_verts[vb, 1]
                        speed = vx * point.nx + vy * point.ny
                    else:
                        c = ti.static(velocity_circle)
                        speed = c[k, 0] * point.nx + c[k, 1] * point.ny + c[k, 2]
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
                        jump_plus * speed * weight,
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
                        jump_minus * speed * weight,
                    )
                else:
                    w_plus = mean_adjoint(adjoint, po_lo, po_hi, pj_lo, pj_hi)
                    w_minus = mean_adjoint(adjoint, mo_lo, mo_hi, mj_lo, mj_hi)
                    g = (w_plus.dot(jump_plus) + w_minus.dot(jump_minus)) * weight
                    normal = vec3_f64(point.nx, point.ny, 0.0)
                    if point.vert_a < 0:
                        if g != 0.0:
                            fits = add_to_slots(
                                slot_row,
                                slot_value,
                                item,
                                circle_row + k,
                                g * vec3_f64(point.nx, point.ny, 1.0),
                            )
                    else:
                        # A vertex whose other edge is a coincident copy of this one (the
                        # tip of a zero-width spike) moves both copies at once: its share
                        # follows the joint rule even when it moves alone.
                        g_joint = g
                        if joint:
                            g_joint = (
                                w_plus.dot(joint_plus) + w_minus.dot(joint_minus)
                            ) * weight
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
# of the two vertices where the edge has coincident copies in its polygon.
TANGENT_SLOTS = 9
ADJOINT_SLOTS = 4  # the two vertices, and their joint-rule rows (coincident copies)
# Work items of one kernel launch hold at most this many slots (28 bytes each): 56 MiB.
MAX_SLOTS = 1 << 21


def _run(
    buffers,
    pieces,
    adjoint,
    velocity_verts,
    velocity_circle,
    *,
    samples,
    seed,
    stratified,
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
    ensure_initialized(arch)
    n_verts = buffers.verts.shape[0]
    n_shapes = buffers.kind.shape[0]
    joint_row = n_verts + n_shapes
    rows = buffers.height * buffers.width if tangent else joint_row + n_verts
    total = np.zeros((rows, 3))
    if pieces.count and samples > 0:
        if stratified:
            first_sample = allocate_samples(pieces, samples)
            samples = int(first_sample[-1])
            num_items = pieces.count
        else:
            first_sample = np.zeros(pieces.count + 1, dtype=np.int32)
            num_items = samples
        per_item = TANGENT_SLOTS if tangent else ADJOINT_SLOTS
        overflow = np.zeros(1, dtype=np.int32)
        adjoint = np.ascontiguousarray(adjoint, dtype=np.float64)
        for first in range(0, num_items, MAX_SLOTS // per_item):
            count = min(MAX_SLOTS // per_item, num_items - first)
            slot_row = np.empty((count, per_item), dtype=np.int32)
            slot_value = np.empty((3, count, per_item))
            _boundary(
                adjoint,
                velocity_verts,
                velocity_circle,
                *buffers.geometry_args(),
                buffers.tile_size,
                buffers.tiles_x,
                vec3_f64(*buffers.background.tolist()),
                pieces.shape,
                pieces.kind,
                pieces.edge,
                pieces.t0,
                pieces.t1,
                pieces.cumulative,
                first_sample,
                samples,
                int(stratified),
                seed & 0xFFFFFFFF,
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
    stratified: bool = True,
    epsilon: bool = False,
    arch: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Boundary term of sum(adjoint * dI/d geometry), in world space, by edge sampling.

    Args:
        buffers: the scene as flat arrays; pieces: its boundary inside the canvas.
        adjoint: `[height, width, 3]` dL/dI.
        samples: number of edge samples M over the whole boundary.
        seed: seed of the counter-based RNG (edge domain).
        stratified: stratify the M samples along the cumulative length (else i.i.d.).
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
        stratified=stratified,
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
    stratified: bool = True,
    epsilon: bool = False,
    rigid: bool = False,
    arch: str = "auto",
) -> np.ndarray:
    """Boundary term of the derivative image dI/dtheta for one direction of motion.

    Args:
        velocity_verts: `[V, 2]` d(world vertex)/dtheta; velocity_circle: `[S, 3]`
            d(centre x, centre y, radius)/dtheta, world space.
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
        stratified=stratified,
        epsilon=epsilon,
        tangent=True,
        rigid=rigid,
        arch=arch,
    )
    return d_image
