"""Small builders for scene dicts used across tests."""

from __future__ import annotations


def square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """Corners of an axis-aligned rectangle, in order."""
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def scene_dict(
    width: int, height: int, shapes: list[dict], background=(0.0, 0.0, 0.0)
) -> dict:
    return {
        "version": 1,
        "canvas": {"width": width, "height": height, "background": list(background)},
        "shapes": shapes,
    }
