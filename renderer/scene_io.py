"""JSON <-> validated scene (scene format version 1).

Every fault is reported as one `SceneError` naming the file and the JSON path of the
fault (for example `shapes[2].radius`); nothing is half-built or half-written.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from reynolds.atomic import write_atomic
from reynolds.errors import MAX_ECHO, SceneError, echo, shorten
from reynolds.input_files import MiB, read_input
from reynolds.limits import MAX_POLYGON_POINTS, check_scene_limits
from reynolds.scene import (
    FILL_RULES,
    KIND_NAMES,
    MAX_PIXELS,
    ROLES,
    SHAPE_KINDS,
    Canvas,
    Circle,
    Polygon,
    Scene,
    Shape,
    Transform,
)

FORMAT_VERSION = 1
# A scene file larger than this is refused before it is decoded: 64 MiB of JSON is a few
# million points, and decoding costs about ten times its size in memory.
MAX_SCENE_BYTES = 64 * MiB


class _NonFinite:
    """Stands in for the JSON extensions NaN / Infinity so the validator can name their path."""

    def __init__(self, literal: str):
        self.literal = literal


class _Object(dict):
    """A JSON object that remembers keys given more than once (json keeps only the last)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj.duplicates = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    return obj


def _decode(text: str) -> Any:
    return json.loads(text, parse_constant=_NonFinite, object_pairs_hook=_object_pairs)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = shorten(key)  # an unknown key may be anything, a megabyte long
    return f"{path}.{key}" if path else key


def _fail(path: str, message: str) -> SceneError:
    return SceneError(message, where=path or "(top level)")


def _describe(value: Any) -> str:
    if isinstance(value, _NonFinite):
        return value.literal
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {echo(value)}"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return shorten(repr(value), MAX_ECHO)


_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f]")


def _text(value: Any, path: str, *, single_line: bool) -> str:
    """A string of Unicode text: no unpaired surrogates (JSON allows "\\ud800", UTF-8
    does not), and for names no control characters either."""
    if not isinstance(value, str):
        raise _fail(path, f"expected a string, got {_describe(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise _fail(
            path,
            f"not Unicode text: unpaired surrogate {value[error.start]!r} "
            f"at character {error.start}",
        ) from None
    control = _CONTROL.search(value) if single_line else None
    if control:
        raise _fail(
            path,
            f"control character {control[0]!r} at character {control.start()} "
            "of a name",
        )
    return value


def _fields(
    value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict:
    if not isinstance(value, dict):
        raise _fail(path, f"expected an object, got {_describe(value)}")
    for key in getattr(value, "duplicates", ()):
        raise _fail(_join(path, key), "key given more than once")
    for key in value:
        if key not in required and key not in optional:
            allowed = ", ".join(required + optional)
            raise _fail(_join(path, key), f"unknown key (allowed here: {allowed})")
    for key in required:
        if key not in value:
            raise _fail(_join(path, key), "required key is missing")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, _NonFinite):
        raise _fail(path, f"{value.literal} is not allowed: numbers must be finite")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, f"expected a number, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _fail(path, "number is not finite (NaN, infinity or overflow)")
    if abs(number) < sys.float_info.min:
        # A subnormal number reads as 0: `ti.init` turns on flush-to-zero for the
        # process, after which Python itself parses 1e-310 as 0, so that a scene would
        # load differently before and after the first render.
        return 0.0
    return number


def _positive(value: Any, path: str) -> float:
    number = _number(value, path)
    if number <= 0:
        raise _fail(path, f"must be positive, got {number:g}")
    return number


def _positive_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"expected a positive integer, got {_describe(value)}")
    if value <= 0:
        raise _fail(path, f"must be a positive integer, got {value}")
    return value


def _vector(value: Any, path: str, size: int, what: str) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != size:
        got = f"{len(value)} values" if isinstance(value, list) else _describe(value)
        raise _fail(path, f"expected {what} of {size} numbers, got {got}")
    return tuple(_number(v, _join(path, i)) for i, v in enumerate(value))


