"""Scene -> SVG that `load_svg` reads back as the same scene.

The canvas becomes width, height and a viewBox of the same size, the background a
full-canvas `<rect>`; polygons become `<polygon>` and circles `<circle>` with their
scene coordinates, and a non-identity scene transform the equivalent `transform`
attribute about the shape's pivot. Colours are written in sRGB: `#rrggbb` when that is
exact, else `rgb()` with fractional percentages, precise enough that the linear value
reads back to about 1e-15.
"""

from __future__ import annotations

import os
import re
import warnings
import xml.etree.ElementTree as ET

from reynolds.atomic import write_atomic
from reynolds.errors import SceneError, SvgWarning
from reynolds.json_fields import plain_number
from reynolds.scene import Scene, Transform, Vec2
from reynolds.shape_kinds import kind_of
from reynolds.srgb import linear_to_srgb, srgb_to_linear
from reynolds.svg_import import ROLE_ATTRIBUTE
from reynolds.svg_xml import SVG_NAMESPACE

# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A colour is written as #rrggbb when that reads back within this of the linear value.
HEX_TOLERANCE = 1e-12


def _number(value: float) -> str:
    return str(plain_number(value))


def _colour(
    linear: tuple[float, float, float], where: str, found: list, source: str | None
) -> str:
    """sRGB text of a linear colour, clamped to [0, 1] (the only range SVG has)."""
    clamped = tuple(min(max(c, 0.0), 1.0) for c in linear)
    if clamped != tuple(linear):
        found.append(
            SvgWarning(
                f"colour {list(linear)} lies outside [0, 1]; SVG holds it clamped",
                source=source,
                where=where,
            )
        )
    srgb = [linear_to_srgb(c) for c in clamped]
    octets = [round(s * 255.0) for s in srgb]
    if all(
        abs(srgb_to_linear(o / 255.0) - c) <= HEX_TOLERANCE
        for o, c in zip(octets, clamped, strict=True)
    ):
        return "#" + "".join(f"{o:02x}" for o in octets)
    return "rgb(" + ", ".join(f"{_number(100.0 * s)}%" for s in srgb) + ")"


def _transform(transform: Transform, pivot: Vec2) -> str:
    """SVG text for a scene transform about `pivot`: p -> s R (p - pivot) + pivot + t."""
    (tx, ty), (cx, cy) = transform.translate, pivot
    if transform.rotate == 0.0 and transform.scale == 1.0:
        return f"translate({_number(tx)} {_number(ty)})"
    parts = [f"translate({_number(cx + tx)} {_number(cy + ty)})"]
    if transform.rotate != 0.0:
        parts.append(f"rotate({_number(transform.rotate)})")
    if transform.scale != 1.0:
        parts.append(f"scale({_number(transform.scale)})")
    parts.append(f"translate({_number(-cx)} {_number(-cy)})")
    return " ".join(parts)


def _text(value: str, where: str, source: str | None) -> str:
    if _NOT_XML.search(value):
        raise SceneError(
            "contains a control character that XML cannot hold",
            source=source,
            where=where,
        )
    return value


def scene_to_svg(
    scene: Scene, *, source: str | None = None
) -> tuple[str, list[SvgWarning]]:
    """SVG text of `scene`, and what it cannot hold (colours outside [0, 1]).

    Raises:
        SceneError: an id or the description holds a character XML cannot hold;
            `source` names the scene's file in it.
    """
    found: list[SvgWarning] = []
    width, height = scene.canvas.width, scene.canvas.height
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NAMESPACE,
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
        },
    )
    if scene.description is not None:
        desc = ET.SubElement(root, "desc")
        desc.text = _text(scene.description, "description", source)
    ET.SubElement(
        root,
        "rect",
        {
            "width": str(width),
            "height": str(height),
            "fill": _colour(
                scene.canvas.background, "canvas.background", found, source
            ),
        },
    )
    for k, shape in enumerate(scene.shapes):
        path = f"shapes[{k}]"
        attributes = {"id": _text(shape.id, f"{path}.id", source)}
        kind = kind_of(shape)
        tag, geometry = kind.svg_element(shape, _number)
        attributes.update(geometry)
        attributes["fill"] = _colour(shape.fill, f"{path}.fill", found, source)
        if shape.opacity != 1.0:
            attributes["fill-opacity"] = _number(shape.opacity)
        if kind.fill_rule(shape) != "nonzero":
            attributes["fill-rule"] = kind.fill_rule(shape)
        if shape.role != "shape":
            attributes[ROLE_ATTRIBUTE] = shape.role
        if not shape.transform.is_identity():
            attributes["transform"] = _transform(shape.transform, shape.pivot())
        ET.SubElement(root, tag, attributes)
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return text + ET.tostring(root, encoding="unicode") + "\n", found


def save_svg(scene: Scene, path: str | os.PathLike) -> None:
    """Write `scene` as an SVG file, atomically; `load_svg` reads it back as the scene.

    A colour outside [0, 1] is written clamped and reported with
    `warnings.warn(SvgWarning(...))`.

    Raises:
        SceneError: the folder does not exist, or an id or the description holds a
            character that XML cannot hold.
    """
    text, found = scene_to_svg(scene)
    write_atomic(path, text.encode("utf-8"))
    for warning in found:
        warnings.warn(warning, stacklevel=2)
