"""The polygon kind: a closed ring of points, lowered to the kernels' vertex rings.

Parameters `points` `[N, 2]` (and `points[k]`); pivot = vertex mean. With scale s,
rotation R and translation tau the world vertices are P_i = R s (p_i - c) + c + tau
(`reynolds.frames`), whose adjoint is `chain`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from reynolds import json_fields as jf
from reynolds.errors import SceneError
from reynolds.kernels import KIND_POLYGON
from reynolds.limits import (
    MAX_COORDINATE,
    MAX_POLYGON_POINTS,
    component_outside,
    first_outside,
    range_text,
)
from reynolds.rings import Box, clip_ring
from reynolds.scene import FILL_RULES, Polygon
from reynolds.shape_protocol import Fault, LocalGeometry

if TYPE_CHECKING:
    from reynolds.frames import Frames


def _too_many_points(count: int) -> str:
    return (
        f"a polygon has at most {MAX_POLYGON_POINTS:,} points (the kernels' cost "
        f"grows with them), got {count:,}"
    )


class PolygonKind:
    """`reynolds.shape_protocol.ShapeKind` of `Polygon`."""

    name = "polygon"
    cls = Polygon
    attributes = ("points",)
    vertex_attributes = ("points",)
    primitive = KIND_POLYGON
    required_keys = ("points",)
    optional_keys = ("fill_rule",)

    def parse(self, data: dict, path: str) -> dict[str, Any]:
        points_path = jf.join_path(path, "points")
        raw = data["points"]
        if not isinstance(raw, list):
            raise jf.fail(
                points_path,
                f"expected an array of [x, y] points, got {jf.describe(raw)}",
            )
        if len(raw) < 3:
            raise jf.fail(
                points_path, f"a polygon needs at least 3 points, got {len(raw)}"
            )
        if len(raw) > MAX_POLYGON_POINTS:
            raise jf.fail(points_path, _too_many_points(len(raw)))
        out: dict[str, Any] = {
            "points": tuple(
                jf.vector(p, jf.join_path(points_path, i), 2, "a point [x, y]")
                for i, p in enumerate(raw)
            )
        }
        if "fill_rule" in data:
            out["fill_rule"] = jf.choice(
                data["fill_rule"], jf.join_path(path, "fill_rule"), FILL_RULES
            )
        return out

    def to_json(self, shape: Polygon) -> dict[str, Any]:
        out: dict[str, Any] = {"points": [jf.plain_vector(p) for p in shape.points]}
        if shape.fill_rule != "nonzero":
            out["fill_rule"] = shape.fill_rule
        return out

    def svg_element(
        self, shape: Polygon, number: Callable[[float], str]
    ) -> tuple[str, dict[str, str]]:
        points = " ".join(f"{number(x)},{number(y)}" for x, y in shape.points)
        return "polygon", {"points": points}

    def fill_rule(self, shape: Polygon) -> str:
        return shape.fill_rule

    def check_size(self, shape: Polygon, path: str) -> None:
        if len(shape.points) > MAX_POLYGON_POINTS:
            raise SceneError(
                _too_many_points(len(shape.points)), where=f"{path}.points"
            )

    def local_geometry(self, shapes: Sequence[Polygon]) -> LocalGeometry:
        counts = np.array([len(s.points) for s in shapes], dtype=np.int64)
        points = np.array(
            [p for s in shapes for p in s.points], dtype=np.float64
        ).reshape(-1, 2)
        pivot = np.zeros((len(shapes), 2))
        np.add.at(pivot, np.repeat(np.arange(len(shapes)), counts), points)
        pivot /= np.maximum(counts, 1)[:, None]
        return LocalGeometry(counts, points, pivot, np.zeros(len(shapes)))

    def limit_faults(self, frames: Frames, members: np.ndarray) -> list[Fault]:
        mine = np.zeros(frames.counts.size, dtype=bool)
        mine[members] = True
        local = np.where(mine[frames.owner, None], frames.local, 0.0)
        v = first_outside(local, -MAX_COORDINATE, MAX_COORDINATE)
        if v is None:
            return []
        k = int(frames.owner[v])
        c, value = component_outside(local[v], -MAX_COORDINATE, MAX_COORDINATE)
        return [
            (
                k,
                1,
                f"shapes[{k}].points[{v - frames.starts[k]}][{c}]",
                f"must lie {range_text(-MAX_COORDINATE, MAX_COORDINATE, ' px')}, "
                f"got {value:g}",
            )
        ]

    def chain(
        self,
        frames: Frames,
        d_verts: np.ndarray,
        d_circle: np.ndarray,
        d_joint: np.ndarray,
    ) -> dict[str, np.ndarray]:
        o = frames.owner
        n = frames.counts.size
        d_sum = np.zeros((n, 2))
        np.add.at(d_sum, o, d_joint)  # sum_i dL/dP_i per polygon, all moving together
        rel = frames.local - frames.pivot[o]
        s = frames.scale
        # dP_i/dp_j = s R delta_ij + (I - s R) / N
        d_points = s[o, None] * frames.rotate(d_verts, o, inverse=True)
        mean_term = (
            d_sum - s[:, None] * frames.rotate(d_sum, np.arange(n), inverse=True)
        ) / np.maximum(frames.counts, 1)[:, None]
        d_points += mean_term[o]
        # dP_i/dangle = R' s (p_i - c), R' = d R / d angle; dP_i/ds = R (p_i - c)
        cos, sin = np.cos(frames.angle[o]), np.sin(frames.angle[o])
        q = rel * s[o, None]
        dr = np.column_stack(
            [-sin * q[:, 0] - cos * q[:, 1], cos * q[:, 0] - sin * q[:, 1]]
        )
        d_angle = np.zeros(n)
        np.add.at(d_angle, o, (d_joint * dr).sum(axis=1))
        d_scale = np.zeros(n)
        np.add.at(d_scale, o, (d_joint * frames.rotate(rel, o)).sum(axis=1))
        return {
            "points": d_points,
            "translate": d_sum,
            "rotate": d_angle,
            "scale": d_scale,
        }

    def exact_ring(
        self, vertices: np.ndarray, circle: np.ndarray, segments: int, box: Box
    ) -> np.ndarray:
        return clip_ring(vertices, box)
