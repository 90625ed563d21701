"""Inverse-rendering demos: each is a folder of scenes/demos with start.json, target.json
and demo.json (its settings); one runner runs them all.

demo.json keys: "title", "teaches" (what the demo shows, one paragraph), "params",
"steps", "spp", optional "spp_final", "lr" ({kind: value}), "optimizer", "estimators"
(default ["reynolds"]; ["reynolds", "naive"] runs both from the same start).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from reynolds.errors import SceneError
from reynolds.examples import examples_folder
from reynolds.optimize import History, optimize, parameter_errors
from reynolds.progress import ProgressBar
from reynolds.render import render_exact
from reynolds.run_outputs import write_run_outputs
from reynolds.scene import Scene
from reynolds.scene_io import load_scene, read_text
from reynolds.soft import SOFT_SIGMA

# The demo scenes are package data of `reynolds.scenes` (the repository's scenes/ folder).
DEMO_ROOT = examples_folder() / "demos"
FLAGSHIP = "naive-vs-reynolds"
FRAMES = 40


@dataclass(frozen=True)
class Demo:
    name: str
    title: str
    teaches: str
    start: Scene
    target: Scene
    params: list[str]
    steps: int
    spp: int
    spp_final: int | None = None
    lr: dict[str, float] = field(default_factory=dict)
    optimizer: str = "adam"
    estimators: tuple[str, ...] = ("reynolds",)


_SETTINGS = {
    "title": str,
    "teaches": str,
    "params": list,
    "steps": int,
    "spp": int,
    "spp_final": int,
    "lr": dict,
    "optimizer": str,
    "estimators": list,
}


def demo_names() -> list[str]:
    return (
        sorted(p.name for p in DEMO_ROOT.iterdir() if (p / "demo.json").is_file())
        if DEMO_ROOT.is_dir()
        else []
    )


def load_demo(name: str) -> Demo:
    """The demo of folder scenes/demos/<name>.

    Raises:
        SceneError: unknown demo, or a settings or scene file that does not validate.
    """
    folder = DEMO_ROOT / name
    settings_path = folder / "demo.json"
    if not settings_path.is_file():
        raise SceneError(
            f"unknown demo {name!r} (known: {', '.join(demo_names()) or 'none found'})"
        )
    try:
        settings = json.loads(read_text(settings_path))
    except json.JSONDecodeError as error:
        raise SceneError(
            f"invalid JSON: {error.msg}", source=str(settings_path)
        ) from None
    for key, value in settings.items():
        if key not in _SETTINGS or not isinstance(value, _SETTINGS[key]):
            raise SceneError(
                f"unknown key or wrong type: {key!r}", source=str(settings_path)
            )
    return Demo(
        name=name,
        title=settings["title"],
        teaches=settings["teaches"],
        start=load_scene(folder / "start.json"),
        target=load_scene(folder / "target.json"),
        params=settings["params"],
        steps=settings["steps"],
        spp=settings["spp"],
        spp_final=settings.get("spp_final"),
        lr=settings.get("lr", {}),
        optimizer=settings.get("optimizer", "adam"),
        estimators=tuple(settings.get("estimators", ["reynolds"])),
    )


@dataclass
class DemoResult:
    demo: Demo
    runs: dict[str, tuple[Scene, History]]
    initial_errors: dict[str, float]
    final_errors: dict[str, dict[str, float]]
    written: list[Path]


def run_demo(
    demo: Demo,
    out_dir: Path,
    *,
    steps: int | None = None,
    seed: int = 0,
    spp: int | None = None,
    sampler: str = "jitter",
    edge_samples: int | None = None,
    edge_sampling: str = "stratified",
    soft_sigma: float = SOFT_SIGMA,
    arch: str = "auto",
    progress: bool = True,
) -> DemoResult:
    """Optimise the demo's start scene towards its target with each of its estimators, from
    the same start and seed, and write result.json, history.json, loss.png and
    progress.gif into `out_dir`.

    `steps` and `spp` override the demo's own settings (with `spp`, the pixel samples
    stay fixed instead of growing to the demo's spp_final); sampler, edge_samples,
    edge_sampling and soft_sigma are as in `optimize`."""
    steps = steps or demo.steps
    target_image = render_exact(demo.target)
    every = max(1, steps // FRAMES)
    runs: dict[str, tuple[Scene, History]] = {}
    trails: dict[str, dict[int, Scene]] = {}
    for estimator in demo.estimators:
        trail: dict[int, Scene] = {}
        bar = ProgressBar(steps, f"{demo.name} [{estimator}]") if progress else None

        def on_step(step: int, scene: Scene, loss: float, trail=trail, bar=bar) -> None:
            if step % every == 0:
                trail[step] = scene
            if bar:
                bar.update(step, loss)

        final, history = optimize(
            demo.start,
            target_image,
            params=demo.params,
            steps=steps,
            optimizer=demo.optimizer,
            lr=demo.lr,
            spp=spp or demo.spp,
            spp_final=None if spp else demo.spp_final,
            sampler=sampler,
            edge_samples=edge_samples,
            edge_sampling=edge_sampling,
            soft_sigma=soft_sigma,
            seed=seed,
            reference=demo.target,
            estimator=estimator,
            callback=on_step,
            arch=arch,
        )
        if bar:
            bar.close()
        trail[steps] = final
        runs[estimator], trails[estimator] = (final, history), trail
    written = write_run_outputs(
        out_dir, runs, target_image, trails, title=demo.title, arch=arch
    )
    return DemoResult(
        demo=demo,
        runs=runs,
        initial_errors=parameter_errors(demo.start, demo.target, demo.params),
        final_errors={e: history.final_errors for e, (_, history) in runs.items()},
        written=written,
    )
