"""SVG geometry that has no scene counterpart: the canvas viewport, multi-part paths.

- `canvas_map`: the root `<svg>`'s width, height, viewBox and preserveAspectRatio as a
  canvas size in whole pixels and the map from user units to canvas pixels (SVG 1.1,
  7.8), every alignment and meet/slice included.
- `path_polygon`: the subpaths of a path as one scene polygon with the same fill.
"""

from __future__ import annotations

from collections.abc import Mapping

from reynolds import affine
from reynolds.affine import Affine
from reynolds.svg_values import ValueSyntaxError, parse_length, parse_numbers

Point = tuple[float, float]
_ALIGN = {"Min": 0.0, "Mid": 0.5, "Max": 1.0}


def _attribute_error(name: str, text: str, error: ValueSyntaxError) -> ValueSyntaxError:
    return ValueSyntaxError(f"{name}={text!r}: {error}")


def _viewbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = parse_numbers(text)
    except ValueSyntaxError as error:
        raise _attribute_error("viewBox", text, error) from None
    if len(values) != 4:
        raise ValueSyntaxError(
            f"viewBox={text!r}: expected 4 numbers (min-x min-y width height)"
        )
    if values[2] <= 0 or values[3] <= 0:
        raise ValueSyntaxError(f"viewBox={text!r}: width and height must be positive")
    return values[0], values[1], values[2], values[3]


def _size(attributes: Mapping[str, str], name: str) -> float | None:
    """A root width or height in px; None when absent or `auto` / `100%` (both mean
    "as large as the viewBox" for a document of its own)."""
    text = attributes.get(name)
    if text is None or text.strip() in ("auto", "100%"):
        return None
    try:
        value = parse_length(text)
    except ValueSyntaxError as error:
        raise _attribute_error(name, text, error) from None
    if value <= 0:
        raise ValueSyntaxError(f"{name}={text!r}: must be positive")
    return value


def _whole(value: float, name: str) -> int:
    pixels = round(value)
    if pixels < 1 or abs(value - pixels) > 1e-9 * max(1.0, value):
        raise ValueSyntaxError(
            f"{name} is {value:.6g} px, not a whole number of pixels "
            "(a canvas is whole pixels: give the width and height in px)"
        )
    return pixels


def _aspect_map(
    box: tuple[float, float, float, float], width: int, height: int, text: str
) -> Affine:
    """viewBox -> viewport under `preserveAspectRatio` = `text` (SVG 1.1, 7.8)."""
    words = text.split()
    if words[:1] == ["defer"]:  # only meaningful on <image>
        words = words[1:]
    align = words[0] if words else "xMidYMid"
    fit = words[1] if len(words) > 1 else "meet"
    valid_align = align == "none" or (
        len(align) == 8
        and align[0] == "x"
        and align[1:4] in _ALIGN
        and align[4] == "Y"
        and align[5:8] in _ALIGN
    )
    if len(words) > 2 or not valid_align or fit not in ("meet", "slice"):
        raise ValueSyntaxError(
            f"preserveAspectRatio={text!r}: expected an alignment such as xMidYMid "
            "(or none) and optionally meet or slice"
        )
    x, y, w, h = box
    sx, sy = width / w, height / h
    if align == "none":
        return affine.scale(sx, sy) @ affine.translate(-x, -y)
    s = min(sx, sy) if fit == "meet" else max(sx, sy)
    tx = (width - w * s) * _ALIGN[align[1:4]]
    ty = (height - h * s) * _ALIGN[align[5:8]]
    return affine.translate(tx, ty) @ affine.scale(s, s) @ affine.translate(-x, -y)


def canvas_map(attributes: Mapping[str, str]) -> tuple[int, int, Affine, str]:
    """(width, height, user units -> canvas pixels, the attributes that made the map)
    of a root `<svg>` element's attributes.

    The canvas is the root's width x height in px; a missing one follows from the
    viewBox's aspect ratio, and both missing are the viewBox's size.

    Raises:
        ValueSyntaxError: naming the attribute at fault.
    """
    text = attributes.get("viewBox")
    box = None if text is None else _viewbox(text)
    width, height = _size(attributes, "width"), _size(attributes, "height")
    if box is None and (width is None or height is None):
        raise ValueSyntaxError(
            "the canvas size is unknown: give width and height (or a viewBox)"
        )
    if box is not None:
        if width is None and height is None:
            width, height = box[2], box[3]
        elif width is None:
            width = height * box[2] / box[3]
        elif height is None:
            height = width * box[3] / box[2]
    w, h = _whole(width, "width"), _whole(height, "height")
    if box is None:
        return w, h, Affine(), "width and height"
    aspect = attributes.get("preserveAspectRatio")
    label = f"viewBox={text!r}"
    if aspect is not None:
        label += f" with preserveAspectRatio={aspect!r}"
    return w, h, _aspect_map(box, w, h, aspect or ""), label


def path_polygon(subpaths: list[list[Point]]) -> list[Point] | None:
    """One closed polygon that fills like the subpaths of a path, or None if none has
    an area (fewer than 3 distinct points).

    Repeated points are dropped. Several subpaths are joined by bridges from the first
    subpath's start to each other subpath's start and back: each bridge is traversed
    once in each direction, so it changes no winding number, and both fill rules see
    the same filled set as the separate subpaths (holes included).
    """
    rings = []
    for subpath in subpaths:
        ring = [p for i, p in enumerate(subpath) if i == 0 or p != subpath[i - 1]]
        if len(ring) > 1 and ring[-1] == ring[0]:
            ring.pop()
        if len(ring) >= 3:
            rings.append(ring)
    if not rings:
        return None
    points = rings[0] + [rings[0][0]] if len(rings) > 1 else list(rings[0])
    for k, ring in enumerate(rings[1:], start=2):
        points += ring + [ring[0]]
        if k < len(rings):
            points.append(rings[0][0])
    return points
