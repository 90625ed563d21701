"""The scene model: frozen dataclasses for a canvas and a back-to-front stack of shapes.

Coordinates are pixels, x to the right, y downwards, origin at the top-left corner of
the canvas (scene format version 1). Every numeric attribute is stored as plain Python
floats in tuples so that scenes are hashable, comparable and safe to share.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

Vec2 = tuple[float, float]
RGB = tuple[float, float, float]

FILL_RULES = ("nonzero", "evenodd")
ROLES = ("shape", "occluder")
MAX_PIXELS = 16_777_216


@dataclass(frozen=True)
class Transform:
    """Similarity transform about a shape's pivot: scale, then rotate, then translate.

    `rotate` is in degrees; a positive angle turns clockwise on screen (y points down):
    x' = x cos a - y sin a, y' = x sin a + y cos a.
    """

    translate: Vec2 = (0.0, 0.0)
    rotate: float = 0.0
    scale: float = 1.0

    def is_identity(self) -> bool:
        return self == Transform()


@dataclass(frozen=True)
class Shape:
    """Attributes shared by every shape kind."""

    id: str
    fill: RGB
    opacity: float = 1.0
    role: str = "shape"
    transform: Transform = field(default_factory=Transform)


@dataclass(frozen=True)
class Polygon(Shape):
    """A closed polygon, concave or self-intersecting, filled by `fill_rule`."""

    points: tuple[Vec2, ...] = ()
    fill_rule: str = "nonzero"

    def pivot(self) -> Vec2:
        """Vertex mean of the untransformed points, in pixels."""
        n = len(self.points)
        return (sum(p[0] for p in self.points) / n, sum(p[1] for p in self.points) / n)


@dataclass(frozen=True)
class Circle(Shape):
    """A filled disc of `radius` pixels about `center`."""

    center: Vec2 = (0.0, 0.0)
    radius: float = 1.0

    def pivot(self) -> Vec2:
        return self.center


@dataclass(frozen=True)
class Canvas:
    """Image size in pixels and the RGB background colour (linear floats)."""

    width: int
    height: int
    background: RGB = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class Scene:
    """A canvas and its shapes, listed back to front (later shapes are drawn on top)."""

    canvas: Canvas
    shapes: tuple[Shape, ...] = ()
    description: str | None = None

    @functools.cached_property
    def index_of(self) -> dict[str, int]:
        """Shape id -> position in `shapes` (back to front)."""
        return {s.id: k for k, s in enumerate(self.shapes)}

    def shape(self, shape_id: str) -> Shape:
        return self.shapes[self.index_of[shape_id]]

    def replace_shape(self, new: Shape) -> Scene:
        """A copy of the scene with the shape of the same id replaced by `new`."""
        shapes = tuple(new if s.id == new.id else s for s in self.shapes)
        return dataclasses.replace(self, shapes=shapes)
