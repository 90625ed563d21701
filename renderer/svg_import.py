"""SVG -> scene: filled rectangles, polygons, polylines, straight-line paths and circles.

What is read, what is refused (one `SceneError`) and what is reported and skipped (one
`SvgWarning` per element) is listed in docs/svg.md. Geometry: every transform (the
viewBox map, the groups', the element's own) is applied to the points, except that an
element's own `transform`, when it acts as a rotation, uniform scale and translation in
canvas space, becomes the shape's scene `Transform` about its pivot, so that scenes
written by `save_svg` read back with the same parameters. Colours: SVG colours are
sRGB; scene colours are linear, converted with the sRGB curve.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import warnings

from reynolds.affine import Affine, as_transform
from reynolds.errors import SceneError, SvgWarning
from reynolds.scene import (
    MAX_PIXELS,
    ROLES,
    Canvas,
    Circle,
    Polygon,
    Scene,
    Transform,
    Vec2,
)
from reynolds.scene_io import parse_scene, read_bytes, scene_to_dict
from reynolds.srgb import srgb_to_linear
from reynolds.svg_geometry import canvas_map, path_polygon
from reynolds.svg_style import EFFECTS, Style, declarations, inherit
from reynolds.svg_values import (
    Colour,
    ValueSyntaxError,
    parse_length,
    parse_numbers,
    parse_opacity,
    parse_path,
    parse_transform,
)
from reynolds.svg_xml import SVG_NAMESPACE, XmlElement, local_name, parse_xml

# Scene attributes SVG has no word for travel in data-* attributes (valid SVG 2).
ROLE_ATTRIBUTE = "data-reynolds-role"

CONTAINERS = ("svg", "g", "a")
SHAPES = ("rect", "circle", "ellipse", "polygon", "polyline", "path")
# Not drawn by themselves: skipped without a word. A shape that uses a definition
# (gradient fill, clip-path, mask, filter, marker) is reported where it uses it.
NOT_DRAWN = (
    "title",
    "desc",
    "metadata",
    "defs",
    "symbol",
    "linearGradient",
    "radialGradient",
    "pattern",
    "clipPath",
    "mask",
    "marker",
    "filter",
)
WHY_UNSUPPORTED = {
    "line": "a line has no area to fill, and strokes are not supported",
    "text": "text is not supported",
    "image": "raster images are not supported",
    "use": "references are not expanded",
    "svg": "nested viewports are not supported",
    "switch": "conditional content is not supported",
    "foreignObject": "foreign content is not supported",
    "style": "CSS style sheets are not applied, so elements they style keep the "
    "colours of their own attributes",
    "script": "scripts are not run",
}
WHITE = (1.0, 1.0, 1.0)


@dataclasses.dataclass(frozen=True)
class _Frame:
    """What an element inherits from its ancestors."""

    ctm: Affine  # the parent's user space -> canvas pixels
    maps: tuple[tuple[str, Affine], ...]  # each map in `ctm`, with where it is written
    opacity: float  # product of the ancestors' `opacity`
    style: Style


@dataclasses.dataclass(frozen=True)
class _Outline:
    """An element's outline in its own user units: a polygon or a circle."""

    points: tuple[Vec2, ...] = ()
    center: Vec2 | None = None
    radius: float = 0.0
    has_fill_rule: bool = True  # False for rect, whose fill rule cannot matter


