"""Reynolds: a 2D differentiable renderer with edge-sampled boundary gradients.

Public API (DESIGN.md section 6); everything else in this package is internal.
"""

from renderer.errors import SceneError
from renderer.params import ParamVector, get_param, param_names, set_param
from renderer.render import render, render_exact
from renderer.scene import Canvas, Circle, Polygon, Scene, Transform
from renderer.scene_io import load_scene, parse_scene, save_scene, scene_to_dict

__all__ = [
    "Canvas",
    "Circle",
    "ParamVector",
    "Polygon",
    "Scene",
    "SceneError",
    "Transform",
    "get_param",
    "load_scene",
    "param_names",
    "parse_scene",
    "render",
    "render_exact",
    "save_scene",
    "scene_to_dict",
    "set_param",
]
