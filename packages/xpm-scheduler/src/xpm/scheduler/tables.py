"""Rows as text: a table for a terminal, or CSV for a spreadsheet or pandas.

`xpm results` prints both; the examples print their tables with `format_table`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return the rows under the header, columns padded, numbers aligned right.

    Floats show at most 4 decimals; None shows as `-` (a missing value).
    """
    cells = [[str(c) for c in header]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [
        all(isinstance(row[i], (int, float)) or row[i] is None for row in rows)
        and any(row[i] is not None for row in rows)
        for i in range(len(header))
    ]
    lines = []
    for n, row in enumerate(cells):
        padded = [
            c.rjust(w) if right else c.ljust(w)
            for c, w, right in zip(row, widths, numeric, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return the rows as CSV under the header; None is an empty field, floats in full."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return out.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return str(round(value, 4))
    return "-" if value is None else str(value)
