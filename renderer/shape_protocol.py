"""What a shape kind module provides (`reynolds.shape_polygon`, `reynolds.shape_circle`).

A kind is everything the renderer knows about one JSON `type`: its dataclass, its JSON
keys, its parameter attributes, how it is lowered to the kernels' primitives (a ring
of vertices, or a circle (cx, cy, r)), its exact-reference ring, its limits, and how
the adjoint of its primitives chains back to its named parameters. The registry
(`reynolds.shape_kinds`) is the only place that lists the kinds; every other module
asks it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
from reynolds.scene import Shape

if TYPE_CHECKING:
    from reynolds.frames import Frames
    from reynolds.rings import Box

# (shape index, check order, JSON path, message): `check_scene_limits` reports the
# smallest, i.e. the first faulty shape and its first faulty value.
Fault = tuple[int, int, str, str]


class LocalGeometry(NamedTuple):
    """The untransformed primitives of m shapes of one kind, in their order.

    Attributes:
        counts: `[m]` vertices of each shape's ring (0 for a circle primitive).
        points: `[sum(counts), 2]` float64 ring vertices as written, pixels.
        pivot: `[m, 2]` the point rotation and scale act about, pixels.
        radius: `[m]` circle radius before scaling (0 for a ring primitive), pixels.
    """

    counts: np.ndarray
    points: np.ndarray
    pivot: np.ndarray
    radius: np.ndarray


class ShapeKind(Protocol):
    """One shape kind. Arrays over shapes are `[S]` for the whole scene; a kind only
    answers for its own shapes (`members`), rows of other kinds are ignored."""

    name: str  # the JSON `type`
    cls: type[Shape]
    attributes: tuple[str, ...]  # its own parameter attributes (all geometric)
    vertex_attributes: tuple[str, ...]  # those of them with one row per ring vertex
    primitive: int  # kernel primitive: reynolds.kernels.KIND_POLYGON or KIND_CIRCLE
    required_keys: tuple[str, ...]  # JSON keys besides id, type, fill
    optional_keys: tuple[str, ...]  # JSON keys besides opacity, role, transform

    def parse(self, data: dict, path: str) -> dict[str, Any]:
        """Its own constructor arguments read from the JSON object at `path`."""

    def to_json(self, shape: Shape) -> dict[str, Any]:
        """Its own JSON keys (defaults left out), in file order."""

    def svg_element(
        self, shape: Shape, number: Callable[[float], str]
    ) -> tuple[str, dict[str, str]]:
        """(SVG tag, its geometry attributes), numbers written by `number`."""

    def fill_rule(self, shape: Shape) -> str:
        """ "nonzero" or "evenodd"."""

    def check_size(self, shape: Shape, path: str) -> None:
        """Raise `SceneError` at `path` if the shape is too large for the kernels,
        before any array of its geometry is built."""

    def local_geometry(self, shapes: Sequence[Shape]) -> LocalGeometry:
        """The lowering: untransformed primitives of `shapes` (all of this kind)."""

    def limit_faults(self, frames: Frames, members: np.ndarray) -> list[Fault]:
        """Faults of its own values beyond `reynolds.limits` (order 1: positions,
        2: sizes), for the shapes `members`."""

    def chain(
        self,
        frames: Frames,
        d_verts: np.ndarray,
        d_circle: np.ndarray,
        d_joint: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """`d_transform` of its shapes: dL/d(world primitives) -> dL/d(its attributes
        and translate, rotate (per radian), scale; those it leaves out are 0).
        `vertex_attributes` are `[V, ...]`, one row per ring vertex, the rest `[S, ...]`;
        only the rows of its own shapes are kept. See `Frames.chain` for the arguments."""

    def exact_ring(
        self, vertices: np.ndarray, circle: np.ndarray, segments: int, box: Box
    ) -> np.ndarray:
        """The shape's outline for the exact reference, clipped to `box`, from its
        world ring `vertices` `[N, 2]` or world `circle` (cx, cy, r) and the sides
        `segments` of a circle's polygon (`reynolds.rings`)."""
