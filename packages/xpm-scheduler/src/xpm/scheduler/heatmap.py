"""An SVG heatmap of a value over two axes, written with the standard library only.

`xpm results --heatmap` and both examples draw with it: accuracy over hidden units and
learning rates, a benchmark's score over tasks and optimizers. A missing value (a job
that failed) is a grey cell with a dash, so the picture still shows the whole plan; the
picture has its own white background, so it reads the same in a dark viewer. Each cell
is a `<g class="cell" data-row=... data-column=...>`, so tests and scripts can find it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .atomic import write_text_atomic

BACKGROUND = "#ffffff"
MISSING = "#d0d0d0"
# Five stops of the viridis colour map, from low to high.
_STOPS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
_CELL_W, _CELL_H, _LEFT, _TOP = 84, 40, 140, 64


def colour(fraction: float) -> str:
    """The colour of a value at `fraction` (0 to 1) of the scale, as `#rrggbb`."""
    fraction = min(max(fraction, 0.0), 1.0) * (len(_STOPS) - 1)
    i = min(int(fraction), len(_STOPS) - 2)
    t = fraction - i
    r, g, b = (round(a + (c - a) * t) for a, c in zip(_STOPS[i], _STOPS[i + 1], strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(
    values: Mapping[tuple[str, str], float | None],
    rows: Sequence[str],
    columns: Sequence[str],
    *,
    title: str,
    row_label: str,
    column_label: str,
    fmt: str = ".3g",
    limits: tuple[float, float] | None = None,
) -> str:
    """Return an SVG document: one cell per (row, column), coloured by its value.

    `values[row, column]` is the cell's value, None or absent for a missing one (grey,
    a dash). `limits` fixes the colour scale (for example `(0, 1)` for an accuracy); by
    default it spans the values present. `fmt` formats the numbers (`format(v, fmt)`).
    """
    present = [v for v in values.values() if v is not None]
    low, high = limits or ((min(present), max(present)) if present else (0.0, 1.0))
    span = (high - low) or 1.0
    width = _LEFT + _CELL_W * len(columns) + 110
    height = _TOP + _CELL_H * len(rows) + 50
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect class="background" width="{width}" height="{height}" fill="{BACKGROUND}"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="16">{escape(title)}</text>',
        f'<text x="{_LEFT + _CELL_W * len(columns) / 2}" y="{height - 12}"'
        f' text-anchor="middle">{escape(column_label)}</text>',
        f'<text x="12" y="{_TOP - 12}">{escape(row_label)}</text>',
    ]
    for j, column in enumerate(columns):
        x = _LEFT + _CELL_W * j + _CELL_W / 2
        y = _TOP + _CELL_H * len(rows) + 18
        out.append(f'<text x="{x}" y="{y}" text-anchor="middle">{escape(column)}</text>')
    for i, row in enumerate(rows):
        y = _TOP + _CELL_H * i
        out.append(
            f'<text x="{_LEFT - 8}" y="{y + _CELL_H / 2 + 5}" text-anchor="end">'
            f"{escape(row)}</text>"
        )
        for j, column in enumerate(columns):
            x = _LEFT + _CELL_W * j
            value = values.get((row, column))
            if value is None:
                fill, label, ink = MISSING, "-", "#000000"
            else:
                fraction = (value - low) / span
                fill, label = colour(fraction), format(value, fmt)
                ink = "#000000" if fraction > 0.6 else "#ffffff"
            out.append(
                f'<g class="cell" data-row={quoteattr(row)} data-column={quoteattr(column)}>'
                f'<rect x="{x}" y="{y}" width="{_CELL_W}" height="{_CELL_H}" fill="{fill}"'
                ' stroke="#ffffff"/>'
                f'<text x="{x + _CELL_W / 2}" y="{y + _CELL_H / 2 + 5}" text-anchor="middle"'
                f' fill="{ink}">{escape(label)}</text></g>'
            )
    if present:
        out.extend(_legend(_LEFT + _CELL_W * len(columns) + 20, low, high, fmt))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(x: float, low: float, high: float, fmt: str) -> list[str]:
    """A colour bar from `low` (bottom) to `high` (top), with both values written."""
    steps, step_h = 20, 6
    out = [
        f'<rect x="{x}" y="{_TOP + step_h * (steps - 1 - i)}" width="16" height="{step_h}"'
        f' fill="{colour(i / (steps - 1))}"/>'
        for i in range(steps)
    ]
    out.append(f'<text x="{x + 22}" y="{_TOP + 10}">{format(high, fmt)}</text>')
    out.append(f'<text x="{x + 22}" y="{_TOP + step_h * steps}">{format(low, fmt)}</text>')
    return out


def write_heatmap(path: str | os.PathLike[str], svg: str) -> Path:
    """Write `svg` to `path` atomically (a reader never sees half a picture); return it.

    The folder is made if needed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, svg)
    return target
