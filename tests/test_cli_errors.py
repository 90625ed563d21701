"""Every error class of the scene format, through the CLI: one line on stderr naming the
file and the JSON path, exit status 2, and no output file at all."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from reynolds.cli import main

VALID = {
    "version": 1,
    "canvas": {"width": 8, "height": 6, "background": [1.0, 1.0, 1.0]},
    "shapes": [
        {
            "id": "tri",
            "type": "polygon",
            "points": [[1, 1], [6, 2], [3, 5]],
            "fill": [0.8, 0.1, 0.1],
        },
        {
            "id": "sun",
            "type": "circle",
            "center": [5, 2],
            "radius": 1.5,
            "fill": [1, 0.8, 0],
            "opacity": 0.7,
        },
    ],
}


def mutate(change):
    data = copy.deepcopy(VALID)
    change(data)
    return data


def _set(path, value):
    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _delete(path):
    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


# (case id, file content: a dict or raw JSON text, expected "where" after the file name)
CASES = [
    ("not-json", '{"version": 1, "canvas": ', "line 1 column 26"),
    ("trailing-comma", '{"version": 1,}', "line 1 column 15"),
    ("missing-canvas", mutate(_delete(["canvas"])), "canvas"),
    ("missing-radius", mutate(_delete(["shapes", 1, "radius"])), "shapes[1].radius"),
    ("missing-fill", mutate(_delete(["shapes", 0, "fill"])), "shapes[0].fill"),
    ("wrong-type-width", mutate(_set(["canvas", "width"], "8")), "canvas.width"),
    ("float-width", mutate(_set(["canvas", "width"], 8.5)), "canvas.width"),
    (
        "wrong-type-points",
        mutate(_set(["shapes", 0, "points"], {"a": 1})),
        "shapes[0].points",
    ),
    (
        "wrong-type-point",
        mutate(_set(["shapes", 0, "points"], [[1, 1], [6, "2"], [3, 5]])),
        "shapes[0].points[1][1]",
    ),
    ("fill-two-values", mutate(_set(["shapes", 0, "fill"], [1, 0])), "shapes[0].fill"),
    ("unknown-type", mutate(_set(["shapes", 1, "type"], "ellipse")), "shapes[1].type"),
    ("duplicate-id", mutate(_set(["shapes", 1, "id"], "tri")), "shapes[1].id"),
    (
        "two-points",
        mutate(_set(["shapes", 0, "points"], [[1, 1], [6, 2]])),
        "shapes[0].points",
    ),
    ("zero-radius", mutate(_set(["shapes", 1, "radius"], 0)), "shapes[1].radius"),
    (
        "negative-radius",
        mutate(_set(["shapes", 1, "radius"], -2.0)),
        "shapes[1].radius",
    ),
    ("zero-width", mutate(_set(["canvas", "width"], 0)), "canvas.width"),
    ("negative-height", mutate(_set(["canvas", "height"], -4)), "canvas.height"),
    ("too-many-pixels", mutate(_set(["canvas", "width"], 4097 * 4096)), "canvas"),
    (
        "opacity-above-one",
        mutate(_set(["shapes", 1, "opacity"], 1.5)),
        "shapes[1].opacity",
    ),
    (
        "opacity-negative",
        mutate(_set(["shapes", 1, "opacity"], -0.1)),
        "shapes[1].opacity",
    ),
    (
        "bad-fill-rule",
        mutate(_set(["shapes", 0, "fill_rule"], "winding")),
        "shapes[0].fill_rule",
    ),
    ("bad-role", mutate(_set(["shapes", 0, "role"], "background")), "shapes[0].role"),
    (
        "boolean-opacity",
        mutate(_set(["shapes", 1, "opacity"], True)),
        "shapes[1].opacity",
    ),
    (
        "boolean-coordinate",
        mutate(_set(["shapes", 1, "center"], [False, 2])),
        "shapes[1].center[0]",
    ),
    (
        "unknown-key-typo",
        mutate(_set(["shapes", 1, "radious"], 3)),
        "shapes[1].radious",
    ),
    ("unknown-top-key", mutate(_set(["colour"], 3)), "colour"),
    (
        "unknown-transform-key",
        mutate(_set(["shapes", 0, "transform"], {"rotation": 5})),
        "shapes[0].transform.rotation",
    ),
    (
        "zero-scale",
        mutate(_set(["shapes", 0, "transform"], {"scale": 0})),
        "shapes[0].transform.scale",
    ),
    (
        "nan-literal",
        json.dumps(VALID).replace('"radius": 1.5', '"radius": NaN'),
        "shapes[1].radius",
    ),
    (
        "infinity-literal",
        json.dumps(VALID).replace('"background": [1.0', '"background": [Infinity'),
        "canvas.background[0]",
    ),
    (
        "minus-infinity",
        json.dumps(VALID).replace('"center": [5, 2]', '"center": [-Infinity, 2]'),
        "shapes[1].center[0]",
    ),
    (
        "overflow-1e999",
        json.dumps(VALID).replace('"radius": 1.5', '"radius": 1e999'),
        "shapes[1].radius",
    ),
    (
        "huge-integer",
        json.dumps(VALID).replace('"radius": 1.5', '"radius": ' + "9" * 400),
        "shapes[1].radius",
    ),
    (
        "int-too-long",
        json.dumps(VALID).replace('"radius": 1.5', '"radius": ' + "9" * 5000),
        None,
    ),
    ("bad-version", mutate(_set(["version"], 2)), "version"),
    ("boolean-version", mutate(_set(["version"], True)), "version"),
    ("shapes-not-list", mutate(_set(["shapes"], {"tri": 1})), "shapes"),
    ("shape-not-object", mutate(_set(["shapes", 0], 7)), "shapes[0]"),
    ("empty-id", mutate(_set(["shapes", 0, "id"], "")), "shapes[0].id"),
    (
        "duplicate-key",
        json.dumps(VALID).replace('"radius": 1.5', '"radius": 1.5, "radius": 2'),
        "shapes[1].radius",
    ),
    ("top-level-array", "[1, 2]", "(top level)"),
]


@pytest.mark.parametrize("case, content, where", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["render", "validate"])
def test_bad_scene_gives_one_clear_error_and_no_output(
    case, content, where, command, write_json, tmp_path, capsys
):
    path = write_json(content)
    out = tmp_path / "out.png"
    argv = [command, path] + (["-o", str(out)] if command == "render" else [])
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    prefix = f"error: {path}: {where}: " if where else f"error: {path}: "
    assert lines[0].startswith(prefix), lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "scene.json"], (
        "nothing else may be written"
    )


def test_valid_scene_passes_validation(write_json, capsys):
    path = write_json(VALID)
    assert main(["validate", path]) == 0
    assert "valid scene, 8 x 6, 1 polygon, 1 circle" in capsys.readouterr().out


def test_missing_file_and_bad_output_type(tmp_path, write_json, capsys):
    assert (
        main(["render", str(tmp_path / "nope.json"), "-o", str(tmp_path / "a.png")])
        == 2
    )
    assert (
        capsys.readouterr().err.strip()
        == f"error: {tmp_path / 'nope.json'}: no such file"
    )
    path = write_json(VALID)
    assert main(["render", path, "-o", str(tmp_path / "a.jpg")]) == 2
    assert "unsupported image type '.jpg'" in capsys.readouterr().err
    assert main(["render", path, "-o", str(tmp_path / "no_dir" / "a.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.json"]


def test_installed_console_script_reports_errors(write_json, tmp_path):
    # The real `reynolds` program, as a user runs it (no traceback, status 2).
    path = write_json(mutate(_set(["shapes", 1, "radius"], -1)))
    exe = [sys.executable, "-c", "from reynolds.cli import entry_point; entry_point()"]
    result = subprocess.run(
        exe + ["render", path, "-o", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"error: {path}: shapes[1].radius: must be positive, got -1"
    )
    assert not (tmp_path / "x.png").exists()


# Hostile text in a scene file: the error is still one line, shows the text escaped and
# at most 60 characters of it, and names the JSON path.
MESSAGE_CASES = [
    (
        "newline-and-escape-in-key",
        mutate(_set(["shapes", 0, "ke\ny\x1b[31m"], 1)),
        "shapes[0].ke\\ny\\x1b[31m",
        "unknown key",
    ),
    (
        "megabyte-value",
        mutate(_set(["shapes", 0, "role"], "x" * 1_000_000)),
        "shapes[0].role",
        "'" + "x" * 60 + "'... (1000000 characters)",
    ),
    (
        "megabyte-key",
        mutate(_set(["shapes", 0, "k" * 1_000_000], 1)),
        "shapes[0]." + "k" * 60 + "... (1000000 characters)",
        "unknown key",
    ),
    (
        "nan-type",
        json.dumps(VALID).replace('"type": "circle"', '"type": NaN'),
        "shapes[1].type",
        "expected a shape type (polygon, circle), got NaN",
    ),
    (
        "infinity-role",
        json.dumps(VALID).replace('"opacity": 0.7', '"opacity": 0.7, "role": Infinity'),
        "shapes[1].role",
        "got Infinity",
    ),
    (
        "nan-version",
        json.dumps(VALID).replace('"version": 1', '"version": NaN'),
        "version",
        "unsupported version NaN",
    ),
    (
        "null-description",
        mutate(_set(["description"], None)),
        "description",
        "got null",
    ),
    (
        "surrogate-id",
        json.dumps(VALID).replace('"id": "tri"', '"id": "\\ud800x"'),
        "shapes[0].id",
        "unpaired surrogate '\\ud800'",
    ),
    (
        "surrogate-description",
        json.dumps({**VALID, "description": "a\udc80b"}),
        "description",
        "unpaired surrogate '\\udc80'",
    ),
    (
        "control-character-id",
        mutate(_set(["shapes", 0, "id"], "tri\x1b[2J")),
        "shapes[0].id",
        "control character '\\x1b'",
    ),
]


@pytest.mark.parametrize(
    "case, content, where, text", MESSAGE_CASES, ids=[c[0] for c in MESSAGE_CASES]
)
def test_hostile_text_gives_one_escaped_short_line(
    case, content, where, text, write_json, capsys
):
    path = write_json(content)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1
    line = err[:-1]
    assert line.isprintable(), line  # no raw control character reaches the terminal
    assert line.startswith(f"error: {path}: {where}: "), line[:200]
    assert text in line
    assert len(line) < 400
    assert "object at 0x" not in line


def test_a_description_string_is_kept(write_json):
    from reynolds import load_scene

    assert load_scene(
        write_json({**VALID, "description": "two\nlines"})
    ).description == ("two\nlines")
