"""PyTorch adapter: scene parameters as tensors in, the Monte Carlo image as a tensor out,
and Reynolds' `backward` (docs/design.md §2-§3) as its gradient.

Install with the extra `torch` (`pip install 'reynolds2d[torch]'`). `import reynolds`
never imports PyTorch; `import reynolds.torch` does. Following nvdiffrast's layout, an
`autograd.Function` does the work behind one public function, `render`, that checks
its inputs and documents them; `SceneModule` holds the parameters as `nn.Parameter`s.

Seeds: a call with seed `s` renders with samples drawn from `image_seed(s)`, and its
backward pass runs `backward(..., seed=s)`, exactly as `loss_and_grad` pairs them, so the
gradient of a loss that is quadratic in the image (an L2 loss against a fixed target) is
an unbiased estimate of the exact image's loss gradient. Use a fresh seed for each step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# This module is `reynolds.torch`; Python 3 imports are absolute, so this is PyTorch.
import torch
from reynolds.backward import backward, check_gradient_options, image_seed
from reynolds.optimize import LOWER_BOUND, UPPER_BOUND, learning_rates
from reynolds.params import disjoint_names, get_param, parse_name, set_param
from reynolds.render import check_sampling
from reynolds.render import render as render_numpy
from reynolds.scene import Scene
from reynolds.soft import SOFT_SIGMA, check_soft_sigma

__all__ = ["SceneModule", "render"]

DTYPES = (torch.float32, torch.float64)
_FIXED_INPUTS = 6  # scene, names, options, seed, dtype, device: before the values


@dataclass(frozen=True)
class _Options:
    """Sampling options shared by the forward render and its backward pass."""

    spp: int
    edge_samples: int | None
    sampler: str
    edge_sampling: str
    soft_sigma: float
    estimator: str
    arch: str


def _host(tensor: torch.Tensor) -> np.ndarray:
    """A float64 NumPy copy of `tensor` (through the host for CUDA tensors)."""
    return tensor.detach().to(device="cpu", dtype=torch.float64).numpy()


class _RenderFunction(torch.autograd.Function):
    """image = render(scene with `names` set to `values`); d(values) = backward(d(image)).

    Inputs after `ctx`: scene, names, options, seed, dtype, device, *values (one tensor
    per name). Only the values are differentiable.
    """

    @staticmethod
    def forward(ctx, scene, names, options, seed, dtype, device, *values):
        for name, value in zip(names, values, strict=True):
            scene = set_param(scene, name, _host(value))
        image = render_numpy(
            scene,
            spp=options.spp,
            seed=image_seed(seed),
            sampler=options.sampler,
            arch=options.arch,
        )
        ctx.scene, ctx.names, ctx.options, ctx.seed = scene, names, options, seed
        ctx.value_types = [(value.dtype, value.device) for value in values]
        return torch.from_numpy(image).to(device=device, dtype=dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_image):
        wants = ctx.needs_input_grad[_FIXED_INPUTS:]
        names = [name for name, want in zip(ctx.names, wants, strict=True) if want]
        options = ctx.options
        grads = backward(
            ctx.scene,
            _host(grad_image),
            params=names,
            spp=options.spp,
            edge_samples=options.edge_samples,
            seed=ctx.seed,
            estimator=options.estimator,
            sampler=options.sampler,
            edge_sampling=options.edge_sampling,
            soft_sigma=options.soft_sigma,
            arch=options.arch,
        )
        d_values = tuple(
            torch.from_numpy(grads[name]).to(device=device, dtype=dtype)
            if want
            else None
            for name, want, (dtype, device) in zip(
                ctx.names, wants, ctx.value_types, strict=True
            )
        )
        return (None,) * _FIXED_INPUTS + d_values


def render(
    scene: Scene,
    params: Mapping[str, torch.Tensor],
    *,
    seed: int,
    spp: int = 16,
    edge_samples: int | None = None,
    sampler: str = "jitter",
    edge_sampling: str = "stratified",
    soft_sigma: float = SOFT_SIGMA,
    estimator: str = "reynolds",
    arch: str = "auto",
) -> torch.Tensor:
    """Monte Carlo image of `scene` with the parameters in `params` set from tensors.

    Differentiable in every tensor of `params` that requires grad: the backward pass
    is `reynolds.backward` with the incoming gradient as the adjoint, asked only for
    the parameters that require grad (interior term from `spp` pixel samples, boundary
    term from `edge_samples` edge samples). It is a Monte Carlo estimate, not the
    derivative of this call's image: see the module docstring on seeds.

    Args:
        scene: a validated scene; it supplies every parameter not in `params`.
        params: {parameter name: tensor} (`roof.points` `[N, 2]`, `roof.points[1]`
            `[2]`, `sun.radius` `[]`, `sun.fill` `[3]`, `tri.rotate` `[]` in degrees,
            `background` `[3]`, ...), float32 or float64, all on one device (CPU, or
            CUDA: values are copied through the host). Each tensor has its parameter's
            shape (`reynolds.get_param`) and lies within its limits.
        seed: integer in [0, 2**32); the image uses samples derived from it and the
            backward pass others, independent of them. Pass a fresh seed per step.
        spp: pixel samples per pixel, for the image and for the interior term.
        edge_samples: edge samples over the whole boundary (default: 16 per pixel of
            boundary length).
        sampler: "jitter", "iid" or "r2".
        edge_sampling: a boundary estimator of `reynolds.estimators.EDGE_SAMPLINGS`, as in `backward`.
        soft_sigma: temperature of edge_sampling "soft", pixels, as in `backward`.
        estimator: "reynolds" (interior + boundary term) or "naive" (interior only,
            what automatic differentiation of the samples gives: zero for geometry).
        arch: Taichi backend of the first kernel call of the process.
    Returns:
        `[height, width, 3]` linear RGB image, row 0 at the top, on the device of the
        parameter tensors and of their promoted dtype (CPU float32 if `params` is
        empty); its values have float32 precision either way.
    Raises:
        TypeError: `scene` is not a Scene, `params` not a mapping, or a value not a
            float32 or float64 tensor.
        ValueError: tensors on more than one device, or a bad sampling option
            (a bad soft_sigma is a SceneError, which is a ValueError).
        SceneError: an unknown or overlapping parameter name, or a value of the wrong
            shape or outside its limits.
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a reynolds Scene, got {type(scene).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must map parameter names to tensors, got {type(params).__name__}"
        )
    check_sampling(spp=spp, seed=seed, sampler=sampler, arch=arch)
    check_gradient_options(
        estimator=estimator, edge_sampling=edge_sampling, edge_samples=edge_samples
    )
    soft_sigma = check_soft_sigma(soft_sigma)
    names = disjoint_names(scene, params)
    values = [params[name] for name in names]
    for name, value in zip(names, values, strict=True):
        if not isinstance(value, torch.Tensor) or value.dtype not in DTYPES:
            kind = value.dtype if isinstance(value, torch.Tensor) else type(value)
            raise TypeError(
                f"params[{name!r}] must be a float32 or float64 tensor, got {kind}"
            )
    devices = {value.device for value in values}
    if len(devices) > 1:
        raise ValueError(
            f"parameter tensors lie on several devices: {sorted(map(str, devices))}"
        )
    dtype = torch.float32
    if values:
        dtype = values[0].dtype
        for value in values[1:]:
            dtype = torch.promote_types(dtype, value.dtype)
    device = devices.pop() if devices else torch.device("cpu")
    options = _Options(
        spp=int(spp),
        edge_samples=edge_samples,
        sampler=sampler,
        edge_sampling=edge_sampling,
        soft_sigma=soft_sigma,
        estimator=estimator,
        arch=arch,
    )
    return _RenderFunction.apply(
        scene, tuple(names), options, int(seed), dtype, device, *values
    )


