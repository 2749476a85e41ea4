"""experimaestro 2.7.0's identifiers for issues 12 and 15 (see make_compat_vectors.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA: dict[str, Any] = json.loads((Path(__file__).parent / "compat-vectors.json").read_text())
VECTORS: dict[str, dict[str, Any]] = DATA["vectors"]
REFUSALS: dict[str, dict[str, Any]] = DATA["refusals"]


def expected(name: str) -> str:
    """The identifier experimaestro 2.7.0 gives to vector `name`, as 64 hex characters."""
    return str(VECTORS[name]["identifier"])
