"""The scene and pieces reach the kernels as Taichi argument packs (kernels/buffers.py,
docs/design.md §6): one pack per type whose members every call replaces. These tests
pin what would otherwise go wrong silently: a pack that keeps an earlier scene's arrays
or scalars, and member names shared between packs (Taichi 1.7 then reads one as None).
"""

from __future__ import annotations

import numpy as np
from builders import scene_dict, square
from conftest import ARCH
from reynolds import backward, parse_scene, render
from reynolds.kernels import buffers as kernel_buffers
from reynolds.kernels.buffers import SceneArgs
from reynolds.kernels.edges import PieceArgs
from reynolds.packing import pack_scene


def _polygon(pid, points, fill):
    return {"id": pid, "type": "polygon", "points": points, "fill": list(fill)}


def _scenes():
    # Different canvases (so different tile grids and tile sizes), shape counts, vertex
    # counts and kinds: every member of the packs changes between the two.
    small = parse_scene(
        scene_dict(
            24,
            16,
            [_polygon("sq", square(3.2, 2.5, 17.7, 12.1), (0.9, 0.3, 0.1))],
            background=(0.1, 0.2, 0.3),
        )
    )
    large = parse_scene(
        scene_dict(
            200,
            120,
            [
                _polygon(
                    "tri", [[20.5, 100.2], [90.3, 10.7], [180.1, 95.9]], (0.2, 0.8, 0.4)
                ),
                {
                    "id": "disc",
                    "type": "circle",
                    "center": [120.3, 60.7],
                    "radius": 30.2,
                    "fill": [0.1, 0.4, 0.9],
                    "opacity": 0.7,
                },
            ],
            background=(1.0, 1.0, 1.0),
        )
    )
    return small, large


def test_pack_member_names_are_disjoint():
    # Taichi resolves argpack members by name across a kernel's packs: a shared name
    # reads as None in one of them (found with "kind"), so the boundary kernel's two
    # packs must not share one.
    assert not set(SceneArgs.members) & set(PieceArgs.members)


def test_tile_grids_of_the_two_scenes_differ():
    small, large = (pack_scene(s) for s in _scenes())
    assert (small.tiles_x, small.width) != (large.tiles_x, large.width)


def test_alternating_scenes_give_each_its_own_result():
    # Each call replaces the shared packs' members: a render or gradient of one scene
    # right after the other's must equal the same call made with freshly built packs.
    small, large = _scenes()
    adjoint = {
        s: np.random.default_rng(1).normal(size=(s.canvas.height, s.canvas.width, 3))
        for s in (small, large)
    }

    def both(scene):
        image = render(scene, spp=4, seed=3, arch=ARCH)
        grads = backward(scene, adjoint[scene], spp=4, seed=3, arch=ARCH)
        return image, grads

    first = {}
    for scene in (small, large):
        kernel_buffers._shared_packs.clear()  # the reference: packs built for it alone
        first[scene] = both(scene)
    for scene in (large, small, large, small):
        image, grads = both(scene)
        np.testing.assert_array_equal(image, first[scene][0])
        assert grads.keys() == first[scene][1].keys()
        for name, value in grads.items():
            np.testing.assert_array_equal(value, first[scene][1][name])
