"""JSON <-> validated scene (scene format version 1).

Every fault is reported as one `SceneError` naming the file and the JSON path of the
fault (for example `shapes[2].radius`); nothing is half-built or half-written.
"""

from __future__ import annotations

import json
import os
from typing import Any

from reynolds.atomic import write_atomic
from reynolds.errors import SceneError, echo
from reynolds.input_files import MiB, read_input
from reynolds.json_fields import (
    choice,
    decode,
    describe,
    fail,
    fields,
    join_path,
    number,
    plain_number,
    plain_vector,
    positive,
    positive_int,
    unicode_text,
    vector,
)
from reynolds.scene import MAX_PIXELS, ROLES, Canvas, Scene, Shape, Transform
from reynolds.scene_limits import check_scene_limits
from reynolds.shape_kinds import BY_NAME, kind_of

FORMAT_VERSION = 1
# A scene file larger than this is refused before it is decoded: 64 MiB of JSON is a few
# million points, and decoding costs about ten times its size in memory.
MAX_SCENE_BYTES = 64 * MiB


def _transform(value: Any, path: str) -> Transform:
    data = fields(value, path, (), ("translate", "rotate", "scale"))
    t = Transform()
    return Transform(
        translate=vector(data["translate"], join_path(path, "translate"), 2, "[tx, ty]")
        if "translate" in data
        else t.translate,
        rotate=number(data["rotate"], join_path(path, "rotate"))
        if "rotate" in data
        else t.rotate,
        scale=positive(data["scale"], join_path(path, "scale"))
        if "scale" in data
        else t.scale,
    )


_COMMON_OPTIONAL = ("opacity", "role", "transform")


def _common(data: dict, path: str) -> dict:
    common: dict[str, Any] = {
        "id": data["id"],
        "fill": vector(data["fill"], join_path(path, "fill"), 3, "an RGB colour"),
    }
    if "opacity" in data:
        opacity = number(data["opacity"], join_path(path, "opacity"))
        if not 0.0 <= opacity <= 1.0:
            raise fail(
                join_path(path, "opacity"), f"must lie in [0, 1], got {opacity:g}"
            )
        common["opacity"] = opacity
    if "role" in data:
        common["role"] = choice(data["role"], join_path(path, "role"), ROLES)
    if "transform" in data:
        common["transform"] = _transform(
            data["transform"], join_path(path, "transform")
        )
    return common


def _shape(value: Any, path: str) -> Shape:
    if not isinstance(value, dict):
        raise fail(path, f"expected a shape object, got {describe(value)}")
    for key in ("id", "type"):
        if key not in value:
            raise fail(join_path(path, key), "required key is missing")
    if not isinstance(value["id"], str) or not value["id"]:
        raise fail(
            join_path(path, "id"),
            f"expected a non-empty string, got {describe(value['id'])}",
        )
    unicode_text(value["id"], join_path(path, "id"), single_line=True)
    name = value["type"]
    if not isinstance(name, str):
        raise fail(
            join_path(path, "type"),
            f"expected a shape type ({', '.join(BY_NAME)}), got {describe(name)}",
        )
    if name not in BY_NAME:
        raise fail(
            join_path(path, "type"),
            f"unknown shape type {echo(name)} (known: {', '.join(BY_NAME)})",
        )
    kind = BY_NAME[name]
    fields(
        value,
        path,
        ("id", "type") + kind.required_keys + ("fill",),
        _COMMON_OPTIONAL + kind.optional_keys,
    )
    own = kind.parse(value, path)
    return kind.cls(**own, **_common(value, path))


def _canvas(value: Any, path: str) -> Canvas:
    data = fields(value, path, ("width", "height", "background"), ())
    width = positive_int(data["width"], join_path(path, "width"))
    height = positive_int(data["height"], join_path(path, "height"))
    if width * height > MAX_PIXELS:
        raise fail(
            path, f"width * height = {width * height} exceeds the limit of {MAX_PIXELS}"
        )
    background = vector(
        data["background"], join_path(path, "background"), 3, "an RGB colour"
    )
    return Canvas(width=width, height=height, background=background)


def parse_scene(data: Any, *, source: str | None = None) -> Scene:
    """A validated `Scene` from decoded JSON (scene format version 1).

    Raises:
        SceneError: naming `source` and the JSON path of the first fault.
    """
    try:
        top = fields(data, "", ("version", "canvas", "shapes"), ("description",))
        version = top["version"]
        if (
            isinstance(version, bool)
            or version != FORMAT_VERSION
            or not isinstance(version, int)
        ):
            raise fail(
                "version",
                f"unsupported version {describe(version)} (this reader knows 1)",
            )
        description = (
            unicode_text(top["description"], "description", single_line=False)
            if "description" in top
            else None
        )
        canvas = _canvas(top["canvas"], "canvas")
        raw_shapes = top["shapes"]
        if not isinstance(raw_shapes, list):
            raise fail(
                "shapes", f"expected an array of shapes, got {describe(raw_shapes)}"
            )
        shapes = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_shapes):
            shape = _shape(raw, join_path("shapes", i))
            if shape.id in seen:
                raise fail(
                    join_path(join_path("shapes", i), "id"),
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
        data = decode(text)
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


def scene_to_dict(scene: Scene) -> dict:
    """The JSON form of `scene`; attributes at their default values are left out."""
    shapes = []
    for shape in scene.shapes:
        kind = kind_of(shape)
        out: dict[str, Any] = {"id": shape.id, "type": kind.name}
        out.update(kind.to_json(shape))
        out["fill"] = plain_vector(shape.fill)
        if shape.opacity != 1.0:
            out["opacity"] = plain_number(shape.opacity)
        if shape.role != "shape":
            out["role"] = shape.role
        if not shape.transform.is_identity():
            t = shape.transform
            out["transform"] = {
                "translate": plain_vector(t.translate),
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
        "background": plain_vector(canvas.background),
    }
    data["shapes"] = shapes
    return data


def scene_to_json(scene: Scene) -> str:
    """Scene file text: indented, one point per line kept compact."""
    return json.dumps(scene_to_dict(scene), indent=2, allow_nan=False) + "\n"


def save_scene(scene: Scene, path: str | os.PathLike) -> None:
    """Write `scene` as a version-1 scene file, atomically (no partial file on failure)."""
    write_atomic(path, scene_to_json(scene).encode("utf-8"))
