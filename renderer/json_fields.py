"""Readers of decoded JSON values that fail with a located `SceneError`, and writers
of plain numbers: the vocabulary shared by the scene loader and each shape kind.

`path` arguments are JSON paths (`shapes[2].radius`); every reader raises a
`SceneError` whose `where` is that path.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from reynolds.errors import MAX_ECHO, SceneError, echo, shorten


class NonFinite:
    """Stands in for the JSON extensions NaN / Infinity so the validator can name their path."""

    def __init__(self, literal: str):
        self.literal = literal


class _Object(dict):
    """A JSON object that remembers keys given more than once (json keeps only the last)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj.duplicates = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    return obj


def decode(text: str) -> Any:
    """Decoded JSON text; NaN / Infinity become `NonFinite`, repeated keys are noted."""
    return json.loads(text, parse_constant=NonFinite, object_pairs_hook=_object_pairs)


def join_path(path: str, key: str | int) -> str:
    """The JSON path of `key` (an object key or an array index) below `path`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = shorten(key)  # an unknown key may be anything, a megabyte long
    return f"{path}.{key}" if path else key


def fail(path: str, message: str) -> SceneError:
    """The `SceneError` of a fault at JSON `path` (to raise)."""
    return SceneError(message, where=path or "(top level)")


def describe(value: Any) -> str:
    """What `value` is, as a message names it ("an array", "the string 'x'")."""
    if isinstance(value, NonFinite):
        return value.literal
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {echo(value)}"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return shorten(repr(value), MAX_ECHO)


_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f]")


def unicode_text(value: Any, path: str, *, single_line: bool) -> str:
    """A string of Unicode text: no unpaired surrogates (JSON allows "\\ud800", UTF-8
    does not), and for names no control characters either."""
    if not isinstance(value, str):
        raise fail(path, f"expected a string, got {describe(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise fail(
            path,
            f"not Unicode text: unpaired surrogate {value[error.start]!r} "
            f"at character {error.start}",
        ) from None
    control = _CONTROL.search(value) if single_line else None
    if control:
        raise fail(
            path,
            f"control character {control[0]!r} at character {control.start()} "
            "of a name",
        )
    return value


def fields(
    value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict:
    """`value`, an object with every key of `required`, others only from `optional`,
    none repeated."""
    if not isinstance(value, dict):
        raise fail(path, f"expected an object, got {describe(value)}")
    for key in getattr(value, "duplicates", ()):
        raise fail(join_path(path, key), "key given more than once")
    for key in value:
        if key not in required and key not in optional:
            allowed = ", ".join(required + optional)
            raise fail(join_path(path, key), f"unknown key (allowed here: {allowed})")
    for key in required:
        if key not in value:
            raise fail(join_path(path, key), "required key is missing")
    return value


def number(value: Any, path: str) -> float:
    """A finite JSON number as a float (subnormals read as 0)."""
    if isinstance(value, NonFinite):
        raise fail(path, f"{value.literal} is not allowed: numbers must be finite")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(path, f"expected a number, got {describe(value)}")
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise fail(path, "number is not finite (NaN, infinity or overflow)")
    if abs(result) < sys.float_info.min:
        # A subnormal number reads as 0: `ti.init` turns on flush-to-zero for the
        # process, after which Python itself parses 1e-310 as 0, so that a scene would
        # load differently before and after the first render.
        return 0.0
    return result


def positive(value: Any, path: str) -> float:
    """A finite number > 0."""
    result = number(value, path)
    if result <= 0:
        raise fail(path, f"must be positive, got {result:g}")
    return result


def positive_int(value: Any, path: str) -> int:
    """A JSON integer > 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, f"expected a positive integer, got {describe(value)}")
    if value <= 0:
        raise fail(path, f"must be a positive integer, got {value}")
    return value


def vector(value: Any, path: str, size: int, what: str) -> tuple[float, ...]:
    """An array of `size` finite numbers; `what` names it in a message."""
    if not isinstance(value, list) or len(value) != size:
        got = f"{len(value)} values" if isinstance(value, list) else describe(value)
        raise fail(path, f"expected {what} of {size} numbers, got {got}")
    return tuple(number(v, join_path(path, i)) for i, v in enumerate(value))


def choice(value: Any, path: str, allowed: tuple[str, ...]) -> str:
    """One of the strings `allowed`."""
    if not isinstance(value, str) or value not in allowed:
        raise fail(path, f"must be one of {', '.join(allowed)}; got {describe(value)}")
    return value


def plain_number(value: float) -> float | int:
    """`value` as an int when it is integral (and exactly representable), else as is."""
    # Integral values are written as integers so saved files read like hand-written ones.
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def plain_vector(values: tuple[float, ...]) -> list:
    """`values` as a JSON array of `plain_number`s."""
    return [plain_number(v) for v in values]
