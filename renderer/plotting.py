"""Small figures drawn with Pillow: diverging derivative images with a colour bar."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

# Blue - white - red, as in most derivative plots (negative blue, positive red).
NEGATIVE = np.array([0.23, 0.30, 0.75])
POSITIVE = np.array([0.71, 0.02, 0.15])
WHITE = np.ones(3)


def diverging(values: np.ndarray, limit: float) -> np.ndarray:
    """`[H, W]` values -> `[H, W, 3]` uint8, white at 0 and saturated at +-limit."""
    t = (
        np.clip(values / limit, -1.0, 1.0)[..., None]
        if limit > 0
        else np.zeros((*values.shape, 1))
    )
    rgb = np.where(
        t < 0, WHITE + (NEGATIVE - WHITE) * -t, WHITE + (POSITIVE - WHITE) * t
    )
    return np.round(rgb * 255).astype(np.uint8)


def titled(pixels: np.ndarray, title: str, zoom: int) -> Image.Image:
    """An upscaled (nearest neighbour) image with a title line above it."""
    image = Image.fromarray(pixels).resize(
        (pixels.shape[1] * zoom, pixels.shape[0] * zoom), Image.NEAREST
    )
    canvas = Image.new(
        "RGB", (max(image.width, 8 * len(title)), image.height + 20), "white"
    )
    canvas.paste(image, (0, 20))
    ImageDraw.Draw(canvas).text((4, 4), title, fill="black")
    return canvas


def colour_bar(width: int, limit: float, label: str) -> Image.Image:
    """A horizontal colour bar from -limit to +limit with three tick labels."""
    ramp = diverging(
        np.linspace(-limit, limit, width)[None, :].repeat(14, axis=0), limit
    )
    canvas = Image.new("RGB", (width, 46), "white")
    canvas.paste(Image.fromarray(ramp), (0, 0))
    draw = ImageDraw.Draw(canvas)
    for x, text in (
        (0, f"{-limit:.3g}"),
        (width // 2 - 4, "0"),
        (width - 8 * len(f"{limit:.3g}"), f"{limit:.3g}"),
    ):
        draw.text((max(x, 0), 17), text, fill="black")
    draw.text((4, 31), label, fill="black")
    return canvas


def panel_figure(
    panels: list[tuple[str, np.ndarray]], *, limit: float, label: str, zoom: int
) -> Image.Image:
    """Panels of scalar images side by side on one diverging scale, colour bar below."""
    tiles = [titled(diverging(values, limit), title, zoom) for title, values in panels]
    gap = 10
    width = sum(t.width for t in tiles) + gap * (len(tiles) - 1)
    bar = colour_bar(min(width, 480), limit, label)
    figure = Image.new(
        "RGB", (width, max(t.height for t in tiles) + bar.height + 6), "white"
    )
    x = 0
    for tile in tiles:
        figure.paste(tile, (x, 0))
        x += tile.width + gap
    figure.paste(bar, ((width - bar.width) // 2, figure.height - bar.height))
    return figure
