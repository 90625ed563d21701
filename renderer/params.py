"""Scene parameters addressed by dotted names, and a flat-vector view for optimizers.

Names (scene format, "Parameters"): `<id>.points` `[N, 2]`, `<id>.points[k]` `[2]`,
`<id>.center` `[2]`, `<id>.radius` `[]`, `<id>.fill` `[3]`, `<id>.opacity` `[]`,
`<id>.translate` `[2]`, `<id>.rotate` `[]` (degrees), `<id>.scale` `[]`, and
`background` `[3]`. Transform parameters exist for every shape, with or without a
`transform` in its JSON. Values are float64 NumPy arrays of the parameter's shape.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from reynolds.errors import SceneError
from reynolds.scene import Scene, Shape
from reynolds.shape_kinds import KINDS, kind_of

BACKGROUND = "background"
SHAPE_ATTRIBUTES = ("fill", "opacity", "translate", "rotate", "scale")
TRANSFORM_ATTRIBUTES = ("translate", "rotate", "scale")
# Attributes with one row per vertex, which take an index: `<id>.points[k]`.
VERTEX_ATTRIBUTES = tuple(a for kind in KINDS for a in kind.vertex_attributes)
GEOMETRY_ATTRIBUTES = (
    tuple(a for kind in KINDS for a in kind.attributes) + TRANSFORM_ATTRIBUTES
)


def shape_attributes(shape: Shape) -> tuple[str, ...]:
    """The parameter attributes of `shape`: its kind's own, then every shape's."""
    return kind_of(shape).attributes + SHAPE_ATTRIBUTES


_NAME = re.compile(r"^(?P<id>.+)\.(?P<attr>[a-z_]+)(?:\[(?P<index>\d+)\])?$")


@dataclass(frozen=True)
class ParamRef:
    """A parsed parameter name: the shape id (None for the background), attribute, index."""

    name: str
    shape_id: str | None
    attribute: str
    index: int | None = None

    @property
    def is_geometry(self) -> bool:
        return self.attribute in GEOMETRY_ATTRIBUTES


def parse_name(scene: Scene, name: str) -> ParamRef:
    """Resolve a parameter name against `scene`.

    Raises:
        SceneError: unknown shape id, attribute, or point index.
    """
    if name == BACKGROUND:
        return ParamRef(name, None, BACKGROUND)
    match = _NAME.match(name)
    if not match:
        raise SceneError(
            f"not a parameter name: {name!r} (expected <id>.<attribute> or background)"
        )
    shape_id, attribute, index = match["id"], match["attr"], match["index"]
    try:
        shape = scene.shape(shape_id)
    except KeyError:
        known = ", ".join(repr(shape.id) for shape in scene.shapes[:20])
        more = f" and {len(scene.shapes) - 20} more" if len(scene.shapes) > 20 else ""
        raise SceneError(
            f"unknown parameter {name!r}: no shape with id {shape_id!r} "
            f"(ids: {known or 'none'}{more})"
        ) from None
    allowed = shape_attributes(shape)
    if attribute not in allowed:
        raise SceneError(
            f"unknown parameter {name!r}: a {kind_of(shape).name} has {', '.join(allowed)}"
        )
    if index is not None:
        if attribute not in kind_of(shape).vertex_attributes:
            raise SceneError(
                f"unknown parameter {name!r}: only {', '.join(VERTEX_ATTRIBUTES)} "
                "take an index"
            )
        size = len(getattr(shape, attribute))
        if int(index) >= size:
            raise SceneError(
                f"unknown parameter {name!r}: {shape_id!r} has {size} {attribute}"
            )
        return ParamRef(name, shape_id, attribute, int(index))
    return ParamRef(name, shape_id, attribute)


def disjoint_names(scene: Scene, names: Iterable[str]) -> list[str]:
    """`names` without repeats, each resolved against `scene`, none part of another.

    Raises:
        SceneError: an unknown name, or `<id>.points[k]` next to the whole `<id>.points`
            (setting both would write the vertex twice and count its gradient twice).
    """
    names = list(dict.fromkeys(names))
    refs = [parse_name(scene, n) for n in names]
    whole = {(r.shape_id, r.attribute) for r in refs if r.index is None}
    for ref in refs:
        if ref.index is not None and (ref.shape_id, ref.attribute) in whole:
            raise SceneError(
                f"parameters overlap: {ref.name!r} is part of {ref.shape_id}.{ref.attribute}"
            )
    return names


def component_labels(name: str, value: np.ndarray) -> list[tuple[str, tuple]]:
    """(label, index) of every scalar component of parameter `name` with value `value`:
    `name` itself for a scalar, `name[i]` or `name[i][j]` for arrays (C order)."""
    if value.ndim == 0:
        return [(name, ())]
    return [
        (name + "".join(f"[{i}]" for i in idx), idx) for idx in np.ndindex(value.shape)
    ]


def param_names(
    scene: Scene, *, geometry_only: bool = False, include_occluders: bool = True
) -> list[str]:
    """Every parameter name of `scene` (whole `points`, not per-vertex), shapes in order.

    Args:
        geometry_only: only positions, radii and transforms.
        include_occluders: also the parameters of shapes with role "occluder".
    """
    names = [] if geometry_only else [BACKGROUND]
    for shape in scene.shapes:
        if shape.role == "occluder" and not include_occluders:
            continue
        for attribute in shape_attributes(shape):
            if not geometry_only or attribute in GEOMETRY_ATTRIBUTES:
                names.append(f"{shape.id}.{attribute}")
    return names


def get_param(scene: Scene, name: str) -> np.ndarray:
    """The value of parameter `name` as a float64 array of its shape."""
    ref = parse_name(scene, name)
    if ref.shape_id is None:
        return np.array(scene.canvas.background, dtype=np.float64)
    shape = scene.shape(ref.shape_id)
    if ref.attribute in TRANSFORM_ATTRIBUTES:
        value = getattr(shape.transform, ref.attribute)
    else:
        value = getattr(shape, ref.attribute)
    array = np.array(value, dtype=np.float64)
    return array[ref.index] if ref.index is not None else array


def _as_tuple(array: np.ndarray):
    return float(array) if array.ndim == 0 else tuple(_as_tuple(a) for a in array)


def _checked(name: str, attribute: str, value: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(value)):
        raise SceneError(f"parameter {name!r} must be finite")
    if attribute in ("radius", "scale") and value <= 0:
        raise SceneError(f"parameter {name!r} must be positive, got {float(value):g}")
    if attribute == "opacity" and not 0.0 <= value <= 1.0:
        raise SceneError(f"parameter {name!r} must lie in [0, 1], got {float(value):g}")
    return value


def set_param(scene: Scene, name: str, value) -> Scene:
    """A copy of `scene` with parameter `name` set to `value` (same shape as `get_param`).

    Raises:
        SceneError: wrong shape, non-finite, or outside the limits of the scene format.
    """
    ref = parse_name(scene, name)
    old = get_param(scene, name)
    new = np.asarray(value, dtype=np.float64)
    if new.shape != old.shape:
        raise SceneError(
            f"parameter {name!r} has shape {old.shape}, got a value of shape {new.shape}"
        )
    new = _checked(name, ref.attribute, new)
    if ref.shape_id is None:
        return dataclasses.replace(
            scene, canvas=dataclasses.replace(scene.canvas, background=_as_tuple(new))
        )
    shape = scene.shape(ref.shape_id)
    if ref.attribute in TRANSFORM_ATTRIBUTES:
        transform = dataclasses.replace(
            shape.transform, **{ref.attribute: _as_tuple(new)}
        )
        return scene.replace_shape(dataclasses.replace(shape, transform=transform))
    if ref.index is not None:
        rows = np.array(getattr(shape, ref.attribute), dtype=np.float64)
        rows[ref.index] = new
        new = rows
    return scene.replace_shape(
        dataclasses.replace(shape, **{ref.attribute: _as_tuple(new)})
    )


class ParamVector:
    """A fixed list of parameters laid end to end in one float64 vector.

    `flatten(scene)` reads them, `unflatten(scene, vector)` writes them back, `split`
    turns a vector (a gradient, say) into `{name: array}` and `join` does the reverse.
    """

    def __init__(self, scene: Scene, names: Iterable[str]):
        self.names = list(dict.fromkeys(names))
        self.shapes = [get_param(scene, n).shape for n in self.names]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)

    @property
    def size(self) -> int:
        return int(self.offsets[-1])

    def flatten(self, scene: Scene) -> np.ndarray:
        return self.join({n: get_param(scene, n) for n in self.names})

    def unflatten(self, scene: Scene, vector: np.ndarray) -> Scene:
        for name, value in self.split(vector).items():
            scene = set_param(scene, name, value)
        return scene

    def split(self, vector: np.ndarray) -> dict[str, np.ndarray]:
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != (self.size,):
            raise ValueError(
                f"expected a vector of {self.size} values, got shape {vector.shape}"
            )
        return {
            n: vector[a:b].reshape(s)
            for n, s, a, b in zip(
                self.names,
                self.shapes,
                self.offsets[:-1],
                self.offsets[1:],
                strict=True,
            )
        }

    def join(self, values: dict[str, np.ndarray]) -> np.ndarray:
        if not self.names:
            return np.zeros(0)
        return np.concatenate(
            [np.asarray(values[n], dtype=np.float64).ravel() for n in self.names]
        )
