"""JSON text that is always valid JSON.

JSON has no NaN or infinity; Python's `json` writes them as bare `NaN` and `Infinity`,
which other readers refuse. A value that is not finite is written as `null` instead, as
JavaScript's `JSON.stringify` does.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """`data` as JSON text ending in a newline; NaN and infinities become `null`."""
    return json.dumps(_finite(data), indent=indent, allow_nan=False) + "\n"
