"""The monitor's JSON: what the browser can parse, whatever the workspace holds.

Python writes `NaN` and `Infinity` for non-finite floats, which no browser's
`JSON.parse` accepts: one such tag (`tag(float("nan"))`) or time in a job folder would
leave the page of that run empty. Every answer of the monitor is therefore encoded
here, and numbers that JSON cannot hold (NaN, +/-infinity) are sent as `null`, which the
page shows as an empty cell, as for a value that is missing.
"""

from __future__ import annotations

import json
import math
from typing import Any


def encode_json(data: Any, *, compact: bool = False) -> bytes:
    """Return `data` as strict JSON (UTF-8), with non-finite floats turned into `null`."""
    separators = (",", ":") if compact else None
    try:
        text = json.dumps(data, allow_nan=False, separators=separators)
    except ValueError:
        text = json.dumps(_finite(data), allow_nan=False, separators=separators)
    return text.encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
