"""`reynolds grad`, `reynolds check-grad` and `reynolds gradimage`."""

from __future__ import annotations

import argparse

import numpy as np
from reynolds.atomic import write_atomic
from reynolds.backward import backward_with_stderr, check_adjoint, loss_adjoint
from reynolds.cli.options import (
    add_edge_sampling,
    add_sampling,
    check_output_folder,
    checked_params,
    name_list,
    positive_float,
    repeat_count,
)
from reynolds.derivative_image import METHODS, derivative_figure, derivative_image
from reynolds.errors import SceneError
from reynolds.image_io import check_image_path, npy_bytes, read_array
from reynolds.json_text import json_text
from reynolds.params import component_labels, get_param, param_names
from reynolds.render import render
from reynolds.scene import Scene
from reynolds.scene_io import load_scene
from reynolds.targets import load_target
from reynolds.validation import (
    exact_one_sided,
    finite_difference_gradient,
    interval_z,
    reference_accuracy,
    smooth_adjoint,
)


def _load_adjoint(path: str, scene: Scene) -> np.ndarray:
    try:
        return check_adjoint(scene, read_array(path))
    except SceneError as error:
        raise SceneError(error.message, source=path) from None


def _backward_options(args: argparse.Namespace) -> dict:
    return {
        "spp": args.spp,
        "sampler": args.sampler,
        "arch": args.arch,
        "edge_samples": args.edge_samples,
        "edge_sampling": args.edge_sampling,
        "soft_sigma": args.soft_sigma,
    }


def _edge_sampling_label(args: argparse.Namespace) -> str:
    """--edge-sampling as a report names it: with its temperature when it is "soft"."""
    if args.edge_sampling == "soft":
        return f"soft (sigma {args.soft_sigma:g} px)"
    return args.edge_sampling


def _as_json(value: np.ndarray):
    return value.tolist() if value.ndim else float(value)


def cmd_grad(args: argparse.Namespace) -> int:
    if args.output:
        check_output_folder(args.output)
    scene = load_scene(args.scene)
    names = checked_params(scene, args.params, param_names(scene))
    if args.adjoint:
        adjoint = _load_adjoint(args.adjoint, scene)
        loss = None
    else:
        target = load_target(args.target, scene)
        loss, adjoint = loss_adjoint(
            scene,
            target,
            loss=args.loss,
            seed=args.seed,
            spp=args.spp,
            sampler=args.sampler,
            arch=args.arch,
        )
    mean, stderr = backward_with_stderr(
        scene,
        adjoint,
        repeat=args.repeat,
        seed=args.seed,
        params=names,
        estimator=args.estimator,
        **_backward_options(args),
    )
    if loss is None:
        loss = float(
            np.sum(
                adjoint
                * render(
                    scene,
                    spp=args.spp,
                    seed=args.seed,
                    sampler=args.sampler,
                    arch=args.arch,
                )
            )
        )
    report = {"loss": loss, "grads": {n: _as_json(v) for n, v in mean.items()}}
    if args.repeat > 1:
        report["stderr"] = {n: _as_json(v) for n, v in stderr.items()}
    text = json_text(report)
    if args.output:
        write_atomic(args.output, text.encode("utf-8"))
    else:
        print(text, end="")
    return 0


def cmd_check_grad(args: argparse.Namespace) -> int:
    scene = load_scene(args.scene)
    names = checked_params(scene, args.params, param_names(scene))
    h, w = scene.canvas.height, scene.canvas.width
    adjoint = (
        _load_adjoint(args.adjoint, scene)
        if args.adjoint
        else smooth_adjoint(h, w, seed=args.seed)
    )
    mean, stderr = backward_with_stderr(
        scene,
        adjoint,
        repeat=args.repeat,
        seed=args.seed,
        params=names,
        **_backward_options(args),
    )
    fd = finite_difference_gradient(
        scene,
        adjoint,
        params=names,
        spp=args.spp,
        seed=args.seed,
        sampler=args.sampler,
        arch=args.arch,
    )
    exact = exact_one_sided(scene, adjoint, params=names)
    print(
        f"check-grad {args.scene}: {args.repeat} seeds from {args.seed}, {args.spp} spp, "
        f"edge samples {args.edge_samples or 'default'}, {_edge_sampling_label(args)}; PASS when |z| <= {args.z_max:g}"
    )
    print(
        "exact: the derivative of the exact image, or [d-, d+] where its one-sided "
        "derivatives differ (a non-differentiable point);\n"
        "z: distance of the estimate from it in units of sqrt(stderr^2 + reference error^2)"
    )
    header = f"{'parameter':<28} {'estimate':>12} {'stderr':>10} {'fd (MC, CRN)':>13} {'exact':>23} {'z':>7}  result"
    print(header)
    print("-" * len(header))
    failures = 0
    for name in names:
        low, high = exact.interval(name)
        accuracy = reference_accuracy(exact, name)
        z_all = interval_z(mean[name], stderr[name], low, high, accuracy)
        for label, idx in component_labels(name, get_param(scene, name)):
            est, se, diff, z = (
                mean[name][idx],
                stderr[name][idx],
                fd[name][idx],
                z_all[idx],
            )
            if exact.agree[name][idx]:
                ref = f"{0.5 * (low[idx] + high[idx]):.5g}"
            else:
                ref = f"[{low[idx]:.5g}, {high[idx]:.5g}]"
            ok = abs(z) <= args.z_max
            failures += not ok
            print(
                f"{label:<28} {est:>12.5g} {se:>10.3g} {diff:>13.5g} {ref:>23} {z:>7.2f}  {'PASS' if ok else 'FAIL'}"
            )
    total = sum(get_param(scene, n).size for n in names)
    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


