"""The example scenes shipped with Reynolds (package data of `reynolds.scenes`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reynolds.errors import SceneError


def examples_folder() -> Path:
    """The folder of the installed example scenes (`scenes/` in a clone)."""
    return Path(str(resources.files("reynolds.scenes")))


def example_names() -> list[str]:
    """Names of the example scenes, e.g. "house" for house.json."""
    return sorted(path.stem for path in examples_folder().glob("*.json"))


def example_scene(name: str) -> Path:
    """Path of example scene `name` ("house" or "house.json"), for `load_scene`.

    Raises:
        SceneError: no example of that name (the message lists the known ones).
    """
    stem = name.removesuffix(".json")
    path = examples_folder() / f"{stem}.json"
    if not path.is_file():
        raise SceneError(
            f"no example scene {name!r} (known: {', '.join(example_names())})"
        )
    return path