class _Importer:
    """Walks the element tree once, collecting shapes and warnings."""

    def __init__(self, source: str):
        self.source = source
        self.namespace: str | None = SVG_NAMESPACE
        self.warnings: list[SvgWarning] = []
        self.shapes: list[Polygon | Circle] = []
        self.background: tuple[float, float, float] | None = None
        self.size = (0, 0)
        self.used_ids: set[str] = set()  # every id in the document
        self.shape_ids: set[str] = set()
        self.last_number: dict[str, int] = {}

    # -- messages ---------------------------------------------------------------------
    def place(self, element: XmlElement) -> str:
        name = local_name(element, self.namespace) or element.tag
        ident = element.get("id")
        return f"line {element.line} <{name}{f' id={ident!r}' if ident else ''}>"

    def warn(self, element: XmlElement, message: str) -> None:
        self.warnings.append(
            SvgWarning(message, source=self.source, where=self.place(element))
        )

    def error(self, element: XmlElement, message: str) -> SceneError:
        return SceneError(message, source=self.source, where=self.place(element))

    def checked(self, element: XmlElement, parse, *args):
        """`parse(*args)`, its `ValueSyntaxError` refused as a fault of `element`."""
        try:
            return parse(*args)
        except ValueSyntaxError as error:
            raise self.error(element, str(error)) from None

    def attribute(self, element: XmlElement, name: str, parse, text: str):
        """`parse(text)` of attribute (or property) `name`, refused naming it."""
        try:
            return parse(text)
        except ValueSyntaxError as error:
            raise self.error(element, f"{name}={text!r}: {error}") from None

    # -- the tree ---------------------------------------------------------------------
    def run(self, root: XmlElement) -> Scene:
        tag = root.tag if isinstance(root.tag, str) else ""
        if tag == "svg":
            self.namespace = None
        elif tag != f"{{{SVG_NAMESPACE}}}svg":
            raise SceneError(
                f"the root element is <{tag}>, not an SVG <svg>",
                source=self.source,
                where=f"line {root.line}",
            )
        if root.get("transform") is not None:
            raise self.error(root, "a transform on the root <svg> is not supported")
        width, height, viewport, label = self.checked(root, canvas_map, root.attrib)
        if width * height > MAX_PIXELS:
            raise self.error(
                root, f"canvas {width} x {height} exceeds {MAX_PIXELS} pixels"
            )
        self.size = (width, height)
        self.used_ids = {e.get("id") for e in root.iter() if e.get("id")}
        maps = ((f"{label} of {self.place(root)}", viewport),)
        try:
            self.visit(root, _Frame(viewport, maps, 1.0, Style()), root=True)
        except RecursionError:
            raise SceneError("elements nested too deeply", source=self.source) from None
        if self.background is None:
            self.warn(
                root,
                "no full-canvas opaque <rect> at the bottom: the SVG's transparent "
                "background becomes white",
            )
        description = next(
            (c.text or "" for c in root if local_name(c, self.namespace) == "desc"),
            None,
        )
        return Scene(
            canvas=Canvas(width, height, self.background or WHITE),
            shapes=tuple(self.shapes),
            description=description,
        )

    def visit(self, element: XmlElement, frame: _Frame, *, root: bool = False) -> None:
        name = local_name(element, self.namespace)
        if name is None or name in NOT_DRAWN:
            return  # another vocabulary (an editor's metadata) or a definition
        props = self.checked(element, declarations, element.attrib)
        if props.get("display") == "none":
            return
        for prop, normal in EFFECTS.items():
            if props.get(prop, normal) != normal:
                self.warn(
                    element,
                    f"{prop}={props[prop]!r} is not supported; <{name}> skipped",
                )
                return
        if not (name in SHAPES or (name in CONTAINERS and (root or name != "svg"))):
            why = WHY_UNSUPPORTED.get(name, "not a supported element")
            self.warn(element, f"<{name}> skipped: {why}")
            return
        style = self.checked(element, inherit, frame.style, props)
        opacity = self.attribute(
            element, "opacity", parse_opacity, props.get("opacity", "1")
        )
        own, angle = None, None
        if element.get("transform") is not None:
            own, angle = self.attribute(
                element, "transform", parse_transform, element.get("transform")
            )
        if name in SHAPES:
            self.visit_shape(element, name, frame, style, opacity, own, angle)
            return
        maps = frame.maps
        if own is not None:
            label = f"transform={element.get('transform')!r} of {self.place(element)}"
            maps += ((label, own),)
        inner = _Frame(
            frame.ctm if own is None else frame.ctm @ own,
            maps,
            frame.opacity * opacity,
            style,
        )
        before = len(self.shapes)
        for child in element:
            self.visit(child, inner)
        drawn = len(self.shapes) - before
        if opacity < 1.0 and drawn > 1:
            self.warn(
                element,
                f"opacity {opacity:g} of <{name}> is applied to each of its {drawn} "
                "shapes: where they overlap, the result differs from SVG group opacity",
            )

    # -- shapes -----------------------------------------------------------------------
    def length(self, element: XmlElement, name: str, default: float | None = 0.0):
        text = element.get(name)
        if text is None:
            return default
        value = self.attribute(element, name, parse_length, text)
        if value < 0 and name not in ("x", "y", "cx", "cy"):
            raise self.error(element, f"{name}={text!r}: must not be negative")
        return value

    def outline(self, element: XmlElement, name: str) -> _Outline | None:
        """The element's outline, or None when there is nothing to fill (with a
        warning where SVG would draw something)."""
        length = functools.partial(self.length, element)
        if name == "rect":
            x, y, w, h = length("x"), length("y"), length("width"), length("height")
            if max(length("rx"), length("ry")) > 0:
                self.warn(
                    element,
                    "<rect> with rounded corners (rx, ry) skipped: curves are not "
                    "supported",
                )
                return None
            if w == 0 or h == 0:
                return None  # SVG draws nothing
            corners = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
            return _Outline(points=corners, has_fill_rule=False)
        if name == "circle":
            r = length("r")
            return (
                _Outline(center=(length("cx"), length("cy")), radius=r) if r else None
            )
        if name == "ellipse":
            rx, ry = length("rx", None), length("ry", None)
            rx, ry = (
                (ry if rx is None else rx),
                (rx if ry is None else ry),
            )  # SVG 2 auto
            if rx != ry:
                self.warn(
                    element,
                    f"<ellipse> with rx {rx:g} != ry {ry:g} skipped: scene format 1 "
                    "has circles only",
                )
                return None
            center = (length("cx"), length("cy"))
            return _Outline(center=center, radius=rx) if rx else None
        if name in ("polygon", "polyline"):
            text = element.get("points", "")
            values = self.attribute(element, "points", parse_numbers, text)
            if len(values) % 2:
                raise self.error(
                    element, f"points: an odd count of numbers ({len(values)})"
                )
            points = tuple(zip(values[::2], values[1::2], strict=True))
            if 0 < len(points) < 3:
                self.warn(
                    element,
                    f"<{name}> with {len(points)} points skipped: no area to fill",
                )
            return _Outline(points=points) if len(points) >= 3 else None
        d = element.get("d", "").strip()
        if not d or d == "none":
            return None
        subpaths, curves = self.attribute(element, "d", parse_path, d)
        if curves:
            kinds = ", ".join(sorted({c.upper() for c in curves}))
            self.warn(
                element,
                f"<path> with curves ({kinds}) skipped: only straight segments "
                "(M, L, H, V, Z) are supported",
            )
            return None
        points = path_polygon(subpaths)
        if points is None:
            self.warn(
                element, "<path> skipped: no subpath with 3 or more points to fill"
            )
            return None
        return _Outline(points=tuple(points))

    def paint(self, element: XmlElement, name: str, style: Style) -> Colour | None:
        """The fill colour, or None (with a warning) when it is not a colour."""
        if style.fill == "currentColor":
            return style.color
        if isinstance(style.fill, Colour):
            return style.fill
        if style.fill == "none":
            only = " (it has only a stroke, and strokes are not supported)"
            self.warn(
                element,
                f"<{name}> with fill none skipped{only if style.stroked() else ''}",
            )
        else:
            self.warn(
                element,
                f"<{name}> with fill {style.fill} skipped: gradients and patterns are "
                "not supported",
            )
        return None

    def visit_shape(
        self,
        element: XmlElement,
        name: str,
        frame: _Frame,
        style: Style,
        opacity: float,
        own: Affine | None,
        angle: float | None,
    ) -> None:
        outline = self.outline(element, name)
        if outline is None or style.visibility != "visible":
            return
        colour = self.paint(element, name, style)
        if colour is None:
            return
        bake, similarity, angle = _split_transform(frame.ctm, own, angle)
        if bake.det == 0 or (similarity is not None and similarity.det == 0):
            self.warn(
                element, f"<{name}> skipped: its transform collapses it to a line"
            )
            return
        if outline.center is not None and not bake.is_conformal():
            raise self.error(element, self.stretch_message(element, own, frame))
        self.warn_left_out(element, name, style)
        alpha = style.fill_opacity * colour.alpha * frame.opacity * opacity
        fill = tuple(srgb_to_linear(c) for c in colour.srgb)
        full = frame.ctm if own is None else frame.ctm @ own
        if self.is_background(name, outline, full, alpha):
            self.background = fill
            return
        common = {
            "id": self.shape_id(element, name),
            "fill": fill,
            "opacity": alpha,
            "role": self.role(element),
        }
        if outline.center is None:
            shape = Polygon(
                points=tuple(bake.apply(p) for p in outline.points),
                fill_rule=style.fill_rule if outline.has_fill_rule else "nonzero",
                **common,
            )
            transform = _scene_transform(similarity, shape.pivot(), angle)
            shape = dataclasses.replace(shape, transform=transform)
        else:
            center = bake.apply(outline.center)
            shape = Circle(
                center=center,
                radius=outline.radius * bake.scale_factor(),
                transform=_scene_transform(similarity, center, angle),
                **common,
            )
        self.shapes.append(shape)

    def warn_left_out(self, element: XmlElement, name: str, style: Style) -> None:
        """One warning for the parts of a shape that are not drawn: stroke, markers."""
        parts = [f"stroke {style.stroke!r}"] if style.stroked() else []
        if name in ("path", "polygon", "polyline"):
            parts += style.markers()
        if parts:
            self.warn(
                element,
                f"{' and '.join(parts)} of <{name}> not drawn: strokes and markers "
                "are not supported (the fill is imported)",
            )

    def stretch_message(
        self, element: XmlElement, own: Affine | None, frame: _Frame
    ) -> str:
        """Why a circle cannot be imported, naming the transform that stretches it
        (conformal maps compose to conformal ones, so one of them does)."""
        if own is not None and not own.is_conformal():
            culprit = f"its transform={element.get('transform')!r}"
        else:
            culprit = next(
                label for label, m in reversed(frame.maps) if not m.is_conformal()
            )
        return (
            f"{culprit} stretches the circle into an ellipse (only a uniform scale, "
            "rotation, reflection and translation keep a circle, and scene format 1 "
            "has circles only)"
        )

    def is_background(
        self, name: str, outline: _Outline, full: Affine, alpha: float
    ) -> bool:
        """The bottom shape is the canvas background when it is an opaque axis-aligned
        rect that covers the whole canvas: drawn either way, the picture is the same."""
        if self.shapes or self.background is not None or name != "rect" or alpha != 1:
            return False
        if full.b != 0.0 or full.c != 0.0:
            return False
        xs, ys = zip(*(full.apply(p) for p in outline.points), strict=True)
        width, height = self.size
        return min(xs) <= 0 and min(ys) <= 0 and max(xs) >= width and max(ys) >= height

    def shape_id(self, element: XmlElement, name: str) -> str:
        """The element's id, or `<tag><n>` when it has none or an earlier shape has it."""
        ident = element.get("id") or ""
        if ident and ident not in self.shape_ids:
            self.shape_ids.add(ident)
            return ident
        number = self.last_number.get(name, 0) + 1
        while f"{name}{number}" in self.used_ids or f"{name}{number}" in self.shape_ids:
            number += 1
        self.last_number[name] = number
        fresh = f"{name}{number}"
        if ident:
            self.warn(
                element,
                f"id {ident!r} is used by an earlier shape; this one is {fresh!r}",
            )
        self.shape_ids.add(fresh)
        return fresh

    def role(self, element: XmlElement) -> str:
        role = element.get(ROLE_ATTRIBUTE, "shape")
        if role not in ROLES:
            raise self.error(
                element,
                f"{ROLE_ATTRIBUTE}={role!r}: expected one of {', '.join(ROLES)}",
            )
        return role