def cmd_gradimage(args: argparse.Namespace) -> int:
    check_image_path(args.output)
    check_output_folder(args.output)
    scene = load_scene(args.scene)
    checked_params(scene, [args.param], [], option="--param")
    options = {
        "component": args.component,
        "spp": args.spp,
        "seed": args.seed,
        "sampler": args.sampler,
        "arch": args.arch,
        "edge_samples": args.edge_samples,
        "edge_sampling": args.edge_sampling,
    }
    if args.output.lower().endswith(".npy"):
        image = derivative_image(scene, args.param, method=args.method, **options)
        write_atomic(args.output, npy_bytes(image))
        return 0
    methods = ("reynolds", "fd", "naive") + (("exact",) if args.exact else ())
    write_atomic(
        args.output, derivative_figure(scene, args.param, methods=methods, **options)
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grad",
        help="gradient of an image loss (or of sum(adjoint * image)) for named parameters",
    )
    p.add_argument("scene", help="scene file")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--adjoint", help="NPY weights dL/dI, height x width x 3")
    source.add_argument(
        "--target", help="target image: .png, .npy, or a .json scene rendered exactly"
    )
    p.add_argument(
        "--loss",
        choices=("l2", "l1"),
        default="l2",
        help="loss against --target (default l2: mean squared error)",
    )
    p.add_argument(
        "--params",
        type=name_list,
        default=None,
        help="comma-separated names (default: all)",
    )
    add_sampling(p)
    add_edge_sampling(p)
    p.add_argument(
        "--repeat",
        type=repeat_count,
        default=1,
        help="independent seeds to average; reports stderr when > 1",
    )
    p.add_argument(
        "--estimator",
        choices=("reynolds", "naive"),
        default="reynolds",
        help="reynolds: interior + boundary term (default); naive: interior term only",
    )
    p.add_argument(
        "-o", "--output", help="write the JSON report here instead of stdout"
    )
    p.set_defaults(handler=cmd_grad)

    p = sub.add_parser(
        "check-grad",
        help="compare gradients with finite differences and the exact reference",
    )
    p.add_argument("scene", help="scene file")
    p.add_argument(
        "--params",
        type=name_list,
        default=None,
        help="comma-separated names (default: all)",
    )
    p.add_argument(
        "--adjoint", help="NPY weights (default: a smooth random field from --seed)"
    )
    add_sampling(p)
    add_edge_sampling(p)
    p.add_argument(
        "--repeat",
        type=repeat_count,
        default=64,
        help="independent seeds (default 64: where another edge crosses a boundary "
        "piece the estimate takes a few discrete values, and fewer seeds understate "
        "its standard error)",
    )
    p.add_argument(
        "--z-max",
        type=positive_float,
        default=5.0,
        help="largest distance from the exact value or one-sided interval, in standard errors, that passes (default 5)",
    )
    p.set_defaults(handler=cmd_check_grad)

    p = sub.add_parser(
        "gradimage",
        help="draw dI/dtheta per pixel: edge sampling, finite differences, naive",
    )
    p.add_argument("scene", help="scene file")
    p.add_argument(
        "--param",
        required=True,
        help="parameter name, e.g. sun.radius or roof.points[1]",
    )
    p.add_argument(
        "--component",
        type=int,
        default=0,
        help="component of a vector parameter (default 0)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="output: a PNG figure, or an NPY file of the derivative image "
        "(H x W x 3 float64, by --method)",
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default="reynolds",
        help="the derivative image an NPY output holds (default reynolds)",
    )
    add_sampling(p, spp=64)
    add_edge_sampling(p)
    p.add_argument(
        "--exact", action="store_true", help="add a panel from the exact reference"
    )
    p.set_defaults(handler=cmd_gradimage)
