"""JSON text that is always valid JSON.

JSON has no NaN or infinity; Python's `json` writes them as bare `NaN` and `Infinity`,
which other readers refuse. A value that is not finite is written as `null` instead, as
JavaScript's `JSON.stringify` does.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _finite(value: Any, significant: int | None) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return value if significant is None else float(f"{value:.{significant}g}")
    if isinstance(value, dict):
        return {k: _finite(v, significant) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v, significant) for v in value]
    return value


def json_text(
    data: Any, *, indent: int | None = 2, significant: int | None = None
) -> str:
    """`data` as JSON text ending in a newline; NaN and infinities become `null`, and
    with `significant`, every float is rounded to that many significant digits
    (smaller files for the numbers behind a figure)."""
    return json.dumps(_finite(data, significant), indent=indent, allow_nan=False) + "\n"