def _choice(value: Any, path: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise _fail(
            path, f"must be one of {', '.join(allowed)}; got {_describe(value)}"
        )
    return value


def _transform(value: Any, path: str) -> Transform:
    data = _fields(value, path, (), ("translate", "rotate", "scale"))
    t = Transform()
    return Transform(
        translate=_vector(data["translate"], _join(path, "translate"), 2, "[tx, ty]")
        if "translate" in data
        else t.translate,
        rotate=_number(data["rotate"], _join(path, "rotate"))
        if "rotate" in data
        else t.rotate,
        scale=_positive(data["scale"], _join(path, "scale"))
        if "scale" in data
        else t.scale,
    )


_COMMON_OPTIONAL = ("opacity", "role", "transform")


def _common(data: dict, path: str) -> dict:
    common: dict[str, Any] = {
        "id": data["id"],
        "fill": _vector(data["fill"], _join(path, "fill"), 3, "an RGB colour"),
    }
    if "opacity" in data:
        opacity = _number(data["opacity"], _join(path, "opacity"))
        if not 0.0 <= opacity <= 1.0:
            raise _fail(_join(path, "opacity"), f"must lie in [0, 1], got {opacity:g}")
        common["opacity"] = opacity
    if "role" in data:
        common["role"] = _choice(data["role"], _join(path, "role"), ROLES)
    if "transform" in data:
        common["transform"] = _transform(data["transform"], _join(path, "transform"))
    return common


def _polygon(data: dict, path: str) -> Polygon:
    _fields(
        data, path, ("id", "type", "points", "fill"), _COMMON_OPTIONAL + ("fill_rule",)
    )
    points_path = _join(path, "points")
    raw = data["points"]
    if not isinstance(raw, list):
        raise _fail(
            points_path, f"expected an array of [x, y] points, got {_describe(raw)}"
        )
    if len(raw) < 3:
        raise _fail(points_path, f"a polygon needs at least 3 points, got {len(raw)}")
    if len(raw) > MAX_POLYGON_POINTS:
        raise _fail(
            points_path,
            f"a polygon has at most {MAX_POLYGON_POINTS:,} points (the kernels' cost "
            f"grows with them), got {len(raw):,}",
        )
    points = tuple(
        _vector(p, _join(points_path, i), 2, "a point [x, y]")
        for i, p in enumerate(raw)
    )
    extra = {}
    if "fill_rule" in data:
        extra["fill_rule"] = _choice(
            data["fill_rule"], _join(path, "fill_rule"), FILL_RULES
        )
    return Polygon(points=points, **_common(data, path), **extra)


def _circle(data: dict, path: str) -> Circle:
    _fields(data, path, ("id", "type", "center", "radius", "fill"), _COMMON_OPTIONAL)
    return Circle(
        center=_vector(data["center"], _join(path, "center"), 2, "a point [x, y]"),
        radius=_positive(data["radius"], _join(path, "radius")),
        **_common(data, path),
    )


_PARSERS: dict[type[Shape], Callable[[dict, str], Shape]] = {
    Polygon: _polygon,
    Circle: _circle,
}


def _shape(value: Any, path: str) -> Shape:
    if not isinstance(value, dict):
        raise _fail(path, f"expected a shape object, got {_describe(value)}")
    for key in ("id", "type"):
        if key not in value:
            raise _fail(_join(path, key), "required key is missing")
    if not isinstance(value["id"], str) or not value["id"]:
        raise _fail(
            _join(path, "id"),
            f"expected a non-empty string, got {_describe(value['id'])}",
        )
    _text(value["id"], _join(path, "id"), single_line=True)
    kind = value["type"]
    if not isinstance(kind, str):
        raise _fail(
            _join(path, "type"),
            f"expected a shape type ({', '.join(SHAPE_KINDS)}), got {_describe(kind)}",
        )
    if kind not in SHAPE_KINDS:
        raise _fail(
            _join(path, "type"),
            f"unknown shape type {echo(kind)} (known: {', '.join(SHAPE_KINDS)})",
        )
    return _PARSERS[SHAPE_KINDS[kind]](value, path)


def _canvas(value: Any, path: str) -> Canvas:
    data = _fields(value, path, ("width", "height", "background"), ())
    width = _positive_int(data["width"], _join(path, "width"))
    height = _positive_int(data["height"], _join(path, "height"))
    if width * height > MAX_PIXELS:
        raise _fail(
            path, f"width * height = {width * height} exceeds the limit of {MAX_PIXELS}"
        )
    background = _vector(
        data["background"], _join(path, "background"), 3, "an RGB colour"
    )
    return Canvas(width=width, height=height, background=background)


def parse_scene(data: Any, *, source: str | None = None) -> Scene:
    """A validated `Scene` from decoded JSON (scene format version 1).

    Raises:
        SceneError: naming `source` and the JSON path of the first fault.
    """
    try:
        top = _fields(data, "", ("version", "canvas", "shapes"), ("description",))
        version = top["version"]
        if (
            isinstance(version, bool)
            or version != FORMAT_VERSION
            or not isinstance(version, int)
        ):
            raise _fail(
                "version",
                f"unsupported version {_describe(version)} (this reader knows 1)",
            )
        description = (
            _text(top["description"], "description", single_line=False)
            if "description" in top
            else None
        )
        canvas = _canvas(top["canvas"], "canvas")
        raw_shapes = top["shapes"]
        if not isinstance(raw_shapes, list):
            raise _fail(
                "shapes", f"expected an array of shapes, got {_describe(raw_shapes)}"
            )
        shapes = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_shapes):
            shape = _shape(raw, _join("shapes", i))
            if shape.id in seen:
                raise _fail(
                    _join(_join("shapes", i), "id"),
                    f"duplicate id {echo(shape.id)} (first used by shapes[{seen[shape.id]}])",
                )
            seen[shape.id] = i
            shapes.append(shape)
        scene = Scene(canvas=canvas, shapes=tuple(shapes), description=description)
        check_scene_limits(scene)
        return scene
    except SceneError as error:
        if not source:
            raise
        raise error.with_source(source) from None


