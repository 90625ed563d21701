"""Parsers for SVG attribute values: numbers, lengths, transforms, colours, styles, paths.

Each parser takes the attribute's text and returns plain floats (pixels, sRGB
components in [0, 1], degrees) or raises `ValueSyntaxError` with a message; the importer
adds the file, element and attribute. XML itself is parsed by `defusedxml`, colour
names come from Pillow's CSS table. The small grammars here are written out because the
libraries that parse them (svg.path, svgelements) follow the browsers' error recovery:
`M 0 0 L 1 2 3` loses its `3` and `M 0 0 X 1 1` stops at the `X` without a word, and
an unknown colour becomes black; here any error refuses the value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from PIL import ImageColor
from reynolds import affine
from reynolds.affine import Affine


class ValueSyntaxError(ValueError):
    """An attribute value that does not parse; the message says what was expected."""


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_LIST_ITEM = re.compile(rf"\s*,?\s*({_NUMBER})")
_LENGTH = re.compile(rf"\s*({_NUMBER})([a-zA-Z]+|%)?\s*")

# CSS absolute units in px (CSS Values 3: 1in = 96px).
UNITS = {
    "": 1.0,
    "px": 1.0,
    "pt": 96.0 / 72.0,
    "pc": 16.0,
    "in": 96.0,
    "cm": 96.0 / 2.54,
    "mm": 96.0 / 25.4,
    "q": 96.0 / 101.6,
}


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueSyntaxError(f"number {text} is too large")
    return value


def parse_number(text: str) -> float:
    """One SVG number such as `-1.5e3`."""
    if not re.fullmatch(rf"\s*{_NUMBER}\s*", text):
        raise ValueSyntaxError("expected a number")
    return _finite(text)


def parse_numbers(text: str) -> list[float]:
    """A list of numbers separated by whitespace and/or one comma (`points`, `viewBox`)."""
    text = text.strip()
    values, pos = [], 0
    while pos < len(text):
        match = _LIST_ITEM.match(text, pos)
        if not match or (pos == 0 and text.startswith(",")):
            raise ValueSyntaxError("expected numbers separated by spaces or commas")
        values.append(_finite(match.group(1)))
        pos = match.end()
    return values


def parse_length(text: str) -> float:
    """A length in px: a number with an optional absolute unit (px, pt, pc, in, cm, mm, Q)."""
    match = _LENGTH.fullmatch(text)
    if not match:
        raise ValueSyntaxError("expected a length such as 12 or 12px")
    unit = (match.group(2) or "").lower()
    if unit == "%":
        raise ValueSyntaxError(
            "percentages are not supported (they depend on a viewport); give a length"
        )
    if unit not in UNITS:
        known = ", ".join(u or "(none)" for u in UNITS if u != "q") + ", Q"
        raise ValueSyntaxError(f"unknown unit {match.group(2)!r} (known: {known})")
    return _finite(match.group(1)) * UNITS[unit]


_TRANSFORM = re.compile(r"\s*,?\s*(matrix|translate|scale|rotate|skewX|skewY)\s*\(")
_ARITY = {
    "matrix": (6,),
    "translate": (1, 2),
    "scale": (1, 2),
    "rotate": (1, 3),
    "skewX": (1,),
    "skewY": (1,),
}


def _transform_item(name: str, args: list[float]) -> tuple[Affine, float | None]:
    """The map of one transform function and its rotation in degrees (None: not a
    rotation with uniform scale)."""
    if name == "matrix":
        return Affine(*args), None
    if name == "translate":
        return affine.translate(args[0], args[1] if len(args) == 2 else 0.0), 0.0
    if name == "scale":
        sx = args[0]
        sy = args[1] if len(args) == 2 else sx
        # A uniform negative scale is a half turn.
        turn = (180.0 if sx < 0 else 0.0) if sx == sy else None
        return affine.scale(sx, sy), turn
    if name == "rotate":
        turn = affine.rotate(args[0])
        if len(args) == 3:
            cx, cy = args[1], args[2]
            turn = affine.translate(cx, cy) @ turn @ affine.translate(-cx, -cy)
        return turn, args[0]
    shear = math.tan(math.radians(args[0]))
    return (Affine(c=shear) if name == "skewX" else Affine(b=shear)), None


def parse_transform(text: str) -> tuple[Affine, float | None]:
    """An SVG transform list as one map, and its total rotation in degrees.

    The rotation is the sum of the `rotate` angles (not reduced modulo 360, so that
    `rotate(400)` reads back as 400) when every item is a translation, rotation or
    uniform scale; None otherwise.
    """
    total, angle, pos = Affine(), 0.0, 0
    text = text.strip()
    while pos < len(text):
        match = _TRANSFORM.match(text, pos)
        end = text.find(")", match.end()) if match else -1
        if not match or end < 0 or (pos == 0 and text.startswith(",")):
            raise ValueSyntaxError(
                "expected a transform list such as 'translate(10 5) rotate(30)'"
            )
        name = match.group(1)
        args = parse_numbers(text[match.end() : end])
        if len(args) not in _ARITY[name]:
            counts = " or ".join(str(n) for n in _ARITY[name])
            raise ValueSyntaxError(f"{name}() takes {counts} numbers, got {len(args)}")
        item, turn = _transform_item(name, args)
        total = total @ item
        angle = None if angle is None or turn is None else angle + turn
        pos = end + 1
    return total, angle


@dataclass(frozen=True)
class Colour:
    """An sRGB colour, components and alpha in [0, 1]."""

    srgb: tuple[float, float, float]
    alpha: float = 1.0


def _component(text: str, scale: float) -> float:
    """A colour component: `N%` of 1, or a number out of `scale`; clamped to [0, 1] as
    CSS does."""
    text = text.strip()
    value = parse_number(text[:-1]) / 100.0 if text.endswith("%") else None
    if value is None:
        value = parse_number(text) / scale
    return min(max(value, 0.0), 1.0)


def _hex(digits: str) -> Colour:
    if len(digits) in (3, 4):
        digits = "".join(2 * ch for ch in digits)
    values = [int(digits[i : i + 2], 16) / 255.0 for i in range(0, len(digits), 2)]
    return Colour(tuple(values[:3]), values[3] if len(values) == 4 else 1.0)


def parse_colour(text: str) -> Colour:
    """A CSS colour: a name, `#rgb`, `#rrggbb` (`#rgba`, `#rrggbbaa`), `rgb()`/`rgba()`
    with numbers 0-255 or percentages (fractions allowed), or `transparent`."""
    text = text.strip()
    lower = text.lower()
    if lower == "transparent":
        return Colour((0.0, 0.0, 0.0), 0.0)
    if lower in ImageColor.colormap:
        return Colour(tuple(v / 255.0 for v in ImageColor.getrgb(lower)[:3]))
    if re.fullmatch(r"#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})", lower):
        return _hex(lower[1:])
    match = re.fullmatch(r"rgba?\((.*)\)", lower)
    if match:
        body = match.group(1)
        parts = (
            body.split(",")
            if "," in body
            else body.replace("/", " / ").split()  # CSS Color 4: rgb(r g b / a)
        )
        if "/" in parts:
            slash = parts.index("/")
            parts = parts[:slash] + parts[slash + 1 :] if slash == 3 else []
        if len(parts) in (3, 4):
            try:
                rgb = tuple(_component(p, 255.0) for p in parts[:3])
                alpha = _component(parts[3], 1.0) if len(parts) == 4 else 1.0
            except ValueSyntaxError:
                pass
            else:
                return Colour(rgb, alpha)
    raise ValueSyntaxError(
        "unsupported colour (use a colour name, #rrggbb, #rgb, rgb() or rgba())"
    )


def parse_opacity(text: str) -> float:
    """An opacity: a number or a percentage, clamped to [0, 1] as CSS does."""
    return _component(text, 1.0)


def parse_style(text: str) -> dict[str, str]:
    """The declarations of a `style` attribute (`fill: red; opacity: 0.5`), by property."""
    declarations = {}
    for item in text.split(";"):
        if not item.strip():
            continue
        name, colon, value = item.partition(":")
        if not colon or not name.strip():
            raise ValueSyntaxError(f"expected 'property: value', got {item.strip()!r}")
        value = re.sub(r"\s*!important\s*$", "", value.strip(), flags=re.IGNORECASE)
        declarations[name.strip().lower()] = value
    return declarations


_PATH_COMMAND = re.compile(r"([MmZzLlHhVvCcSsQqTtAa])")
_CURVES = set("CcSsQqTtAa")


def parse_path(text: str) -> tuple[list[list[tuple[float, float]]], list[str]]:
    """Path data `d` with straight segments: its subpaths as lists of points (each closed
    implicitly, as a fill closes it), and the curve commands it contains, if any.

    The grammar is SVG 1.1's for M, L, H, V, Z and their relative forms; arguments of
    curve commands (C, S, Q, T, A) are not read, since a path with curves is not
    imported. Unlike a browser, which draws a path up to its first error, any error
    refuses the whole attribute.
    """
    pieces = _PATH_COMMAND.split(text)
    if pieces[0].strip():
        raise ValueSyntaxError("path data must start with M or m")
    commands = list(zip(pieces[1::2], pieces[2::2], strict=True))
    if commands and commands[0][0] not in "Mm":
        raise ValueSyntaxError("path data must start with M or m")
    rings: list[list[tuple[float, float]]] = []
    curves: list[str] = []
    x = y = start_x = start_y = 0.0
    ring: list[tuple[float, float]] | None = None
    for command, args_text in commands:
        if command in _CURVES:
            curves.append(command)
            continue
        args = parse_numbers(args_text)
        upper, relative = command.upper(), command.islower()
        arity = {"M": 2, "L": 2, "H": 1, "V": 1, "Z": 0}[upper]
        if (arity == 0) != (not args) or (arity and len(args) % arity):
            wanted = "no numbers" if arity == 0 else f"numbers in groups of {arity}"
            raise ValueSyntaxError(
                f"path command {command} takes {wanted}, got {(command + args_text).strip()!r}"
            )
        if upper == "Z":
            x, y, ring = start_x, start_y, None
            continue
        for i in range(0, len(args), arity):
            if upper in ("M", "L"):
                dx, dy = args[i], args[i + 1]
                x, y = (x + dx, y + dy) if relative else (dx, dy)
            elif upper == "H":
                x = x + args[i] if relative else args[i]
            else:
                y = y + args[i] if relative else args[i]
            if upper == "M" and i == 0:  # later pairs after M are line-tos
                ring, start_x, start_y = [(x, y)], x, y
                rings.append(ring)
            elif ring is None:  # a line-to after Z starts at the closed subpath's start
                ring = [(start_x, start_y), (x, y)]
                rings.append(ring)
            else:
                ring.append((x, y))
    return rings, curves