class SceneModule(torch.nn.Module):
    """A scene whose named parameters are `nn.Parameter`s; `forward(seed)` renders it.

    `module[name]` is the parameter of that name; `parameters()` yields them in the
    order of `params` (state-dict keys `values.0`, `values.1`, ...: PyTorch module
    names cannot hold the dots of parameter names). The rendering options are fixed
    at construction and passed to `render`.

    Example:
        model = SceneModule(start, params=["tri.translate", "tri.rotate"], spp=4)
        adam = torch.optim.Adam(model.param_groups())
        loss = torch.mean((model(seed=step) - target) ** 2)
    """

    def __init__(
        self,
        scene: Scene,
        params: Sequence[str],
        *,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
        spp: int = 16,
        edge_samples: int | None = None,
        sampler: str = "jitter",
        edge_sampling: str = "stratified",
        soft_sigma: float = SOFT_SIGMA,
        estimator: str = "reynolds",
        arch: str = "auto",
    ):
        """Args:
        scene: the scene; its values initialise the parameters.
        params: parameter names to hold (see `render`).
        dtype: float32 or float64 (default: torch's default dtype).
        device: where the parameters live (default: CPU).
        spp, edge_samples, sampler, edge_sampling, soft_sigma, estimator, arch: as
            in `render`.
        """
        super().__init__()
        dtype = torch.get_default_dtype() if dtype is None else dtype
        if dtype not in DTYPES:
            raise TypeError(
                f"dtype must be torch.float32 or torch.float64, got {dtype}"
            )
        check_sampling(spp=spp, seed=0, sampler=sampler, arch=arch)
        check_gradient_options(
            estimator=estimator, edge_sampling=edge_sampling, edge_samples=edge_samples
        )
        soft_sigma = check_soft_sigma(soft_sigma)
        self.scene = scene
        self.names = disjoint_names(scene, params)
        self.values = torch.nn.ParameterList(
            torch.nn.Parameter(
                torch.as_tensor(get_param(scene, name), dtype=dtype, device=device)
            )
            for name in self.names
        )
        self.options = {
            "spp": spp,
            "edge_samples": edge_samples,
            "sampler": sampler,
            "edge_sampling": edge_sampling,
            "soft_sigma": soft_sigma,
            "estimator": estimator,
            "arch": arch,
        }

    def __getitem__(self, name: str) -> torch.nn.Parameter:
        try:
            return self.values[self.names.index(name)]
        except ValueError:
            raise KeyError(
                f"{name!r} is not a parameter of this module ({', '.join(self.names)})"
            ) from None

    def forward(self, seed: int) -> torch.Tensor:
        """The image `[height, width, 3]` rendered with `seed` (see `render`)."""
        return render(
            self.scene,
            dict(zip(self.names, self.values, strict=True)),
            seed=seed,
            **self.options,
        )

    def param_groups(self, lr: Mapping[str, float] | None = None) -> list[dict]:
        """One optimizer parameter group per parameter, with Reynolds' learning rate for
        its kind (`reynolds.optimize.DEFAULT_LR`: 0.5 px, 1 degree, 0.01 scale, 0.02
        colour per step under Adam), `lr` overriding kinds ({"rotate": 2.0}).
        Each group also carries its parameter's `name`."""
        rates = learning_rates(dict(lr) if lr else None)
        return [
            {
                "params": [value],
                "lr": rates[parse_name(self.scene, name).attribute],
                "name": name,
            }
            for name, value in zip(self.names, self.values, strict=True)
        ]

    @torch.no_grad()
    def project_(self) -> None:
        """Clamp the parameters in place to where the scene is valid (radius and scale
        at least 1e-3, opacity in [0, 1]), as `reynolds.optimize` does after a step."""
        for name, value in zip(self.names, self.values, strict=True):
            attribute = parse_name(self.scene, name).attribute
            low, high = LOWER_BOUND.get(attribute), UPPER_BOUND.get(attribute)
            if low is not None or high is not None:
                value.clamp_(min=low, max=high)

    def to_scene(self) -> Scene:
        """The scene with the parameters' current values (for `reynolds.save_scene`)."""
        scene = self.scene
        for name, value in zip(self.names, self.values, strict=True):
            scene = set_param(scene, name, _host(value))
        return scene
