"""The PyTorch adapter `reynolds.torch`: its gradients are Reynolds' `backward`, seeds are
paired as in `loss_and_grad`, and an L2 gradient through PyTorch is unbiased.

Why `torch.autograd.gradcheck` does not apply as is: gradcheck compares the Jacobian of
the forward function, by finite differences, with the one the backward pass returns. For
a Monte Carlo renderer with a fixed seed, the forward image is piecewise constant in
every geometric parameter (a sample flips only when an edge crosses it), so its finite
differences are zero or a jump, never the derivative of the pixel integral that the
boundary term estimates; and the adapter's backward deliberately draws samples
independent of the forward image's (so that the gradient of an L2 loss, which multiplies
the image by its derivative, is unbiased), so even for colours the two Jacobians are two
different estimates of one quantity. What is tested instead:
- (a) unbiasedness: the gradient of an L2 loss against an exact target, averaged over
  independent seeds, lies within `Z_MAX` standard errors of `reynolds.exact_gradient`
  (and the same check rejects the naive estimator, which drops the boundary term);
- (b) gradcheck itself, on colour parameters (fill, opacity, background) of a scene whose
  edges all lie on pixel lines: with a fixed seed the image is then multi-affine in those
  parameters and every pixel's samples agree, so forward and backward are both exact and
  gradcheck's finite differences apply; on a scene whose edges cross pixels, gradcheck
  fails, as it must when the backward's samples are independent of the forward's;
- the adapter's gradient equals `reynolds.backward` for the same seed, bit for bit.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install 'reynolds2d[torch]')"
)

from builders import scene_dict, square  # noqa: E402
from conftest import ARCH, SCENES  # noqa: E402
from reynolds import (  # noqa: E402
    SceneError,
    backward,
    exact_gradient,
    get_param,
    load_demo,
    load_scene,
    loss_and_grad,
    parse_scene,
    render_exact,
    set_param,
    smooth_adjoint,
    tolerance_for,
)
from reynolds.torch import SceneModule, render  # noqa: E402
from reynolds.validation import agreement_z  # noqa: E402

HOUSE_PARAMS = ["roof.points", "sun.center", "sun.radius", "sun.fill", "post.rotate"]
REPEAT = 32  # independent seeds per unbiasedness estimate
Z_MAX = 5.0  # |t| with 31 degrees of freedom exceeds 5 with probability 2e-5
# A pass must mean something: each parameter's standard error is at most this fraction
# of its largest exact component, so an error of half the gradient is >= 5 stderr away.
MAX_REL_STDERR = 0.1


def tensors(scene, names, dtype=torch.float64, grad=True):
    return {
        n: torch.tensor(get_param(scene, n), dtype=dtype, requires_grad=grad)
        for n in names
    }


def as_scene(scene, values):
    """`scene` with the tensors' values, as the adapter sees them (float32 rounding kept)."""
    for name, value in values.items():
        scene = set_param(scene, name, value.detach().double().numpy())
    return scene


