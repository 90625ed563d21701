"""Shared fixtures. Tests run on Taichi's CPU backend, as CI has no GPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import reynolds.kernels as kernels

ROOT = Path(__file__).resolve().parent.parent
SCENES = ROOT / "scenes"
SCENE_FILES = sorted(SCENES.glob("*.json"))
ARCH = "cpu"


def pytest_sessionstart(session):
    kernels.ensure_initialized(ARCH)


@pytest.fixture
def write_json(tmp_path):
    """Write a dict (or raw text) to a fresh .json file and return its path as a string."""

    def write(data, name: str = "scene.json") -> str:
        path = tmp_path / name
        path.write_text(
            data if isinstance(data, str) else json.dumps(data), encoding="utf-8"
        )
        return str(path)

    return write
