"""Every Python example in docs/ runs, in order, file by file.

A page whose examples open an experiment runs as a script in its own process, as a
reader would run it: job processes then find its task classes in the script. Other pages
run in this process, in one namespace, as a reader would paste them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent.parent / "docs"
ROOT = DOCS.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _pages() -> list[Path]:
    """Pages with Python examples, but the tutorial (test_tutorial.py checks its excerpts)
    and notebooks.md (test_notebooks.py runs its blocks as cells in a Jupyter kernel)."""
    return sorted(
        p
        for p in DOCS.glob("*.md")
        if BLOCK.search(p.read_text()) and p.name not in ("tutorial.md", "notebooks.md")
    )


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's code blocks run in order; an exception (or failed assert) fails the test."""
    blocks = BLOCK.findall(page.read_text())
    monkeypatch.chdir(tmp_path)
    if any("experiment(" in block for block in blocks):
        script = tmp_path / f"{page.stem}.py"
        script.write_text("\n\n".join(blocks))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=240
        )
        assert proc.returncode == 0, f"{page.name} failed:\n{proc.stdout}\n{proc.stderr}"
        return
    module = types.ModuleType(f"docs_{page.stem}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for number, block in enumerate(blocks, start=1):
        code = compile(block, f"{page.name} (block {number})", "exec")
        exec(code, module.__dict__)
