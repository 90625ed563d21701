"""2D affine maps in SVG's convention, and how they lower to scene geometry.

`Affine(a, b, c, d, e, f)` is SVG's `matrix(a b c d e f)`: x' = a x + c y + e,
y' = b x + d y + f, in pixels (y down). A polygon can take any affine map (its points
are mapped); a circle only a conformal one (uniform scale, rotation, reflection), and a
scene `Transform` only a similarity without reflection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reynolds.scene import Transform, Vec2

# Relative tolerance for "this matrix is a similarity": float rounding of composed SVG
# transforms is ~1e-15; anything a person writes on purpose is far above 1e-9.
SIMILARITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Affine:
    """x' = a x + c y + e, y' = b x + d y + f (SVG `matrix(a b c d e f)`)."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 1.0
    e: float = 0.0
    f: float = 0.0

    def __matmul__(self, other: Affine) -> Affine:
        """The map `self` after `other` (SVG lists `A B` mean A @ B)."""
        return Affine(
            self.a * other.a + self.c * other.b,
            self.b * other.a + self.d * other.b,
            self.a * other.c + self.c * other.d,
            self.b * other.c + self.d * other.d,
            self.a * other.e + self.c * other.f + self.e,
            self.b * other.e + self.d * other.f + self.f,
        )

    def apply(self, point: Vec2) -> Vec2:
        """The image of `point` (x, y)."""
        x, y = point
        return (self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f)

    @property
    def det(self) -> float:
        """Determinant of the linear part: the area scale, negative for a mirror."""
        return self.a * self.d - self.b * self.c

    def inverse(self) -> Affine:
        """The inverse map (the caller makes sure `det` is not 0)."""
        det = self.det
        a, b, c, d = self.d / det, -self.b / det, -self.c / det, self.a / det
        return Affine(
            a, b, c, d, -(a * self.e + c * self.f), -(b * self.e + d * self.f)
        )

    def _size(self) -> float:
        return max(abs(self.a), abs(self.b), abs(self.c), abs(self.d))

    def is_identity(self) -> bool:
        return self == Affine()

    def is_similarity(self) -> bool:
        """Rotation and uniform scale, no reflection: what a scene `Transform` holds."""
        tol = SIMILARITY_TOLERANCE * self._size()
        return (
            abs(self.a - self.d) <= tol and abs(self.b + self.c) <= tol and self.det > 0
        )

    def is_conformal(self) -> bool:
        """A similarity, possibly with a reflection: it maps circles to circles."""
        tol = SIMILARITY_TOLERANCE * self._size()
        mirrored = abs(self.a + self.d) <= tol and abs(self.b - self.c) <= tol
        return (self.is_similarity() or mirrored) and self.det != 0

    def scale_factor(self) -> float:
        """sqrt(|det|): the scale of a conformal map (the area scale's root otherwise)."""
        return math.sqrt(abs(self.det))

    def angle(self) -> float:
        """Rotation angle in degrees of a similarity, in (-180, 180]."""
        return math.degrees(math.atan2(self.b, self.a))


def translate(tx: float, ty: float) -> Affine:
    return Affine(e=tx, f=ty)


def scale(sx: float, sy: float) -> Affine:
    return Affine(a=sx, d=sy)


def rotate(degrees: float) -> Affine:
    """Rotation by `degrees`, clockwise on screen (y down), as SVG's rotate()."""
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)
    return Affine(cos, sin, -sin, cos)


def as_transform(similarity: Affine, pivot: Vec2, *, angle: float | None) -> Transform:
    """The scene `Transform` about `pivot` that equals the map `similarity`.

    A scene transform maps p to s R(angle) (p - pivot) + pivot + translate, so
    translate = similarity(pivot) - pivot. `angle` (degrees) overrides the angle read
    from the matrix, which can only say it modulo 360.
    """
    m, (cx, cy) = similarity, pivot
    # similarity(pivot) - pivot, grouped so that a pure translation comes out exactly.
    return Transform(
        translate=(
            (m.a - 1.0) * cx + m.c * cy + m.e,
            m.b * cx + (m.d - 1.0) * cy + m.f,
        ),
        rotate=similarity.angle() if angle is None else angle,
        scale=similarity.scale_factor(),
    )
