"""examples/common/heatmap.py: the picture brings its own background."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
DOCS = Path(__file__).parent.parent.parent / "docs"
SVG = "{http://www.w3.org/2000/svg}"


def _heatmap_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("heatmap", EXAMPLES / "common" / "heatmap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_opaque_background(root: ET.Element) -> None:
    """The first thing drawn is a white rectangle as large as the picture."""
    first = root[0]
    assert first.tag == f"{SVG}rect"
    assert (first.get("width"), first.get("height")) == (root.get("width"), root.get("height"))
    assert first.get("x", "0") == first.get("y", "0") == "0"
    assert first.get("fill") == "#ffffff"
    assert first.get("fill-opacity") is None and first.get("opacity") is None


def test_heatmap_has_a_white_background_under_everything() -> None:
    heatmap = _heatmap_module()
    svg = heatmap.heatmap_svg(
        {("16", "0.1"): 0.9, ("16", "0.3"): None},
        ["16"],
        ["0.1", "0.3"],
        title="accuracy",
        row_label="hidden",
        column_label="lr",
    )
    _assert_opaque_background(ET.fromstring(svg))


def test_the_tutorials_heatmap_has_the_background_too() -> None:
    _assert_opaque_background(ET.parse(DOCS / "tutorial-heatmap.svg").getroot())
