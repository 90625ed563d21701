"""Reynolds: a 2D differentiable renderer with edge-sampled boundary gradients.

Public API (docs/design.md, "Public names"); everything else in this package is
internal. Importing it has no side effects: Taichi is initialised on the first kernel
call, and figures are drawn without selecting a matplotlib backend.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from reynolds.backward import backward, backward_with_stderr, loss_and_grad
from reynolds.demos import demo_names, load_demo, run_demo
from reynolds.derivative_image import derivative_figure, derivative_image
from reynolds.equal_time import equal_time_runs
from reynolds.errors import SceneError, SvgWarning
from reynolds.estimator_lab import run_lab
from reynolds.estimator_report import lab_summary, write_lab_outputs
from reynolds.estimators import EDGE_SAMPLINGS, ESTIMATORS
from reynolds.examples import example_names, example_scene
from reynolds.optimize import optimize, tolerance_for
from reynolds.params import ParamVector, get_param, param_names, set_param
from reynolds.render import render, render_exact
from reynolds.scene import Canvas, Circle, Polygon, Scene, Transform
from reynolds.scene_io import load_scene, parse_scene, save_scene, scene_to_dict
from reynolds.sgd_derivatives import differentiate_iterates
from reynolds.sgd_problem import BlendTarget, L2Weight, SceneParameter
from reynolds.sgd_reference import exact_reference
from reynolds.soft import render_soft
from reynolds.svg_export import save_svg
from reynolds.svg_import import load_svg
from reynolds.validation import (
    OneSidedGradient,
    exact_gradient,
    exact_one_sided,
    finite_difference_gradient,
    smooth_adjoint,
)

try:
    __version__ = _version("reynolds2d")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "EDGE_SAMPLINGS",
    "ESTIMATORS",
    "equal_time_runs",
    "lab_summary",
    "run_lab",
    "write_lab_outputs",
    "BlendTarget",
    "Canvas",
    "Circle",
    "L2Weight",
    "OneSidedGradient",
    "ParamVector",
    "Polygon",
    "Scene",
    "SceneError",
    "SceneParameter",
    "SvgWarning",
    "Transform",
    "backward",
    "backward_with_stderr",
    "demo_names",
    "derivative_figure",
    "derivative_image",
    "differentiate_iterates",
    "exact_gradient",
    "exact_one_sided",
    "exact_reference",
    "example_names",
    "example_scene",
    "finite_difference_gradient",
    "get_param",
    "load_demo",
    "load_scene",
    "load_svg",
    "loss_and_grad",
    "optimize",
    "param_names",
    "parse_scene",
    "render",
    "render_exact",
    "render_soft",
    "run_demo",
    "save_scene",
    "save_svg",
    "scene_to_dict",
    "set_param",
    "smooth_adjoint",
    "tolerance_for",
]
