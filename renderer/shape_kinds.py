"""The registry of shape kinds: the one list of them, and the one place that refuses
a shape of a class no kind claims (`reynolds.shape_protocol` says what a kind is)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from reynolds.scene import Shape
from reynolds.shape_circle import CircleKind
from reynolds.shape_polygon import PolygonKind
from reynolds.shape_protocol import ShapeKind

KINDS: tuple[ShapeKind, ...] = (PolygonKind(), CircleKind())
# The JSON `type` key resolves through this mapping.
BY_NAME: dict[str, ShapeKind] = {kind.name: kind for kind in KINDS}
_BY_CLASS: dict[type[Shape], ShapeKind] = {kind.cls: kind for kind in KINDS}


def kind_of(shape: Shape) -> ShapeKind:
    """The kind of `shape`, by its exact class.

    Raises:
        TypeError: no kind is registered for the class (a shape class made in code
            without a kind module; a scene file cannot name one).
    """
    kind = _BY_CLASS.get(type(shape))
    if kind is None:
        raise TypeError(
            f"shape {shape.id!r} is a {type(shape).__name__}, which no shape kind "
            f"handles (known: {', '.join(BY_NAME)}; see reynolds.shape_kinds)"
        )
    return kind


def group_by_kind(shapes: Sequence[Shape]) -> list[tuple[ShapeKind, np.ndarray]]:
    """(kind, `[m]` int64 indices of its shapes in `shapes`, ascending) for each kind
    present, in registry order."""
    position = {kind.cls: k for k, kind in enumerate(KINDS)}
    codes = np.array(
        [position.get(type(s), -1) for s in shapes], dtype=np.int64
    ).reshape(-1)
    if codes.size and codes.min() < 0:
        kind_of(shapes[int(np.argmin(codes))])  # raises, naming the shape
    groups = []
    for k, kind in enumerate(KINDS):
        members = np.flatnonzero(codes == k)
        if members.size:
            groups.append((kind, members))
    return groups


def evenodd_mask(shapes: Sequence[Shape]) -> np.ndarray:
    """`[S]` bool: whether each shape is filled by the even-odd rule."""
    return np.array(
        [kind_of(shape).fill_rule(shape) == "evenodd" for shape in shapes], dtype=bool
    )
