"""References for gradients: exact ones, and finite differences of the Monte Carlo renderer.

- `exact_gradient`: central differences of sum(adjoint * render_exact) (docs/design.md §5). The
  exact image is smooth in the parameters almost everywhere, so with small steps this is
  the true gradient to ~1e-7 (circle polygons keep a fixed number of sides across a step).
- `finite_difference_gradient`: central differences of the Monte Carlo image with common
  random numbers (the same seed on both sides). A sample only flips when an edge
  crosses it, so steps must be large enough to cross many samples, and the estimate
  carries an O(step^2) bias and noise: an everyday check, not a reference.
- `exact_one_sided`: the one-sided derivatives d- and d+ of the exact image, and whether
  they agree; where they differ, a conservative gradient lies between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from reynolds.exact import circle_segment_counts, render_exact_image
from reynolds.frames import frames_of
from reynolds.params import get_param, param_names, parse_name, set_param
from reynolds.render import render
from reynolds.scene import Scene

# Steps of the exact central differences, per attribute, in the parameter's units.
EXACT_STEPS = {"rotate": 1e-3, "scale": 1e-5}
EXACT_STEP = 1e-4  # positions (pixels) and colours
# Steps of Monte Carlo finite differences: a quarter pixel of motion.
MC_MOTION = 0.25
MC_COLOUR_STEP = 1e-2


def _extent(scene: Scene, shape_id: str) -> float:
    """Largest distance (pixels) of a shape's boundary from its pivot."""
    k = scene.index_of[shape_id]
    return max(float(frames_of(scene).extent()[k]), 1e-6)


def mc_step(scene: Scene, name: str) -> float:
    """Finite-difference step for parameter `name` that moves edges by about 1/4 pixel."""
    ref = parse_name(scene, name)
    if ref.attribute in ("rotate", "scale"):
        extent = _extent(scene, ref.shape_id)
        return (
            MC_MOTION / extent * (180.0 / np.pi if ref.attribute == "rotate" else 1.0)
        )
    return MC_MOTION if ref.is_geometry else MC_COLOUR_STEP


def bounded_steps(value: float, attribute: str, h: float) -> tuple[float, float]:
    """Steps (up, down) <= h that keep value + up and value - down valid: opacity in
    [0, 1] (one-sided at a limit; the image is affine in each opacity, so that is still
    exact) and radius or scale positive (down at most half the value)."""
    up, down = h, h
    if attribute == "opacity":
        up, down = min(h, 1.0 - value), min(h, value)
    elif attribute in ("radius", "scale"):
        down = min(h, 0.5 * value)
    return up, down


def central_difference(
    scene: Scene, name: str, index: tuple, h: float, value_of: Callable[[Scene], object]
):
    """(value_of(theta + up) - value_of(theta - down)) / (up + down) for component
    `index` of parameter `name`, with `bounded_steps`; value_of may return arrays."""
    base = get_param(scene, name)
    up, down = bounded_steps(float(base[index]), parse_name(scene, name).attribute, h)
    plus, minus = base.copy(), base.copy()
    plus[index] += up
    minus[index] -= down
    high = np.asarray(value_of(set_param(scene, name, plus)), dtype=np.float64)
    low = np.asarray(value_of(set_param(scene, name, minus)), dtype=np.float64)
    return (high - low) / (up + down)


def _central_differences(
    scene: Scene,
    names: Sequence[str],
    value_of: Callable[[Scene], float],
    step_of: Callable[[str], float],
) -> dict[str, np.ndarray]:
    grads = {}
    for name in names:
        base = get_param(scene, name)
        grad = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            grad[idx] = central_difference(scene, name, idx, step_of(name), value_of)
        grads[name] = grad
    return grads


def _exact_objective(scene: Scene, adjoint: np.ndarray, name: str, segments):
    """theta-scene -> sum(adjoint * exact image) over the pixels `name` can change."""
    window = _window(scene, name)

    def value(s: Scene) -> float:
        return float(
            np.sum(adjoint * render_exact_image(s, segments=segments, window=window))
        )

    return value


