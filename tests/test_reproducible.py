"""Equal seeds and inputs give byte-identical gradients (docs/nonsmooth.md, Reproducibility).

The backward pass sums millions of float64 terms in parallel; these tests run the same
call several times in one process and compare the bytes of every result, so any
reduction whose order depends on thread scheduling shows up as a difference in the last
bits. Many overlapping shapes make such races likely: with parallel float64 atomic
adds (before the sums were put in a fixed order), the backward and tangent-mode cases
below gave 6 distinct results in 6 runs on 2 CPU threads.
"""

from __future__ import annotations

import numpy as np
import pytest
import reynolds.kernels as kernels
from builders import scene_dict
from conftest import ARCH
from reynolds import backward, derivative_image, parse_scene
from reynolds.packing import pack_scene

RUNS = 6


def many_shapes(count: int, size: int, *, seed: int) -> dict:
    """`count` random triangles and circles (alternating, 3-12 px) with every transform
    kind and partial opacity on a `size` x `size` canvas, so that tiles hold many
    overlapping shapes and every parameter kind has a gradient."""
    rng = np.random.default_rng(seed)
    shapes = []
    for k in range(count):
        center = rng.uniform(0, size, 2)
        extent = rng.uniform(3.0, 12.0)
        common = {
            "id": f"s{k}",
            "fill": rng.uniform(0, 1, 3).round(3).tolist(),
            "opacity": round(float(rng.uniform(0.3, 1.0)), 3),
            "transform": {
                "translate": rng.uniform(-1, 1, 2).round(3).tolist(),
                "rotate": round(float(rng.uniform(-30, 30)), 2),
                "scale": round(float(rng.uniform(0.8, 1.2)), 3),
            },
        }
        if k % 2:
            shapes.append(
                common
                | {
                    "type": "circle",
                    "center": center.round(3).tolist(),
                    "radius": round(extent / 2, 3),
                }
            )
        else:
            angles = np.sort(rng.uniform(0, 2 * np.pi, 3))
            points = center + extent * np.column_stack([np.cos(angles), np.sin(angles)])
            shapes.append(
                common | {"type": "polygon", "points": points.round(3).tolist()}
            )
    return scene_dict(size, size, shapes, background=(0.2, 0.3, 0.4))


def as_bytes(grads: dict[str, np.ndarray]) -> dict[str, bytes]:
    return {
        name: np.ascontiguousarray(value).tobytes() for name, value in grads.items()
    }


def test_backward_is_bit_reproducible_for_every_parameter():
    # 600 shapes on 96 x 96 px, so tiles hold dozens of overlapping shapes; 8 pixel
    # samples and the default edge samples.
    scene = parse_scene(many_shapes(600, 96, seed=3))
    adjoint = np.random.default_rng(4).normal(size=(96, 96, 3))
    runs = [
        as_bytes(backward(scene, adjoint, spp=8, seed=5, arch=ARCH))
        for _ in range(RUNS)
    ]
    # Every kind: polygon points, circle centre and radius, fill, opacity, translate,
    # rotate, scale (6 names per polygon, 7 per circle) and the background.
    assert len(runs[0]) == 300 * 6 + 300 * 7 + 1
    for run in runs[1:]:
        assert run == runs[0]


def test_iid_edge_sampling_is_bit_reproducible():
    # i.i.d. edge samples are not grouped by piece: each sample is its own work item.
    scene = parse_scene(many_shapes(300, 64, seed=6))
    adjoint = np.random.default_rng(7).normal(size=(64, 64, 3))
    runs = [
        as_bytes(
            backward(
                scene,
                adjoint,
                spp=4,
                seed=8,
                edge_sampling="iid",
                edge_samples=200_000,
                arch=ARCH,
            )
        )
        for _ in range(RUNS)
    ]
    for run in runs[1:]:
        assert run == runs[0]


def test_derivative_image_is_bit_reproducible():
    # The public entry to tangent mode. A centre moves the edge at a speed V . n that
    # varies along it, so the terms a pixel sums differ and their sum depends on their
    # order (equal terms, as for a radius, would not). Only one circle moves, and its
    # samples are consecutive, so atomics reordered them rarely (equal in 6 runs on 2
    # threads); the next test, where every edge moves, is the sharp one.
    scene = parse_scene(many_shapes(600, 96, seed=9))
    runs = [
        derivative_image(
            scene, "s11.center", edge_samples=2_000_000, seed=10, arch=ARCH
        ).tobytes()
        for _ in range(RUNS)
    ]
    for run in runs[1:]:
        assert run == runs[0]


@pytest.mark.parametrize("placement", ["stratified", "iid"])
def test_tangent_mode_with_every_edge_moving_is_bit_reproducible(placement):
    # Every vertex and circle of 600 shapes moves (random velocities), so every edge
    # sample adds to the image, and a pixel's terms come from several pieces (and with
    # i.i.d. samples from all over the sample range). Parallel atomic adds gave 6
    # distinct images in 6 runs here, in both modes.
    scene = parse_scene(many_shapes(600, 96, seed=11))
    buffers = pack_scene(scene)
    pieces = kernels.build_edge_pieces(buffers)
    rng = np.random.default_rng(12)
    velocity_verts = rng.normal(size=buffers.verts.shape)
    velocity_circle = rng.normal(size=buffers.circle.shape)
    runs = [
        kernels.boundary_tangent(
            buffers,
            pieces,
            velocity_verts,
            velocity_circle,
            samples=500_000,
            seed=13,
            placement=placement,
            arch=ARCH,
        ).tobytes()
        for _ in range(RUNS)
    ]
    for run in runs[1:]:
        assert run == runs[0]


def test_equal_results_differ_between_seeds():
    # The comparison above would pass trivially if the seed were ignored.
    scene = parse_scene(many_shapes(300, 64, seed=6))
    adjoint = np.random.default_rng(7).normal(size=(64, 64, 3))
    a = backward(scene, adjoint, spp=4, seed=1, arch=ARCH)
    b = backward(scene, adjoint, spp=4, seed=2, arch=ARCH)
    assert not np.array_equal(a["s1.center"], b["s1.center"])
    assert not np.array_equal(a["s0.fill"], b["s0.fill"])
