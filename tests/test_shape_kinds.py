"""The registry of shape kinds: a shape class no kind handles is refused in one place,
with a message that names it, by every step that reads geometry; the kinds' primitives
keep the scene's order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from reynolds import param_names, render_exact, scene_to_dict
from reynolds.frames import frames_of
from reynolds.kernels import KIND_CIRCLE, KIND_POLYGON
from reynolds.kernels.buffers import SHAPE_KINDS as KERNEL_KINDS
from reynolds.packing import pack_scene
from reynolds.scene import Canvas, Circle, Polygon, Scene, Shape
from reynolds.shape_kinds import KINDS
from reynolds.svg_export import scene_to_svg


@dataclass(frozen=True)
class Ellipse(Shape):
    """A third shape class, made without a kind module."""

    center: tuple[float, float] = (8.0, 8.0)
    radii: tuple[float, float] = (4.0, 2.0)

    def pivot(self):
        return self.center


def scene_with_ellipse() -> Scene:
    square = Polygon(id="p", fill=(1.0, 0.0, 0.0), points=((1, 1), (6, 1), (6, 6)))
    return Scene(
        canvas=Canvas(16, 16),
        shapes=(square, Ellipse(id="e", fill=(0.0, 0.0, 1.0))),
    )


@pytest.mark.parametrize(
    "step",
    [frames_of, pack_scene, render_exact, param_names, scene_to_dict, scene_to_svg],
    ids=["frames", "packing", "exact", "params", "scene_io", "svg"],
)
def test_a_shape_of_an_unregistered_class_is_refused_by_name(step):
    with pytest.raises(TypeError, match=r"'e' is a Ellipse, which no shape kind"):
        step(scene_with_ellipse())


def test_primitives_follow_the_scene_order_across_kinds():
    first = ((0.0, 0.0), (4.0, 0.0), (0.0, 3.0))
    second = ((10.0, 10.0), (12.0, 10.0), (12.0, 13.0), (10.0, 12.0))
    scene = Scene(
        canvas=Canvas(16, 16),
        shapes=(
            Polygon(id="a", fill=(1.0, 1.0, 1.0), points=first),
            Circle(id="c", fill=(1.0, 1.0, 1.0), center=(5.0, 6.0), radius=2.0),
            Polygon(id="b", fill=(1.0, 1.0, 1.0), points=second),
        ),
    )
    frames = frames_of(scene)
    np.testing.assert_array_equal(frames.counts, [3, 0, 4])
    np.testing.assert_array_equal(
        frames.primitive, [KIND_POLYGON, KIND_CIRCLE, KIND_POLYGON]
    )
    np.testing.assert_array_equal(frames.world_vertices(), np.array(first + second))
    np.testing.assert_array_equal(frames.world_circles()[1], [5.0, 6.0, 2.0])
    np.testing.assert_array_equal(frames.pivot[[0, 2]], [[4 / 3, 1.0], [11.0, 11.25]])


def test_every_kind_lowers_to_a_primitive_the_kernels_know():
    assert {kind.primitive for kind in KINDS} <= set(KERNEL_KINDS)
    names, classes = {k.name for k in KINDS}, {k.cls for k in KINDS}
    assert len(names) == len(classes) == len(KINDS)
