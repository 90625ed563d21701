"""The counter-based RNG and the pixel samplers."""

from __future__ import annotations

import numpy as np
import pytest
from reynolds.kernels.rng import DOMAIN_EDGE, DOMAIN_PIXEL, uniform_numpy, uniform_table
from reynolds.kernels.sampling import SAMPLERS, jitter_grid, sample_positions


def test_taichi_hash_matches_its_numpy_twin_bit_for_bit():
    out = np.zeros((1000, 7), dtype=np.float32)
    for seed, domain in [
        (0, DOMAIN_PIXEL),
        (123456789, DOMAIN_EDGE),
        (2**32 - 1, DOMAIN_PIXEL),
    ]:
        uniform_table(out, seed, domain)
        twin = uniform_numpy(
            seed, domain, np.arange(1000)[:, None], np.arange(7)[None, :]
        )
        np.testing.assert_array_equal(out, twin)


def test_uniforms_look_uniform_and_independent():
    # 10^6 draws: the mean and the lag-1 correlation have standard errors of 2.9e-4 and
    # 1e-3; 5 standard errors are allowed. Each decile holds 10 % +- 0.15 % (about 5 se).
    u = (
        uniform_numpy(
            42, DOMAIN_PIXEL, np.arange(100_000)[:, None], np.arange(10)[None, :]
        )
        .ravel()
        .astype(np.float64)
    )
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * 2.9e-4
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5e-3
    counts = np.histogram(u, bins=10, range=(0, 1))[0] / u.size
    assert np.all(np.abs(counts - 0.1) < 1.5e-3)


@pytest.mark.parametrize(
    "spp, grid",
    [(1, (1, 1)), (4, (2, 2)), (16, (4, 4)), (8, (4, 2)), (12, (4, 3)), (7, (7, 1))],
)
def test_jitter_grid_is_as_square_as_possible(spp, grid):
    assert jitter_grid(spp) == grid


def positions(sampler, spp, seed=5, h=3, w=4):
    out = np.zeros((h, w, spp, 2), dtype=np.float32)
    sample_positions(out, SAMPLERS[sampler], seed, *jitter_grid(spp))
    return out


@pytest.mark.parametrize("sampler", ["jitter", "iid", "r2"])
def test_samples_stay_inside_their_pixel(sampler):
    pts = positions(sampler, 16)
    cols = np.arange(4)[None, :, None]
    rows = np.arange(3)[:, None, None]
    assert np.all((pts[..., 0] >= cols) & (pts[..., 0] < cols + 1))
    assert np.all((pts[..., 1] >= rows) & (pts[..., 1] < rows + 1))


def test_jitter_puts_one_sample_in_each_stratum():
    pts = positions("jitter", 12)  # 4 x 3 strata
    local = pts - np.floor(pts)
    cells = np.floor(local[..., 0] * 4).astype(int) + 4 * np.floor(
        local[..., 1] * 3
    ).astype(int)
    for i in range(3):
        for j in range(4):
            assert sorted(cells[i, j]) == list(range(12))


def test_r2_points_are_a_shifted_lattice_sequence():
    # Consecutive R2 points differ by the same step (mod 1) in every pixel.
    pts = positions("r2", 8).astype(np.float64)
    steps = np.mod(np.diff(pts - np.floor(pts), axis=2), 1.0)
    np.testing.assert_allclose(steps[..., 0], 1 / 1.32471795724474602596, atol=2e-6)
    np.testing.assert_allclose(steps[..., 1], 1 / 1.32471795724474602596**2, atol=2e-6)


def test_pixel_streams_differ_between_pixels_and_seeds():
    a, b = positions("iid", 4, seed=1), positions("iid", 4, seed=2)
    local = a - np.floor(a)
    assert len(np.unique(local.reshape(-1, 2), axis=0)) == 3 * 4 * 4
    assert not np.allclose(a, b)
