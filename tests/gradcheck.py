"""Statistical comparison of estimated gradients with the exact reference."""

from __future__ import annotations

import numpy as np
from conftest import ARCH
from reynolds import Scene
from reynolds.backward import backward_with_stderr
from reynolds.validation import agreement_z, exact_gradient, smooth_adjoint

REPEAT = 128  # independent seeds per estimate
Z_MAX = 5.0  # |t| with 31 degrees of freedom exceeds 5 with probability 2e-5


def gradient_report(
    scene: Scene, params: list[str], *, adjoint=None, repeat=REPEAT, seed=0, **options
):
    """(mean, stderr, exact) dicts for `params` under a smooth random adjoint."""
    h, w = scene.canvas.height, scene.canvas.width
    adjoint = smooth_adjoint(h, w, seed=7) if adjoint is None else adjoint
    mean, stderr = backward_with_stderr(
        scene, adjoint, params=params, repeat=repeat, seed=seed, arch=ARCH, **options
    )
    return mean, stderr, exact_gradient(scene, adjoint, params=params)


def assert_matches_exact(
    scene: Scene, params: list[str], *, z_max=Z_MAX, max_rel_stderr=0.02, **options
):
    """Every component within z_max standard errors of the exact gradient.

    The standard error must also be below `max_rel_stderr` times the largest exact
    component, so that a pass means something (a tiny estimate with a huge error bar
    would pass any z test). `agreement_z` floors the standard error at 2e-4 of each
    parameter's largest exact component; a missing term, a wrong sign or a factor of two
    is still far outside that band.
    """
    mean, stderr, exact = gradient_report(scene, params, **options)
    scale = max(max(np.abs(v).max() for v in exact.values()), 1e-3)
    problems = []
    for name in params:
        z = agreement_z(mean[name], stderr[name], exact[name])
        for idx in np.ndindex(z.shape):
            if abs(z[idx]) > z_max or stderr[name][idx] > max_rel_stderr * scale:
                problems.append(
                    f"{name}{list(idx) if idx else ''}: estimate {mean[name][idx]:.6g} "
                    f"exact {exact[name][idx]:.6g} stderr {stderr[name][idx]:.3g} z {z[idx]:.2f}"
                )
    assert not problems, "gradient mismatch:\n" + "\n".join(problems)
    return mean, stderr, exact
