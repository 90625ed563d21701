"""The boundary estimators: each name's sample placement, pieces and rule (docs/design.md §3.7).

An estimator of the boundary term decides where its edge samples go along the scene's
boundary pieces and how a sample's jump is evaluated. Every estimator here except
"epsilon" (a rule biased at coincident edges, kept for comparison) is unbiased for the
two-sided derivative of docs/design.md §4; "analytic" has no variance at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from reynolds.errors import SceneError
from reynolds.kernels import (
    EdgePieces,
    SceneBuffers,
    build_edge_pieces,
    importance_mass,
)
from reynolds.kernels.crossings import split_at_crossings


@dataclass(frozen=True)
class BoundaryEstimator:
    """One way to estimate the boundary term.

    Attributes:
        name: the `edge_sampling` value.
        placement: the kernel's sample placement (`reynolds.kernels.boundary.PLACEMENTS`).
        epsilon: diffvg's rule (jump a step off the edge) instead of the two-sided rule.
        whole_circles: circles are sampled as whole half-turns (antithetic pairs).
        needs_adjoint: the placement follows the adjoint, so it has no tangent mode.
        soft: no edge samples: the exact gradient of the soft rasteriser's smoothed
            image from the pixel samples (docs/design.md §3.8; adjoint mode only).
        unbiased: its mean is the two-sided derivative of docs/design.md §4.
        split_crossings: the pieces are also cut wherever another boundary meets them
            (`split_at_crossings`), so that the jump is constant along each.
        summary: one line for help texts and tables.
    """

    name: str
    placement: str | None
    epsilon: bool = False
    whole_circles: bool = False
    needs_adjoint: bool = False
    soft: bool = False
    unbiased: bool = True
    split_crossings: bool = False
    summary: str = ""


ESTIMATORS: dict[str, BoundaryEstimator] = {
    e.name: e
    for e in (
        BoundaryEstimator(
            "stratified",
            "stratified",
            summary="pieces cut at pixel lines, samples stratified along each piece",
        ),
        BoundaryEstimator(
            "iid", "iid", summary="independent samples by length over the boundary"
        ),
        BoundaryEstimator(
            "length",
            "cdf",
            summary="samples stratified along the cumulative length, no pixel split",
        ),
        BoundaryEstimator(
            "antithetic",
            "antithetic",
            whole_circles=True,
            summary="pairs t, 1 - t along each piece; phi, phi + pi on circles",
        ),
        BoundaryEstimator(
            "importance",
            "cdf",
            needs_adjoint=True,
            summary="pieces by |adjoint| x length (defensive mix with length)",
        ),
        BoundaryEstimator(
            "epsilon",
            "stratified",
            epsilon=True,
            unbiased=False,
            summary="diffvg's rule: the jump a 1e-4 px step off each side (biased)",
        ),
        BoundaryEstimator(
            "analytic",
            "midpoint",
            split_crossings=True,
            summary="pieces cut at pixel lines and crossings, integrated exactly",
        ),
        BoundaryEstimator(
            "soft",
            None,
            soft=True,
            unbiased=False,
            summary="soft rasteriser: exact gradient of a sigmoid-smoothed image (biased)",
        ),
    )
}
EDGE_SAMPLINGS = tuple(ESTIMATORS)
UNBIASED = tuple(name for name, e in ESTIMATORS.items() if e.unbiased)


def boundary_estimator(name: str) -> BoundaryEstimator:
    """The estimator called `name`, or a ValueError listing the known names."""
    if name not in ESTIMATORS:
        raise ValueError(f"edge_sampling must be one of {EDGE_SAMPLINGS}, got {name!r}")
    return ESTIMATORS[name]


def estimator_pieces(
    estimator: BoundaryEstimator,
    buffers: SceneBuffers,
    adjoint: np.ndarray | None = None,
) -> EdgePieces:
    """The boundary pieces `estimator` samples, with the mass it draws them by.

    Raises:
        SceneError: an adjoint-driven estimator asked for without an adjoint (tangent mode).
    """
    pieces = build_edge_pieces(buffers, whole_circles=estimator.whole_circles)
    if estimator.split_crossings:
        pieces = split_at_crossings(buffers, pieces)
    if estimator.needs_adjoint:
        if adjoint is None:
            raise SceneError(
                f"edge_sampling {estimator.name!r} follows the adjoint and has no "
                "derivative-image (tangent) mode; use another estimator"
            )
        pieces = importance_mass(buffers, pieces, adjoint)
    return pieces
