"""Shape transforms, vectorised over shapes: local -> world geometry and its adjoint.

For a polygon with local points p_i, pivot c (their mean), scale s, rotation R(angle)
(clockwise on screen, y down) and translation tau:

    P_i = R s (p_i - c) + c + tau

A circle's world centre is center + tau and its world radius radius * s (rotation about
its own centre is moot). `Frames.chain` is the hand-written adjoint `d_transform`: it
maps dL/d(world geometry) to dL/d(named parameters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from reynolds.scene import Circle, Polygon, Scene


@dataclass(frozen=True)
class Frames:
    """Local geometry and transforms of every shape (S shapes, V polygon vertices).

    Attributes:
        counts: `[S]` vertex counts (0 for circles).
        owner: `[V]` shape index of each polygon vertex.
        local: `[V, 2]` polygon points as written in the scene, pixels.
        pivot: `[S, 2]` vertex mean (polygons) or centre (circles).
        radius: `[S]` circle radius before scaling (0 for polygons).
        scale, angle: `[S]` scale and rotation in radians.
        translate: `[S, 2]`.
    """

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

    def _rotate(
        self, vectors: np.ndarray, owner: np.ndarray, inverse: bool = False
    ) -> np.ndarray:
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
        """`[V, 2]` world polygon vertices, float64 pixels."""
        o = self.owner
        rel = (self.local - self.pivot[o]) * self.scale[o, None]
        return self._rotate(rel, o) + self.pivot[o] + self.translate[o]

    def world_circles(self) -> np.ndarray:
        """`[S, 3]` world (cx, cy, radius) of circles (zeros for polygons)."""
        is_circle = self.counts == 0
        out = np.zeros((self.counts.size, 3))
        out[is_circle, :2] = self.pivot[is_circle] + self.translate[is_circle]
        out[is_circle, 2] = self.radius[is_circle] * self.scale[is_circle]
        return out

    def world_bounds(self, verts: np.ndarray | None = None) -> np.ndarray:
        """`[S, 4]` world bounds (xmin, ymin, xmax, ymax)."""
        circles = self.world_circles()
        bounds = np.column_stack(
            [circles[:, :2] - circles[:, 2:], circles[:, :2] + circles[:, 2:]]
        )
        verts = self.world_vertices() if verts is None else verts
        polygons = np.nonzero(self.counts > 0)[0]
        if polygons.size:
            starts = self.starts[polygons]
            bounds[polygons, :2] = np.minimum.reduceat(verts, starts, axis=0)
            bounds[polygons, 2:] = np.maximum.reduceat(verts, starts, axis=0)
        return bounds

    def chain(
        self,
        d_verts: np.ndarray,
        d_circle: np.ndarray,
        d_verts_joint: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """`d_transform`: dL/d(world geometry) -> dL/d(local geometry and transforms).

        Args:
            d_verts: `[V, 2]` dL/dP_i, each world vertex moving alone; d_circle: `[S, 3]`
                dL/d(world cx, cy, radius).
            d_verts_joint: `[V, 2]` dL/dP_i for motions that move every vertex of a
                polygon (coincident copies of an edge move together; default d_verts):
                used for translate, rotate, scale and the pivot's share of a point's
                motion (docs/design.md §4.3).
        Returns:
            {"points": [V, 2], "center": [S, 2], "radius": [S], "translate": [S, 2],
            "rotate": [S] (per degree), "scale": [S]}; entries of the other kind are 0.
        """
        o = self.owner
        n = self.counts.size
        is_circle = self.counts == 0
        joint = d_verts if d_verts_joint is None else d_verts_joint
        d_sum = np.zeros((n, 2))
        np.add.at(d_sum, o, joint)  # sum_i dL/dP_i per polygon, all moving together
        rel = self.local - self.pivot[o]
        s = self.scale
        # dP_i/dp_j = s R delta_ij + (I - s R) / N
        d_points = s[o, None] * self._rotate(d_verts, o, inverse=True)
        mean_term = (
            d_sum - s[:, None] * self._rotate(d_sum, np.arange(n), inverse=True)
        ) / np.maximum(self.counts, 1)[:, None]
        d_points += mean_term[o]
        # dP_i/dangle = R' s (p_i - c), R' = d R / d angle; dP_i/ds = R (p_i - c)
        cos, sin = np.cos(self.angle[o]), np.sin(self.angle[o])
        q = rel * s[o, None]
        dr = np.column_stack(
            [-sin * q[:, 0] - cos * q[:, 1], cos * q[:, 0] - sin * q[:, 1]]
        )
        d_angle = np.zeros(n)
        np.add.at(d_angle, o, (joint * dr).sum(axis=1))
        d_scale = np.zeros(n)
        np.add.at(d_scale, o, (joint * self._rotate(rel, o)).sum(axis=1))

        d_translate = d_sum.copy()
        d_translate[is_circle] = d_circle[is_circle, :2]
        d_center = np.where(is_circle[:, None], d_circle[:, :2], 0.0)
        d_radius = np.where(is_circle, d_circle[:, 2] * s, 0.0)
        d_scale = np.where(is_circle, d_circle[:, 2] * self.radius, d_scale)
        return {
            "points": d_points,
            "center": d_center,
            "radius": d_radius,
            "translate": d_translate,
            "rotate": d_angle * (math.pi / 180.0),
            "scale": d_scale,
        }


def frames_of(scene: Scene) -> Frames:
    """The `Frames` of every shape of `scene`, read without per-vertex Python work."""
    shapes = scene.shapes
    n = len(shapes)
    counts = np.array(
        [len(s.points) if isinstance(s, Polygon) else 0 for s in shapes], dtype=np.int64
    )
    local = np.array(
        [p for s in shapes if isinstance(s, Polygon) for p in s.points],
        dtype=np.float64,
    ).reshape(-1, 2)
    owner = np.repeat(np.arange(n), counts)
    pivot = np.zeros((n, 2))
    if local.size:
        np.add.at(pivot, owner, local)
        pivot[counts > 0] /= counts[counts > 0, None]
    circles = [k for k, s in enumerate(shapes) if isinstance(s, Circle)]
    radius = np.zeros(n)
    if circles:
        pivot[circles] = [shapes[k].center for k in circles]
        radius[circles] = [shapes[k].radius for k in circles]
    return Frames(
        counts=counts,
        owner=owner,
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