def test_importing_reynolds_does_not_import_torch():
    code = (
        "import sys, reynolds; assert 'torch' not in sys.modules;"
        " import reynolds.torch as rt; import torch;"
        " assert rt.torch is torch and torch.__file__ != rt.__file__"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gradient_equals_backward_for_the_same_seed(dtype):
    scene = load_scene(SCENES / "house.json")
    values = tensors(scene, HOUSE_PARAMS, dtype)
    h, w = scene.canvas.height, scene.canvas.width
    adjoint = torch.tensor(smooth_adjoint(h, w, seed=3), dtype=dtype)
    image = render(scene, values, seed=11, spp=4, edge_samples=4096, arch=ARCH)
    assert image.shape == (h, w, 3) and image.dtype == dtype
    (image * adjoint).sum().backward()
    expected = backward(
        as_scene(scene, values),
        adjoint.double().numpy(),
        params=HOUSE_PARAMS,
        spp=4,
        edge_samples=4096,
        seed=11,
        arch=ARCH,
    )
    for name, value in values.items():
        assert value.grad.dtype == dtype and value.grad.shape == value.shape
        want = torch.from_numpy(expected[name]).to(dtype)
        assert torch.equal(value.grad, want), (name, value.grad, want)
        assert torch.any(value.grad != 0), name


def test_l2_loss_and_gradient_equal_loss_and_grad():
    """The image comes from the samples `loss_and_grad` renders with and the backward
    pass from its gradient's, so the same seed gives the same loss and gradient."""
    demo = load_demo("pose")
    target = render_exact(demo.target)
    names = ["tri.translate", "tri.rotate", "tri.scale", "tri.fill"]
    values = tensors(demo.start, names)
    image = render(demo.start, values, seed=4, spp=4, arch=ARCH)
    loss = torch.mean((image - torch.from_numpy(target)) ** 2)
    loss.backward()
    value, grads = loss_and_grad(
        demo.start, target, params=names, seed=4, spp=4, arch=ARCH
    )
    assert loss.item() == pytest.approx(value, rel=1e-12)
    for name in names:
        # Equal up to the rounding of the adjoint 2 (I - T) / n, computed in two orders.
        np.testing.assert_allclose(
            values[name].grad.numpy(), grads[name], rtol=1e-9, err_msg=name
        )


def test_only_the_parameters_that_require_grad_are_asked_for(monkeypatch):
    import reynolds.torch as adapter

    asked = []

    def spy(scene, adjoint, *, params, **options):
        asked.append(list(params))
        return backward(scene, adjoint, params=params, **options)

    monkeypatch.setattr(adapter, "backward", spy)
    scene = load_scene(SCENES / "house.json")
    values = tensors(scene, HOUSE_PARAMS)
    values["sun.fill"].requires_grad_(False)
    values["post.rotate"].requires_grad_(False)
    adjoint = smooth_adjoint(scene.canvas.height, scene.canvas.width, seed=5)
    image = render(scene, values, seed=2, spp=4, arch=ARCH)
    (image * torch.from_numpy(adjoint)).sum().backward()
    wanted = ["roof.points", "sun.center", "sun.radius"]
    assert asked == [wanted]
    assert values["sun.fill"].grad is None and values["post.rotate"].grad is None
    expected = backward(scene, adjoint, params=wanted, spp=4, seed=2, arch=ARCH)
    for name in wanted:
        assert torch.equal(values[name].grad, torch.from_numpy(expected[name])), name


def test_no_parameter_requiring_grad_gives_a_plain_image():
    scene = load_scene(SCENES / "house.json")
    image = render(scene, tensors(scene, ["sun.radius"], grad=False), seed=0, spp=2)
    assert not image.requires_grad and image.dtype == torch.float64
    empty = render(scene, {}, seed=0, spp=2, arch=ARCH)
    assert empty.dtype == torch.float32 and empty.device.type == "cpu"
    assert torch.equal(empty.double(), image)


def test_mixed_dtypes_promote_and_each_gradient_keeps_its_dtype():
    scene = load_scene(SCENES / "house.json")
    values = {
        "sun.radius": torch.tensor(get_param(scene, "sun.radius"), requires_grad=True),
        "sun.fill": torch.tensor(
            get_param(scene, "sun.fill"), dtype=torch.float32, requires_grad=True
        ),
    }
    image = render(scene, values, seed=1, spp=2, arch=ARCH)
    assert image.dtype == torch.float64
    image.sum().backward()
    assert values["sun.radius"].grad.dtype == torch.float64
    assert values["sun.fill"].grad.dtype == torch.float32


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensors_are_copied_through_the_host():
    scene = load_scene(SCENES / "house.json")
    on_cpu = tensors(scene, ["sun.center", "sun.fill"])
    on_gpu = {n: v.detach().cuda().requires_grad_(True) for n, v in on_cpu.items()}
    for values in (on_cpu, on_gpu):
        image = render(scene, values, seed=3, spp=2, arch=ARCH)
        (image * image.new_tensor(0.5)).sum().backward()
    assert image.device.type == "cuda"
    for name in on_cpu:
        assert on_gpu[name].grad.device.type == "cuda"
        assert torch.equal(on_gpu[name].grad.cpu(), on_cpu[name].grad), name


def test_inputs_are_checked():
    scene = load_scene(SCENES / "house.json")
    radius = torch.tensor(get_param(scene, "sun.radius"))
    with pytest.raises(TypeError, match="float32 or float64 tensor"):
        render(scene, {"sun.radius": 9.0}, seed=0)
    with pytest.raises(TypeError, match="float32 or float64 tensor"):
        render(scene, {"sun.center": torch.tensor([5, 5])}, seed=0)
    with pytest.raises(TypeError, match="params must map"):
        render(scene, [radius], seed=0)
    with pytest.raises(TypeError, match="seed"):
        render(scene, {"sun.radius": radius})
    with pytest.raises(SceneError, match="no shape with id 'moon'"):
        render(scene, {"moon.radius": radius}, seed=0)
    with pytest.raises(SceneError, match="parameters overlap"):
        points = torch.tensor(get_param(scene, "roof.points"))
        render(scene, {"roof.points": points, "roof.points[0]": points[0]}, seed=0)
    with pytest.raises(SceneError, match="has shape"):
        render(scene, {"sun.radius": radius.reshape(1)}, seed=0)
    with pytest.raises(SceneError, match="must be positive"):
        render(scene, {"sun.radius": -radius}, seed=0)
    with pytest.raises(ValueError, match="spp"):
        render(scene, {"sun.radius": radius}, seed=0, spp=0)
    with pytest.raises(ValueError, match="estimator"):
        render(scene, {"sun.radius": radius}, seed=0, estimator="autodiff")


def test_scene_module_holds_named_parameters():
    scene = load_scene(SCENES / "house.json")
    model = SceneModule(
        scene, ["sun.radius", "sun.opacity", "post.rotate"], dtype=torch.float64, spp=2
    )
    assert [p.shape for p in model.parameters()] == [(), (), ()]
    assert model["sun.radius"].item() == get_param(scene, "sun.radius")
    with pytest.raises(KeyError, match="sun.center"):
        model["sun.center"]
    groups = model.param_groups({"rotate": 2.0})
    assert [(g["name"], g["lr"]) for g in groups] == [
        ("sun.radius", 0.5),
        ("sun.opacity", 0.02),
        ("post.rotate", 2.0),
    ]
    with torch.no_grad():
        model["sun.radius"].fill_(-1.0)
        model["sun.opacity"].fill_(1.3)
        model["post.rotate"].fill_(-400.0)
    model.project_()
    assert model["sun.radius"].item() == pytest.approx(1e-3)
    assert model["sun.opacity"].item() == 1.0
    assert model["post.rotate"].item() == -400.0  # rotations have no bounds
    fitted = model.to_scene()
    assert float(get_param(fitted, "post.rotate")) == -400.0
    image = model(seed=0)
    assert image.shape == (96, 128, 3) and image.requires_grad


def test_adam_recovers_the_pose_demo():
    """torch.optim.Adam with Reynolds' learning rates and a cosine decay, 150 steps
    (the demo's own count) at 4 spp, one fresh seed per step (about 1.5 s)."""
    demo = load_demo("pose")
    target = torch.from_numpy(render_exact(demo.target))
    model = SceneModule(demo.start, demo.params, spp=4, arch=ARCH)
    adam = torch.optim.Adam(model.param_groups())
    decay = torch.optim.lr_scheduler.CosineAnnealingLR(adam, T_max=demo.steps)
    for step in range(demo.steps):
        adam.zero_grad()
        torch.mean((model(seed=step) - target) ** 2).backward()
        adam.step()
        decay.step()
    fitted = model.to_scene()
    for name in demo.params:
        start_error = np.max(
            np.abs(get_param(demo.start, name) - get_param(demo.target, name))
        )
        error = np.max(np.abs(get_param(fitted, name) - get_param(demo.target, name)))
        assert start_error > 5 * tolerance_for(name), name
        assert error < tolerance_for(name), (name, error)


POSE_PARAMS = ["tri.translate", "tri.rotate", "tri.scale", "tri.fill", "background"]


def l2_gradient_z(estimator):
    """z-scores of the mean, over REPEAT seeds (0..31, spp 4, default edge samples), of
    the adapter's gradient of mean((I - T)^2) at the pose demo's start against the
    exact gradient of the exact image's loss, sum(2 (I_exact - T) / n * dI_exact/dtheta)."""
    demo = load_demo("pose")
    target = torch.from_numpy(render_exact(demo.target))
    runs = []
    for seed in range(REPEAT):
        values = tensors(demo.start, POSE_PARAMS)
        image = render(demo.start, values, seed=seed, spp=4, estimator=estimator)
        torch.mean((image - target) ** 2).backward()
        runs.append({n: v.grad.numpy() for n, v in values.items()})
    residual = render_exact(demo.start) - target.numpy()
    exact = exact_gradient(
        demo.start, 2.0 * residual / residual.size, params=POSE_PARAMS
    )
    z, rel_stderr = {}, {}
    for name in POSE_PARAMS:
        samples = np.array([run[name] for run in runs])
        stderr = samples.std(axis=0, ddof=1) / math.sqrt(REPEAT)
        z[name] = agreement_z(samples.mean(axis=0), stderr, exact[name])
        rel_stderr[name] = np.max(stderr) / np.max(np.abs(exact[name]))
    return z, rel_stderr


def test_l2_gradient_through_torch_is_unbiased():
    """Also catches an image that shares samples with the backward pass: rendering it
    from the interior term's stream instead (tried once) put tri.fill at z = -10."""
    z, rel_stderr = l2_gradient_z("reynolds")
    for name in POSE_PARAMS:
        assert np.all(np.abs(z[name]) <= Z_MAX), (name, z[name])
        assert rel_stderr[name] <= MAX_REL_STDERR, (name, rel_stderr[name])


def test_the_unbiasedness_check_rejects_a_missing_boundary_term():
    """Power of the check above: the naive estimator (interior term only) gets the
    colours right and every geometric parameter far outside Z_MAX."""
    z, _ = l2_gradient_z("naive")
    for name in ("tri.translate", "tri.rotate", "tri.scale"):
        assert np.max(np.abs(z[name])) > 10 * Z_MAX, (name, z[name])
    for name in ("tri.fill", "background"):
        assert np.all(np.abs(z[name]) <= Z_MAX), (name, z[name])


def two_rectangles(offset):
    """Two translucent overlapping rectangles on a 12 x 10 canvas; with offset 0 every
    edge lies on a pixel line."""
    return parse_scene(
        scene_dict(
            12,
            10,
            [
                {
                    "id": "a",
                    "type": "polygon",
                    "points": square(1 + offset, 1, 8, 7 + offset),
                    "fill": [0.8, 0.2, 0.1],
                    "opacity": 0.6,
                },
                {
                    "id": "b",
                    "type": "polygon",
                    "points": square(4, 3 + offset, 11 - offset, 9),
                    "fill": [0.1, 0.5, 0.9],
                    "opacity": 0.7,
                },
            ],
            background=[0.3, 0.3, 0.2],
        )
    )


COLOUR_PARAMS = ["a.fill", "a.opacity", "b.fill", "b.opacity", "background"]


def colour_gradcheck(scene):
    """gradcheck of the adapter in every colour parameter, seed 5, 4 spp. The image is
    affine in each parameter, so a central difference with eps 1e-2 is exact up to the
    float32 rounding of the image (6e-8 / 2e-2 = 3e-6, under atol 1e-5)."""
    values = list(tensors(scene, COLOUR_PARAMS).values())

    def image(*args):
        return render(scene, dict(zip(COLOUR_PARAMS, args, strict=True)), seed=5, spp=4)

    return torch.autograd.gradcheck(
        image, values, eps=1e-2, atol=1e-5, rtol=1e-4, raise_exception=False
    )


def test_gradcheck_holds_for_colours_where_every_pixel_is_exact():
    assert colour_gradcheck(two_rectangles(0.0))


def test_gradcheck_fails_where_forward_and_backward_samples_differ():
    assert not colour_gradcheck(two_rectangles(0.37))
