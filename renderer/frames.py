"""Shape transforms, vectorised over shapes: local -> world primitives and the adjoint.

Each kind lowers its shapes to primitives (`ShapeKind.local_geometry`): a ring of
local points p_i, or a circle. With pivot c, scale s, rotation R(angle) (clockwise on
screen, y down) and translation tau, a ring's world vertices are

    P_i = R s (p_i - c) + c + tau

and a circle's world centre is c + tau, its world radius radius * s (rotation about
its own centre is moot). `Frames.chain` is the hand-written adjoint `d_transform`: it
maps dL/d(world primitives) to dL/d(named parameters), each kind for its own shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from reynolds.kernels import KIND_CIRCLE
from reynolds.kernels.ragged import expand
from reynolds.scene import Scene
from reynolds.shape_kinds import group_by_kind
from reynolds.shape_protocol import ShapeKind


@dataclass(frozen=True)
class Frames:
    """Local primitives and transforms of every shape (S shapes, V ring vertices).

    Attributes:
        groups: (kind, `[m]` indices of its shapes) for each kind present.
        primitive: `[S]` kernel primitive of each shape (`ShapeKind.primitive`).
        counts: `[S]` ring vertex counts (0 for circles).
        owner: `[V]` shape index of each ring vertex.
        local: `[V, 2]` ring points as written in the scene, pixels.
        pivot: `[S, 2]` the point rotation and scale act about, pixels.
        radius: `[S]` circle radius before scaling (0 for rings).
        scale, angle: `[S]` scale and rotation in radians.
        translate: `[S, 2]`.
    """

    groups: tuple[tuple[ShapeKind, np.ndarray], ...]
    primitive: np.ndarray
    counts: np.ndarray
    owner: np.ndarray
    local: np.ndarray
    pivot: np.ndarray
    radius: np.ndarray
    scale: np.ndarray
    angle: np.ndarray
    translate: np.ndarray

    @property
    def starts(self) -> np.ndarray:
        return np.cumsum(self.counts) - self.counts

    def rotate(
        self, vectors: np.ndarray, owner: np.ndarray, inverse: bool = False
    ) -> np.ndarray:
        """`[N, 2]` `vectors` turned by the rotation (or its inverse) of shapes `owner`."""
        cos, sin = np.cos(self.angle[owner]), np.sin(self.angle[owner])
        if inverse:
            sin = -sin
        return np.column_stack(
            [
                cos * vectors[:, 0] - sin * vectors[:, 1],
                sin * vectors[:, 0] + cos * vectors[:, 1],
            ]
        )

    def world_vertices(self) -> np.ndarray:
        """`[V, 2]` world ring vertices, float64 pixels."""
        o = self.owner
        rel = (self.local - self.pivot[o]) * self.scale[o, None]
        return self.rotate(rel, o) + self.pivot[o] + self.translate[o]

    def world_circles(self) -> np.ndarray:
        """`[S, 3]` world (cx, cy, radius) of circles (zeros for rings)."""
        is_circle = self.primitive == KIND_CIRCLE
        out = np.zeros((self.counts.size, 3))
        out[is_circle, :2] = self.pivot[is_circle] + self.translate[is_circle]
        out[is_circle, 2] = self.radius[is_circle] * self.scale[is_circle]
        return out

    def extent(self) -> np.ndarray:
        """`[S]` largest distance of each shape's boundary from its pivot, world pixels:
        radius x scale for a circle, the farthest ring vertex's for a ring."""
        reach = self.radius.copy()
        distance = np.linalg.norm(self.local - self.pivot[self.owner], axis=1)
        np.maximum.at(reach, self.owner, distance)
        return reach * self.scale

    def world_bounds(self, verts: np.ndarray | None = None) -> np.ndarray:
        """`[S, 4]` world bounds (xmin, ymin, xmax, ymax)."""
        circles = self.world_circles()
        bounds = np.column_stack(
            [circles[:, :2] - circles[:, 2:], circles[:, :2] + circles[:, 2:]]
        )
        verts = self.world_vertices() if verts is None else verts
        rings = np.nonzero(self.counts > 0)[0]
        if rings.size:
            starts = self.starts[rings]
            bounds[rings, :2] = np.minimum.reduceat(verts, starts, axis=0)
            bounds[rings, 2:] = np.maximum.reduceat(verts, starts, axis=0)
        return bounds

    def chain(
        self,
        d_verts: np.ndarray,
        d_circle: np.ndarray,
        d_verts_joint: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """`d_transform`: dL/d(world primitives) -> dL/d(local geometry and transforms),
        each kind chaining its own shapes (`ShapeKind.chain`).

        Args:
            d_verts: `[V, 2]` dL/dP_i, each world vertex moving alone; d_circle: `[S, 3]`
                dL/d(world cx, cy, radius).
            d_verts_joint: `[V, 2]` dL/dP_i for motions that move every vertex of a
                polygon (coincident copies of an edge move together; default d_verts):
                used for translate, rotate, scale and the pivot's share of a point's
                motion (docs/design.md §4.3).
        Returns:
            {"translate": [S, 2], "rotate": [S] (per degree), "scale": [S]} and the
            attributes of each kind present ("points": [V, 2], one row per vertex;
            "center": [S, 2]; "radius": [S]); entries of other kinds' shapes are 0.
        """
        joint = d_verts if d_verts_joint is None else d_verts_joint
        n = self.counts.size
        out = {
            "translate": np.zeros((n, 2)),
            "rotate": np.zeros(n),
            "scale": np.zeros(n),
        }
        for kind, members in self.groups:
            mine = np.zeros(n, dtype=bool)
            mine[members] = True
            for name, value in kind.chain(self, d_verts, d_circle, joint).items():
                rows = mine[self.owner] if name in kind.vertex_attributes else mine
                keep = rows.reshape(-1, *[1] * (value.ndim - 1))
                out[name] = out.get(name, 0.0) + np.where(keep, value, 0.0)
        out["rotate"] = out["rotate"] * (math.pi / 180.0)
        return out


def frames_of(scene: Scene) -> Frames:
    """The `Frames` of every shape of `scene`, read without per-vertex Python work.

    Raises:
        TypeError: a shape of a class no kind handles (`reynolds.shape_kinds`).
    """
    shapes = scene.shapes
    n = len(shapes)
    groups = tuple(group_by_kind(shapes))
    primitive = np.zeros(n, dtype=np.int32)
    counts = np.zeros(n, dtype=np.int64)
    pivot = np.zeros((n, 2))
    radius = np.zeros(n)
    lowered = []
    for kind, members in groups:
        geometry = kind.local_geometry([shapes[k] for k in members])
        primitive[members] = kind.primitive
        counts[members] = geometry.counts
        pivot[members] = geometry.pivot
        radius[members] = geometry.radius
        lowered.append((members, geometry))
    # Ring vertices lie shape after shape, whatever the kind.
    starts = np.cumsum(counts) - counts
    local = np.zeros((int(counts.sum()), 2))
    for members, geometry in lowered:
        owner, offset = expand(geometry.counts)
        local[starts[members][owner] + offset] = geometry.points
    return Frames(
        groups=groups,
        primitive=primitive,
        counts=counts,
        owner=np.repeat(np.arange(n), counts),
        local=local,
        pivot=pivot,
        radius=radius,
        scale=np.array([s.transform.scale for s in shapes], dtype=np.float64),
        angle=np.radians(
            np.array([s.transform.rotate for s in shapes], dtype=np.float64)
        ),
        translate=np.array(
            [s.transform.translate for s in shapes], dtype=np.float64
        ).reshape(n, 2),
    )
