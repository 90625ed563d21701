"""The circle kind: a filled disc, lowered to the kernels' circle (cx, cy, r).

Parameters `center` `[2]` and `radius` `[]`; pivot = centre. The world circle is
(center + tau, radius s): rotation about its own centre is moot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from reynolds import json_fields as jf
from reynolds.kernels import KIND_CIRCLE
from reynolds.limits import MAX_COORDINATE, MIN_RADIUS, range_fault
from reynolds.rings import Box, circle_ring
from reynolds.scene import Circle
from reynolds.shape_protocol import Fault, LocalGeometry

if TYPE_CHECKING:
    from reynolds.frames import Frames


class CircleKind:
    """`reynolds.shape_protocol.ShapeKind` of `Circle`."""

    name = "circle"
    cls = Circle
    attributes = ("center", "radius")
    vertex_attributes = ()
    primitive = KIND_CIRCLE
    required_keys = ("center", "radius")
    optional_keys = ()

    def parse(self, data: dict, path: str) -> dict[str, Any]:
        return {
            "center": jf.vector(
                data["center"], jf.join_path(path, "center"), 2, "a point [x, y]"
            ),
            "radius": jf.positive(data["radius"], jf.join_path(path, "radius")),
        }

    def to_json(self, shape: Circle) -> dict[str, Any]:
        return {
            "center": jf.plain_vector(shape.center),
            "radius": jf.plain_number(shape.radius),
        }

    def svg_element(
        self, shape: Circle, number: Callable[[float], str]
    ) -> tuple[str, dict[str, str]]:
        return "circle", {
            "cx": number(shape.center[0]),
            "cy": number(shape.center[1]),
            "r": number(shape.radius),
        }

    def fill_rule(self, shape: Circle) -> str:
        return "nonzero"

    def check_size(self, shape: Circle, path: str) -> None:
        """A circle's size is one number, checked with the other values."""

    def local_geometry(self, shapes: Sequence[Circle]) -> LocalGeometry:
        m = len(shapes)
        return LocalGeometry(
            counts=np.zeros(m, dtype=np.int64),
            points=np.zeros((0, 2)),
            pivot=np.array([s.center for s in shapes], dtype=np.float64).reshape(m, 2),
            radius=np.array([s.radius for s in shapes], dtype=np.float64),
        )

    def limit_faults(self, frames: Frames, members: np.ndarray) -> list[Fault]:
        mine = np.zeros(frames.counts.size, dtype=bool)
        mine[members] = True
        faults = [
            range_fault(
                1, frames.pivot, -MAX_COORDINATE, MAX_COORDINATE, "center", " px", mine
            ),
            range_fault(
                2, frames.radius, MIN_RADIUS, MAX_COORDINATE, "radius", " px", mine
            ),
        ]
        return [fault for fault in faults if fault is not None]

    def chain(
        self,
        frames: Frames,
        d_verts: np.ndarray,
        d_circle: np.ndarray,
        d_joint: np.ndarray,
    ) -> dict[str, np.ndarray]:
        # d(cx, cy)/d(center) = d(cx, cy)/d(translate) = I; dr/dradius = s,
        # dr/ds = radius.
        return {
            "center": d_circle[:, :2].copy(),
            "radius": d_circle[:, 2] * frames.scale,
            "translate": d_circle[:, :2].copy(),
            "scale": d_circle[:, 2] * frames.radius,
        }

    def exact_ring(
        self, vertices: np.ndarray, circle: np.ndarray, segments: int, box: Box
    ) -> np.ndarray:
        return circle_ring(circle[:2], circle[2], segments, box)
