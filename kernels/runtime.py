"""The one place Taichi is initialised: lazily, once per process, on an explicit backend list."""

from __future__ import annotations

import contextlib
import io
import os

import taichi as ti

ARCHES = ("auto", "cpu", "gpu")
_state: dict[str, str] = {}


def _candidates(arch: str) -> list:
    # ti.gpu itself probes OpenGL and segfaults on machines without a GPU: name backends.
    if arch == "cpu":
        return [ti.cpu]
    return [ti.cuda, ti.vulkan, ti.cpu]


def ensure_initialized(arch: str = "auto") -> str:
    """Initialise Taichi on first use and return the backend name in use ("x64", "cuda", ...).

    Args:
        arch: "cpu"; "gpu" (CUDA, then Vulkan, falling back to the CPU); or "auto"
            (same list as "gpu"). Only the first call chooses: `ti.init` would destroy
            every field, so later calls with another choice keep the backend in use.
    Compiled kernels are cached in ~/.cache/reynolds/taichi, or in the folder named by
    the environment variable REYNOLDS_KERNEL_CACHE.
    """
    if arch not in ARCHES:
        raise ValueError(f"arch must be one of {ARCHES}, got {arch!r}")
    if "backend" not in _state:
        default_cache = os.path.join(
            os.path.expanduser("~"), ".cache", "reynolds", "taichi"
        )
        cache = os.environ.get("REYNOLDS_KERNEL_CACHE", default_cache)
        with contextlib.redirect_stdout(io.StringIO()):
            ti.init(
                arch=_candidates(arch),
                log_level=ti.ERROR,
                offline_cache=True,
                offline_cache_file_path=cache,
                default_fp=ti.f32,
            )
        _state["backend"] = str(ti.lang.impl.current_cfg().arch).split(".")[-1]
        _state["requested"] = arch
    return _state["backend"]


def backend() -> str | None:
    """The backend in use, or None before the first kernel call."""
    return _state.get("backend")
