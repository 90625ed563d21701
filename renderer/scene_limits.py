"""The check of a whole scene against `reynolds.limits`; each shape kind checks its own
values (`ShapeKind.check_size`, `ShapeKind.limit_faults`)."""

from __future__ import annotations

import numpy as np
from reynolds.errors import SceneError
from reynolds.frames import Frames, frames_of
from reynolds.limits import (
    MAX_CANVAS_SIDE,
    MAX_COLOUR,
    MAX_COORDINATE,
    MAX_ROTATE,
    MAX_SCALE,
    MIN_SCALE,
    component_outside,
    first_outside,
    range_fault,
    range_text,
)
from reynolds.scene import Scene
from reynolds.shape_kinds import kind_of
from reynolds.shape_protocol import Fault


def check_scene_limits(scene: Scene, frames: Frames | None = None) -> None:
    """Refuse a scene with a value beyond the supported magnitudes (`reynolds.limits`).

    Checks the canvas side, colours, coordinates, radii, transforms, and every point
    each shape reaches after its transform. NaN and infinities fail too (a `Scene` built
    in code has not been through the loader).

    Raises:
        SceneError: for the first faulty shape in the list, with the JSON path of the
            value (`shapes[2].radius`, `canvas.width`).
    """
    canvas = scene.canvas
    for side in ("width", "height"):
        if getattr(canvas, side) > MAX_CANVAS_SIDE:
            raise SceneError(
                f"must be at most {MAX_CANVAS_SIDE} px (float32 resolves sample "
                f"positions to 1/128 px up to there), got {getattr(canvas, side)}",
                where=f"canvas.{side}",
            )
    background = np.array(canvas.background, dtype=np.float64)
    if first_outside(background[None], -MAX_COLOUR, MAX_COLOUR) is not None:
        c, value = component_outside(background, -MAX_COLOUR, MAX_COLOUR)
        raise SceneError(
            f"must lie {range_text(-MAX_COLOUR, MAX_COLOUR, '')}, got {value:g}",
            where=f"canvas.background[{c}]",
        )
    shapes = scene.shapes
    if not shapes:
        return
    for k, shape in enumerate(shapes):
        kind_of(shape).check_size(shape, f"shapes[{k}]")

    # Values may be beyond float64's comfort (1e308): the checks below decide, quietly.
    def quiet():
        return np.errstate(over="ignore", invalid="ignore")

    if frames is None:
        with quiet():
            frames = frames_of(scene)
    fills = np.array([s.fill for s in shapes], dtype=np.float64)
    rotate = np.array([s.transform.rotate for s in shapes], dtype=np.float64)
    faults: list[Fault | None] = [
        range_fault(0, fills, -MAX_COLOUR, MAX_COLOUR, "fill", "")
    ]
    for kind, members in frames.groups:
        faults.extend(kind.limit_faults(frames, members))
    faults += [
        range_fault(
            3,
            frames.translate,
            -MAX_COORDINATE,
            MAX_COORDINATE,
            "transform.translate",
            " px",
        ),
        range_fault(4, rotate, -MAX_ROTATE, MAX_ROTATE, "transform.rotate", " degrees"),
        range_fault(5, frames.scale, MIN_SCALE, MAX_SCALE, "transform.scale", ""),
    ]
    found = [fault for fault in faults if fault is not None]
    if not found:
        # Only now are the world coordinates sure to be finite and worth checking.
        with quiet():
            bounds = frames.world_bounds()
        k = first_outside(bounds, -MAX_COORDINATE, MAX_COORDINATE)
        if k is not None:
            far = float(bounds[k][np.argmax(np.abs(bounds[k]))])
            found.append(
                (
                    k,
                    6,
                    f"shapes[{k}]",
                    f"after its transform the shape reaches {far:g} px; every point "
                    f"must lie {range_text(-MAX_COORDINATE, MAX_COORDINATE, ' px')}",
                )
            )
    if found:
        _, _, where, message = min(found)
        raise SceneError(message, where=where)