def _split_transform(
    parent: Affine, own: Affine | None, angle: float | None
) -> tuple[Affine, Affine | None, float | None]:
    """(map applied to the points, similarity kept as the scene transform or None, its
    angle in degrees or None) for an element with map `own` inside `parent`.

    Drawn, the element is parent @ own; with points baked by `parent`, the same picture
    comes from the map parent @ own @ parent^-1 on the baked points. When that is a
    similarity it becomes the scene transform; otherwise everything is baked.
    """
    if own is None or own.is_identity() or parent.det == 0:
        return parent if own is None else parent @ own, None, None
    conjugate = parent @ own @ parent.inverse()
    if not conjugate.is_similarity():
        return parent @ own, None, None
    if angle is not None and parent.det < 0:  # a reflection turns rotations around
        angle = -angle
    return parent, conjugate, angle


def _scene_transform(
    similarity: Affine | None, pivot, angle: float | None
) -> Transform:
    return (
        Transform()
        if similarity is None
        else as_transform(similarity, pivot, angle=angle)
    )


def parse_svg(data: bytes, *, source: str) -> tuple[Scene, list[SvgWarning]]:
    """A scene from SVG bytes, and what was left out, one warning per element.

    Raises:
        SceneError: `source`, the place (`line 12 <circle id='sun'>`) and the fault.
    """
    importer = _Importer(source)
    scene = importer.run(parse_xml(data, source=source))
    # What the scene loader would refuse (an id with a control character, a value
    # beyond the limits) is refused here, with the scene path of the fault.
    parse_scene(scene_to_dict(scene), source=source)
    return scene, importer.warnings


def read_svg(path: str | os.PathLike) -> tuple[Scene, list[SvgWarning]]:
    """`parse_svg` of a file."""
    return parse_svg(read_bytes(path), source=str(path))


def load_svg(path: str | os.PathLike) -> Scene:
    """Read an SVG file as a scene (docs/svg.md says what is read).

    Every element or attribute that is not imported is reported with
    `warnings.warn(SvgWarning(...))`, one per element; collect them with
    `warnings.catch_warnings(record=True)` or make them errors with
    `warnings.simplefilter("error", SvgWarning)`.

    Raises:
        SceneError: malformed XML, an unknown unit, a transform that a circle cannot
            take, ...: `FILE: line N <element>: message`.
    """
    scene, found = read_svg(path)
    for warning in found:
        warnings.warn(warning, stacklevel=2)
    return scene
