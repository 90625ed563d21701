"""Whole outputs: every file is written whole or not at all, an optimisation's folder as a
whole, failures are one line before the work starts where they can be, and Ctrl-C or
SIGTERM leaves no temporary file and keeps an optimisation's finished steps."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from builders import scene_dict
from conftest import ARCH, SCENES
from reynolds import load_scene, optimize, render_exact
from reynolds.atomic import write_atomic
from reynolds.cli import main
from reynolds.errors import SceneError
from reynolds.json_text import json_text
from reynolds.optimize import OptimizationInterrupted

DEMO = SCENES / "demos" / "occluded-circle"
TRIANGLE = scene_dict(
    8,
    6,
    [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[1, 1], [6, 2], [3, 5]],
            "fill": [0.8, 0.1, 0.1],
        }
    ],
)


def _one_line(capsys, start: str, text: str, *, after_progress: bool = False) -> None:
    """stderr is one line (after the progress lines of an optimisation, if asked)."""
    err = capsys.readouterr().err
    if after_progress:
        err = "".join(
            line for line in err.splitlines(True) if not line.startswith("optimize |")
        )
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(start) and text in err, err


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def _optimize_argv(out: Path, steps: int = 3) -> list[str]:
    return [
        "optimize",
        str(DEMO / "start.json"),
        "--target",
        str(DEMO / "target.json"),
        "--params",
        "disc.center,disc.radius",
        "--steps",
        str(steps),
        "--arch",
        ARCH,
        "--out",
        str(out),
    ]


@pytest.fixture
def refuse_writes_in(monkeypatch):
    """Make creating files and folders inside a folder fail with `code`, as a read-only
    filesystem or a full disk does (the suite may run as root, who ignores modes)."""

    def refuse(folder: Path, code: int) -> None:
        real_open, real_mkdir = os.open, os.mkdir

        def inside(path) -> bool:
            return Path(os.path.abspath(path)).parent == folder.resolve()

        def fake_open(path, flags, mode=0o777, *args, **kwargs):
            if inside(path) and flags & os.O_CREAT:
                raise OSError(code, os.strerror(code), str(path))
            return real_open(path, flags, mode, *args, **kwargs)

        def fake_mkdir(path, mode=0o777, *args, **kwargs):
            if inside(path):
                raise OSError(code, os.strerror(code), str(path))
            return real_mkdir(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "open", fake_open)
        monkeypatch.setattr(os, "mkdir", fake_mkdir)

    return refuse


def test_an_output_that_is_a_folder_is_refused_before_rendering(
    write_json, tmp_path, capsys
):
    scene = write_json(TRIANGLE)
    folder = tmp_path / "out.png"
    folder.mkdir()
    assert main(["render", scene, "-o", str(folder), "--arch", ARCH]) == 2
    _one_line(capsys, f"error: {folder}: ", "is a directory")
    assert main(["grad", scene, "--target", scene, "-o", str(tmp_path)]) == 2
    _one_line(capsys, f"error: {tmp_path}: ", "is a directory")


def test_a_read_only_folder_is_refused_before_the_run(
    refuse_writes_in, write_json, tmp_path, capsys, monkeypatch
):
    scene = write_json(TRIANGLE)
    read_only = tmp_path / "ro"
    read_only.mkdir()
    refuse_writes_in(read_only, errno.EROFS)

    def never(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr("reynolds.cli.render_commands.render", never)
    monkeypatch.setattr("reynolds.cli.optimize_commands.optimize", never)
    out = read_only / "x.png"
    assert main(["render", scene, "-o", str(out), "--arch", ARCH]) == 2
    _one_line(capsys, f"error: {out}: ", "cannot write: Read-only file system")
    run = read_only / "run"
    assert main(_optimize_argv(run)) == 2
    _one_line(capsys, f"error: {run}: ", "cannot write: Read-only file system")
    assert list(read_only.iterdir()) == []


def test_a_full_disk_is_one_line_and_leaves_nothing(
    write_json, tmp_path, capsys, monkeypatch
):
    scene = write_json(TRIANGLE)
    out = tmp_path / "x.png"

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    assert main(["render", scene, "-o", str(out), "--arch", ARCH]) == 2
    _one_line(capsys, f"error: {out}: ", "cannot write: No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.json"]


def test_replacing_keeps_the_mode_and_writes_through_symlinks(write_json, tmp_path):
    scene = write_json(TRIANGLE)
    out = tmp_path / "x.png"
    assert main(["render", scene, "-o", str(out), "--arch", ARCH]) == 0
    out.chmod(0o640)
    assert main(["render", scene, "-o", str(out), "--arch", ARCH, "--spp", "4"]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    real = tmp_path / "real"
    real.mkdir()
    (real / "y.npy").write_bytes(b"old")
    link = tmp_path / "link.npy"
    link.symlink_to(Path("real") / "y.npy")
    assert main(["render", scene, "-o", str(link), "--arch", ARCH]) == 0
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "y.npy")
    assert np.load(real / "y.npy").shape == (6, 8, 3)
    assert _temporaries(tmp_path) == [] and _temporaries(real) == []


def test_names_of_255_bytes_can_be_written(write_json, tmp_path):
    scene = write_json(TRIANGLE)
    out = tmp_path / ("a" * 251 + ".png")  # the most a Linux file name may have
    assert main(["render", scene, "-o", str(out), "--arch", ARCH]) == 0
    assert out.stat().st_size > 0
    write_atomic(out, b"again")
    assert out.read_bytes() == b"again" and _temporaries(tmp_path) == []


def test_sigterm_during_a_write_leaves_no_temporary_file(
    write_json, tmp_path, capsys, monkeypatch
):
    scene = write_json(TRIANGLE)
    out = tmp_path / "x.png"
    real_fsync = os.fsync

    def terminated(fd):
        os.kill(os.getpid(), signal.SIGTERM)  # handled at the next bytecode
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", terminated)
    assert main(["render", scene, "-o", str(out), "--arch", ARCH]) == 143
    _one_line(capsys, "error: interrupted", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.json"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # restored


def test_a_second_run_replaces_the_earlier_outputs_as_a_whole(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    stale = ["result-naive.json", "loss.png", "result.json"]
    for name in stale:
        (out / name).write_text("from an earlier run")
    out.chmod(0o750)
    assert main(_optimize_argv(out)) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["history.json", "loss.png", "progress.gif", "result.json"]
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")
    load_scene(out / "result.json")
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert _temporaries(tmp_path) == []
    capsys.readouterr()


def test_a_folder_holding_other_files_is_refused_before_the_run(
    tmp_path, capsys, monkeypatch
):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")

    def never(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr("reynolds.cli.optimize_commands.optimize", never)
    assert main(_optimize_argv(out)) == 2
    _one_line(
        capsys, f"error: {out}: ", "not outputs of an earlier run (such as 'notes.txt')"
    )
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_failed_write_keeps_the_earlier_outputs(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    out.mkdir()
    (out / "result.json").write_text("earlier")

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    import reynolds.run_outputs

    real = reynolds.run_outputs.write_folder_atomic

    def write_on_a_full_disk(*args, **kwargs):
        monkeypatch.setattr(os, "write", full)
        return real(*args, **kwargs)

    monkeypatch.setattr(
        reynolds.run_outputs, "write_folder_atomic", write_on_a_full_disk
    )
    assert main(_optimize_argv(out)) == 2
    _one_line(capsys, f"error: {out}: ", "No space left on device", after_progress=True)
    assert [p.name for p in out.iterdir()] == ["result.json"]
    assert (out / "result.json").read_text() == "earlier"
    assert _temporaries(tmp_path) == []


class _InterruptAt:
    """A progress bar that is interrupted (as by Ctrl-C) while step `at` reports."""

    at = 5

    def __init__(self, total, label):
        pass

    def update(self, step, loss):
        if step == self.at:
            raise KeyboardInterrupt

    def close(self):
        pass


def test_ctrl_c_keeps_the_finished_steps(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("reynolds.cli.optimize_commands.ProgressBar", _InterruptAt)
    out = tmp_path / "run"
    assert main(_optimize_argv(out, steps=50)) == 130
    _one_line(
        capsys,
        "error: interrupted after 6 steps; wrote the last complete state to ",
        f"{out / 'result.json'} and its history to {out / 'history.json'}",
    )
    assert sorted(p.name for p in out.iterdir()) == ["history.json", "result.json"]
    history = json.loads((out / "history.json").read_text())
    assert history["stopped"] == "interrupted after 6 steps"
    assert [s["step"] for s in history["steps"]] == list(range(6))
    # Interrupted while step 5 reported, before its update: the state of step 5.
    result = load_scene(out / "result.json")
    assert result.shape("disc").radius == history["steps"][5]["values"]["disc.radius"]
    assert history["final_values"] == history["steps"][5]["values"]


def test_ctrl_c_before_the_first_step_writes_nothing(tmp_path, capsys, monkeypatch):
    # Interrupted inside step 0, before anything is recorded.
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["reynolds.optimize"], "loss_and_grad", interrupted)
    out = tmp_path / "run"
    assert main(_optimize_argv(out)) == 130
    _one_line(capsys, "error: interrupted before the first step finished", "")
    assert not out.exists() and _temporaries(tmp_path) == []


def test_the_api_hands_back_the_finished_steps_on_interruption():
    start, truth = load_scene(DEMO / "start.json"), load_scene(DEMO / "target.json")

    def stop_at_three(step, scene, loss):
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(OptimizationInterrupted) as info:
        optimize(
            start,
            render_exact(truth),
            params=["disc.radius"],
            steps=20,
            reference=truth,
            callback=stop_at_three,
            arch=ARCH,
        )
    history = info.value.history
    assert len(history.loss) == len(history.errors) == len(history.values) == 4
    assert history.final_values == history.values[3]
    assert info.value.scene.shape("disc").radius == history.values[3]["disc.radius"]
    assert isinstance(info.value, KeyboardInterrupt)


@pytest.mark.slow
def test_sigterm_stops_a_real_optimize_and_keeps_its_steps(tmp_path):
    # The real program, terminated as a job scheduler does once it is under way.
    out = tmp_path / "run"
    argv = _optimize_argv(out, steps=100_000)
    exe = [sys.executable, "-c", "from reynolds.cli import entry_point; entry_point()"]
    process = subprocess.Popen(exe + argv, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:  # the progress bar reports once step 0 is done
        if "optimize |" in line:
            break
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    rest = process.stderr.read()
    assert process.wait(timeout=120) == 143
    assert "error: interrupted after" in rest and str(out / "result.json") in rest
    history = json.loads((out / "history.json").read_text())
    assert len(history["steps"]) >= 1
    load_scene(out / "result.json")
    assert _temporaries(tmp_path) == []


def test_json_output_never_holds_nan():
    text = json_text({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": -np.inf}})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {
        "a": None,
        "b": [None, 1.5],
        "c": {"d": None},
    }


def test_json_output_rounds_to_significant_digits():
    text = json_text({"a": [123456.789, 1.23456789e-5], "b": 7}, significant=4)
    assert json.loads(text) == {"a": [123500.0, 1.235e-5], "b": 7}


def test_write_atomic_refuses_a_missing_folder(tmp_path):
    with pytest.raises(SceneError, match="does not exist"):
        write_atomic(tmp_path / "no" / "x.png", b"")