def parse_scene_text(text: str, *, source: str) -> Scene:
    """A validated scene from JSON text; invalid JSON is reported with its line and column."""
    try:
        data = _decode(text)
    except json.JSONDecodeError as error:
        raise SceneError(
            f"invalid JSON: {error.msg}",
            source=source,
            where=f"line {error.lineno} column {error.colno}",
        ) from None
    except RecursionError:
        raise SceneError("invalid JSON: nested too deeply", source=source) from None
    except ValueError as error:  # e.g. an integer literal of more than 4300 digits
        raise SceneError(f"invalid JSON: {error}", source=source) from None
    return parse_scene(data, source=source)


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a user's file (a regular file of at most MAX_SCENE_BYTES), or a
    `SceneError` that says why it cannot be read."""
    return read_input(path, max_bytes=MAX_SCENE_BYTES)


def read_text(path: str | os.PathLike) -> str:
    """The UTF-8 text of a user's file, or a `SceneError` that says why it cannot be read."""
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise SceneError(
            f"not UTF-8 text (byte {error.start})", source=str(path)
        ) from None


def load_scene(path: str | os.PathLike) -> Scene:
    """Read and validate a scene file.

    Raises:
        SceneError: `FILE: JSON.PATH: message` for the first fault found.
    """
    return parse_scene_text(read_text(path), source=str(path))


def plain_number(value: float) -> float | int:
    """`value` as an int when it is integral (and exactly representable), else as is."""
    # Integral values are written as integers so saved files read like hand-written ones.
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def _vec(values: tuple[float, ...]) -> list:
    return [plain_number(v) for v in values]


def scene_to_dict(scene: Scene) -> dict:
    """The JSON form of `scene`; attributes at their default values are left out."""
    shapes = []
    for shape in scene.shapes:
        out: dict[str, Any] = {"id": shape.id, "type": KIND_NAMES[type(shape)]}
        if isinstance(shape, Polygon):
            out["points"] = [_vec(p) for p in shape.points]
            if shape.fill_rule != "nonzero":
                out["fill_rule"] = shape.fill_rule
        elif isinstance(shape, Circle):
            out["center"] = _vec(shape.center)
            out["radius"] = plain_number(shape.radius)
        out["fill"] = _vec(shape.fill)
        if shape.opacity != 1.0:
            out["opacity"] = plain_number(shape.opacity)
        if shape.role != "shape":
            out["role"] = shape.role
        if not shape.transform.is_identity():
            t = shape.transform
            out["transform"] = {
                "translate": _vec(t.translate),
                "rotate": plain_number(t.rotate),
                "scale": plain_number(t.scale),
            }
        shapes.append(out)
    data: dict[str, Any] = {"version": FORMAT_VERSION}
    if scene.description is not None:
        data["description"] = scene.description
    canvas = scene.canvas
    data["canvas"] = {
        "width": canvas.width,
        "height": canvas.height,
        "background": _vec(canvas.background),
    }
    data["shapes"] = shapes
    return data


def scene_to_json(scene: Scene) -> str:
    """Scene file text: indented, one point per line kept compact."""
    return json.dumps(scene_to_dict(scene), indent=2, allow_nan=False) + "\n"


def save_scene(scene: Scene, path: str | os.PathLike) -> None:
    """Write `scene` as a version-1 scene file, atomically (no partial file on failure)."""
    write_atomic(path, scene_to_json(scene).encode("utf-8"))