def exact_gradient(
    scene: Scene,
    adjoint: np.ndarray,
    *,
    params: Sequence[str] | None = None,
    circle_tolerance: float = 1e-6,
) -> dict[str, np.ndarray]:
    """The gradient of sum(adjoint * exact image), by central differences of the exact image.

    At a point where the image is not differentiable this is the mean of the two
    one-sided derivatives; `exact_one_sided` gives both (docs/design.md §5).

    Args:
        adjoint: `[height, width, 3]` weights.
        params: names (default: every parameter).
        circle_tolerance: per-pixel tolerance of the circle polygons (fixed across steps).
    Returns:
        {name: float64 array shaped like the parameter}.
    """
    names = param_names(scene) if params is None else list(params)
    segments = circle_segment_counts(scene, circle_tolerance)
    adjoint = np.asarray(adjoint, dtype=np.float64)
    grads = {}
    for name in names:
        # A shape's parameters change only the pixels its bounds touch: integrate there.
        value = _exact_objective(scene, adjoint, name, segments)
        step = EXACT_STEPS.get(parse_name(scene, name).attribute, EXACT_STEP)
        grads.update(_central_differences(scene, [name], value, lambda _n, h=step: h))
    return grads


@dataclass(frozen=True)
class OneSidedGradient:
    """One-sided derivatives of sum(adjoint * exact image), per parameter component.

    Attributes:
        minus: {name: d-}, the derivative for the parameter decreasing,
            lim (f(theta) - f(theta - h)) / h.
        plus: {name: d+}, lim (f(theta + h) - f(theta)) / h.
        error: {name: bound} on the error of d- and d+ (the larger of the two): the
            Richardson extrapolation's own change between step pairs, plus rounding.
        agree: {name: bool array}, True where |d+ - d-| is within the error bounds: the
            objective is differentiable there (to the reference's accuracy).
    """

    minus: dict[str, np.ndarray]
    plus: dict[str, np.ndarray]
    error: dict[str, np.ndarray]
    agree: dict[str, np.ndarray]

    def interval(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(min(d-, d+), max(d-, d+)) of parameter `name`: where a conservative
        (Clarke) gradient component must lie."""
        return (
            np.minimum(self.minus[name], self.plus[name]),
            np.maximum(self.minus[name], self.plus[name]),
        )


def _richardson(value_of: Callable[[float], float], base: float, h: float):
    """One-sided derivative lim_{t -> 0+} (value_of(t) - base) / t, with an error bound.

    D(t) = (value_of(t) - base) / t = d + a sqrt(t) + c t + O(t^1.5) for a piecewise
    smooth objective with no kink in (0, h]. The sqrt(t) term is there where a circle is
    tangent to a pixel line (the cap beyond the line grows like t^1.5) and 0 elsewhere.
    Two eliminations remove both: S(t) = (sqrt(2) D(t/2) - D(t)) / (sqrt(2) - 1) has no
    sqrt(t) term, R(t) = 2 S(t/2) - S(t) no t term. R(h/2) (steps h .. h/8) is returned;
    |R(h/2) - R(h)| plus the rounding of the differences, amplified by the eliminations
    (about 7x): 1e-12 (|base| + 1) / (h/8), bounds the error (docs/design.md §5.3).
    """
    d = {t: (value_of(t) - base) / t for t in (h, h / 2, h / 4, h / 8)}
    root2 = math.sqrt(2.0)

    def s(t: float) -> float:
        return (root2 * d[t / 2] - d[t]) / (root2 - 1.0)

    coarse = 2.0 * s(h / 2) - s(h)
    fine = 2.0 * s(h / 4) - s(h / 2)
    rounding = 1e-12 * (abs(base) + 1.0) / (h / 8)
    return fine, abs(fine - coarse) + rounding


def _shifted_value(scene, name, idx, sign, value_of, t: float) -> float:
    """value_of(scene with component idx of parameter `name` moved by sign * t)."""
    shifted = get_param(scene, name).copy()
    shifted[idx] += sign * t
    return value_of(set_param(scene, name, shifted))


def exact_one_sided(
    scene: Scene,
    adjoint: np.ndarray,
    *,
    params: Sequence[str] | None = None,
    circle_tolerance: float = 1e-6,
) -> OneSidedGradient:
    """One-sided derivatives d- and d+ of sum(adjoint * exact image), and whether they agree.

    Each is a one-sided difference quotient extrapolated to step 0 (Richardson, steps h,
    h/2, h/4 with h the step of `exact_gradient`), which removes the first-order error
    of the quotient without ever straddling the point (docs/design.md §5). Parameters
    with bounds (opacity in [0, 1], positive radius and scale) use the side that stays
    valid on both sides: at opacity 1 only d- exists, and it is reported for both.

    Args:
        adjoint: `[height, width, 3]` weights.
        params: names (default: every parameter).
    Returns:
        OneSidedGradient with arrays shaped like each parameter.
    """
    names = param_names(scene) if params is None else list(params)
    segments = circle_segment_counts(scene, circle_tolerance)
    adjoint = np.asarray(adjoint, dtype=np.float64)
    minus, plus, error, agree = {}, {}, {}, {}
    for name in names:
        value = _exact_objective(scene, adjoint, name, segments)
        attribute = parse_name(scene, name).attribute
        h = EXACT_STEPS.get(attribute, EXACT_STEP)
        base_param = get_param(scene, name)
        base = value(scene)
        sides = {1.0: np.zeros_like(base_param), -1.0: np.zeros_like(base_param)}
        bound = np.zeros_like(base_param)
        for idx in np.ndindex(base_param.shape):
            up, down = bounded_steps(float(base_param[idx]), attribute, h)
            for sign, room in ((1.0, up), (-1.0, down)):
                if room <= 0.0:
                    continue

                moved = partial(_shifted_value, scene, name, idx, sign, value)
                slope, err = _richardson(moved, base, room)
                sides[sign][idx] = sign * slope
                bound[idx] = max(bound[idx], err)
            # A parameter at a limit has one side only: report it for both.
            if up <= 0.0:
                sides[1.0][idx] = sides[-1.0][idx]
            if down <= 0.0:
                sides[-1.0][idx] = sides[1.0][idx]
        plus[name], minus[name], error[name] = sides[1.0], sides[-1.0], bound
        agree[name] = np.abs(plus[name] - minus[name]) <= 4.0 * bound
    return OneSidedGradient(minus=minus, plus=plus, error=error, agree=agree)


def _window(scene: Scene, name: str) -> tuple[int, int, int, int] | None:
    """Pixels (row0, row1, col0, col1) that parameter `name` can change, with a margin."""
    ref = parse_name(scene, name)
    if ref.shape_id is None:
        return None
    k = scene.index_of[ref.shape_id]
    x0, y0, x1, y1 = frames_of(scene).world_bounds()[k]
    width, height = scene.canvas.width, scene.canvas.height
    margin = 2.0  # exact steps move boundaries by far less than a pixel
    return (
        int(np.clip(np.floor(y0 - margin), 0, height)),
        int(np.clip(np.ceil(y1 + margin), 0, height)),
        int(np.clip(np.floor(x0 - margin), 0, width)),
        int(np.clip(np.ceil(x1 + margin), 0, width)),
    )


def finite_difference_gradient(
    scene: Scene,
    adjoint: np.ndarray,
    *,
    params: Sequence[str] | None = None,
    spp: int = 16,
    seed: int = 0,
    sampler: str = "jitter",
    arch: str = "auto",
    steps: dict[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Central differences of sum(adjoint * Monte Carlo image) with common random numbers.

    Args:
        steps: {name: step} overriding `mc_step` (a quarter pixel of edge motion).
    Returns:
        {name: float64 array shaped like the parameter}.
    """
    names = param_names(scene) if params is None else list(params)
    adjoint = np.asarray(adjoint, dtype=np.float64)
    steps = steps or {}

    def value(s: Scene) -> float:
        return float(
            np.sum(adjoint * render(s, spp=spp, seed=seed, sampler=sampler, arch=arch))
        )

    return _central_differences(
        scene, names, value, lambda n: steps.get(n, mc_step(scene, n))
    )


def smooth_adjoint(
    height: int, width: int, *, seed: int = 0, waves: int = 4
) -> np.ndarray:
    """A smooth random adjoint `[height, width, 3]` in about [-1, 1]: a sum of plane waves
    with periods of 1/4 to 1 canvas. Finite differences of a Monte Carlo render need a
    smooth adjoint: with white noise, the loss jumps whenever an edge crosses a column."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] + 0.5
    out = np.zeros((height, width, 3))
    size = max(height, width)
    for ch in range(3):
        for _ in range(waves):
            kx, ky = rng.uniform(-4, 4, 2) * np.pi / size
            out[:, :, ch] += np.cos(kx * x + ky * y + rng.uniform(0, 2 * np.pi)) / waves
    return out * 2.0


# The kernels hold geometry and colours in float32 (relative rounding 6e-8), the exact
# reference in float64: an estimate that is exact for the float32 scene (a translation
# gradient with stratified edge samples, say) differs from the float64 reference by
# about this much relative to its size (measured: up to 4e-7 on the test scenes).
KERNEL_RELATIVE_ACCURACY = 2e-6


def reference_accuracy(exact: OneSidedGradient, name: str) -> np.ndarray:
    """How far a correct estimate may lie from the exact one-sided derivatives of
    parameter `name` without any Monte Carlo noise: the reference's own error bound plus
    the float32 rounding of the kernels (KERNEL_RELATIVE_ACCURACY)."""
    size = np.maximum(np.abs(exact.minus[name]), np.abs(exact.plus[name]))
    return exact.error[name] + KERNEL_RELATIVE_ACCURACY * (1.0 + size)


def interval_z(
    estimate: np.ndarray,
    stderr: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    accuracy: np.ndarray,
) -> np.ndarray:
    """Signed distance of a Monte Carlo mean from the interval [low, high], in standard
    errors: 0 inside, (estimate - high) / s above, (estimate - low) / s below, with
    s = sqrt(stderr^2 + accuracy^2) combining the estimate's standard error with the
    reference's own error bound (docs/design.md §5).

    With K independent seeds, an unbiased estimator and a per-seed distribution that is
    not too skewed, |z| > Z has probability at most 2 (1 - Phi(Z)) per component under
    the null hypothesis (Student t for small K); a point interval [d, d] is the
    ordinary z test.
    """
    estimate = np.asarray(estimate, dtype=np.float64)
    stderr = np.where(np.isfinite(stderr), stderr, 0.0)
    scale = np.sqrt(np.asarray(stderr) ** 2 + np.asarray(accuracy) ** 2)
    scale = np.maximum(scale, 1e-300)
    above = np.maximum(estimate - high, 0.0)
    below = np.minimum(estimate - low, 0.0)
    return (above + below) / scale


def agreement_z(
    estimate: np.ndarray, stderr: np.ndarray, exact: np.ndarray
) -> np.ndarray:
    """z = (estimate - exact) / s per component, s = sqrt(stderr^2 + accuracy^2), where
    the accuracy KERNEL_RELATIVE_ACCURACY (1 + |exact|) covers the float32 kernels and
    the exact central differences."""
    exact = np.asarray(exact, dtype=np.float64)
    accuracy = KERNEL_RELATIVE_ACCURACY * (1.0 + np.abs(exact))
    return interval_z(estimate, stderr, exact, exact, accuracy)
