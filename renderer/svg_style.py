"""SVG presentation properties: what an element declares and what it inherits.

Properties come from presentation attributes and the `style` attribute (which wins),
and inherit down the tree as in SVG 1.1 (`inherit` keeps the parent's value). Only the
properties that decide what is filled, and how, are parsed; strokes and markers are
kept as text, since all that matters about them is whether they would be drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from reynolds.svg_values import (
    Colour,
    ValueSyntaxError,
    parse_colour,
    parse_length,
    parse_opacity,
    parse_style,
)

PROPERTIES = (
    "fill",
    "fill-opacity",
    "fill-rule",
    "color",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "visibility",
    "display",
    "opacity",
    "clip-path",
    "mask",
    "filter",
    "mix-blend-mode",
    "marker-start",
    "marker-mid",
    "marker-end",
)
MARKERS = ("marker-start", "marker-mid", "marker-end")
# Effects that change how an element is drawn, with their do-nothing value: an element
# that asks for one is skipped rather than drawn differently.
EFFECTS = {
    "clip-path": "none",
    "mask": "none",
    "filter": "none",
    "mix-blend-mode": "normal",
}
_CHOICES = {
    "fill-rule": ("nonzero", "evenodd"),
    "visibility": ("visible", "hidden", "collapse"),
}
BLACK = Colour((0.0, 0.0, 0.0))


def parse_paint(text: str) -> Colour | str:
    """A fill: a colour, or "none", "currentColor" or the text of a url(...) reference."""
    keyword = text.lower()  # CSS keywords are case-insensitive
    if keyword == "none":
        return "none"
    if keyword == "currentcolor":
        return "currentColor"
    if keyword.startswith("url("):
        return text
    return parse_colour(text)


def _is_zero_length(text: str) -> bool:
    try:
        return parse_length(text) == 0.0
    except ValueSyntaxError:  # a percentage, say: not zero
        return False


@dataclass(frozen=True)
class Style:
    """Inherited properties, parsed; the defaults are SVG's initial values."""

    fill: Colour | str = BLACK  # a Colour, "none", "currentColor" or "url(...)"
    fill_opacity: float = 1.0
    fill_rule: str = "nonzero"
    color: Colour = BLACK
    stroke: str = "none"
    stroke_width: str = "1"
    stroke_opacity: float = 1.0
    visibility: str = "visible"
    marker_start: str = "none"
    marker_mid: str = "none"
    marker_end: str = "none"

    def stroked(self) -> bool:
        """Whether SVG would draw a stroke."""
        return (
            self.stroke != "none"
            and not _is_zero_length(self.stroke_width)
            and self.stroke_opacity > 0
        )

    def markers(self) -> list[str]:
        """The marker properties that would draw something."""
        return [m for m in MARKERS if getattr(self, m.replace("-", "_")) != "none"]


def _parsed(name: str, text: str, parse: Callable):
    try:
        return parse(text)
    except ValueSyntaxError as error:
        raise ValueSyntaxError(f"{name}={text!r}: {error}") from None


def declarations(attributes: Mapping[str, str]) -> dict[str, str]:
    """The properties an element declares, by name (the `marker` shorthand expanded).

    Raises:
        ValueSyntaxError: a `style` attribute that is not `property: value; ...`.
    """
    props = {k: attributes[k] for k in PROPERTIES if k in attributes}
    if "style" in attributes:
        props.update(_parsed("style", attributes["style"], parse_style))
    if "marker" in props:
        props.update(dict.fromkeys(MARKERS, props.pop("marker")))
    return {k: v.strip() for k, v in props.items()}


def inherit(style: Style, props: Mapping[str, str]) -> Style:
    """`style` (the parent's) overridden by the element's declarations `props`.

    Raises:
        ValueSyntaxError: naming the property whose value does not parse.
    """
    changes: dict[str, object] = {}
    for name, text in props.items():
        field = name.replace("-", "_")
        if text == "inherit" or field not in Style.__dataclass_fields__:
            continue
        if name == "fill":
            changes[field] = _parsed(name, text, parse_paint)
        elif name == "color":
            changes[field] = _parsed(name, text, parse_colour)
        elif name in ("fill-opacity", "stroke-opacity"):
            changes[field] = _parsed(name, text, parse_opacity)
        elif name in _CHOICES:
            if text not in _CHOICES[name]:
                allowed = ", ".join(_CHOICES[name])
                raise ValueSyntaxError(f"{name}={text!r}: expected one of {allowed}")
            changes[field] = text
        else:
            changes[field] = text
    return replace(style, **changes)
