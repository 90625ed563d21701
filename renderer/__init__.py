"""Reynolds: a 2D differentiable renderer with edge-sampled boundary gradients.

Public API (DESIGN.md section 6); everything else in this package is internal.
"""

from renderer.backward import backward, backward_with_stderr, loss_and_grad
from renderer.demos import demo_names, load_demo, run_demo
from renderer.derivative_image import derivative_figure, derivative_image
from renderer.errors import SceneError
from renderer.optimize import optimize, tolerance_for
from renderer.params import ParamVector, get_param, param_names, set_param
from renderer.render import render, render_exact
from renderer.scene import Canvas, Circle, Polygon, Scene, Transform
from renderer.scene_io import load_scene, parse_scene, save_scene, scene_to_dict
from renderer.validation import (
    exact_gradient,
    finite_difference_gradient,
    smooth_adjoint,
)

__all__ = [
    "Canvas",
    "Circle",
    "ParamVector",
    "Polygon",
    "Scene",
    "SceneError",
    "Transform",
    "backward",
    "backward_with_stderr",
    "demo_names",
    "derivative_figure",
    "derivative_image",
    "exact_gradient",
    "finite_difference_gradient",
    "get_param",
    "load_demo",
    "load_scene",
    "loss_and_grad",
    "optimize",
    "param_names",
    "parse_scene",
    "render",
    "render_exact",
    "run_demo",
    "save_scene",
    "scene_to_dict",
    "set_param",
    "smooth_adjoint",
    "tolerance_for",
]
