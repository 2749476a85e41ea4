"""docs/tutorial.md tells the truth about examples/hyperparameter-search.

A Python or YAML block whose first line is `# <path>` is an excerpt: it must be found,
verbatim, in that file of the repository. Other Python blocks run in order, in one
namespace, from the repository root. Shell blocks run in order, in one shell, against a
fresh workspace: the tutorial's debug configuration and then the full grid, as CI's run
of the main job. What they print is checked against the tutorial's text blocks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent.parent / "docs"
ROOT = DOCS.parent
TUTORIAL = DOCS / "tutorial.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARK = "::xpm-tutorial::"
DEBUG_TRAININGS = {
    "2cf4ff74b73b62a247c2cd24b0f4f7bb8283fb4330adfcdec6b48d85697b173b",
    "88856d29aa7aa3ffa3e1426c190021d1a42ddf8ee4ae2aa658f53cd033505273",
    "557fbf51a94d50f2fdfec31de895f62fc6e0cc8b9ef9d11d6e1c18eae145fd65",
    "36fb6532ef9fcc5e0e177307508ed8a416aa14453e2a569954aeaa061a28d3e7",
}


def _blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(TUTORIAL.read_text()) if lang == language]


def _excerpted_file(block: str) -> Path | None:
    first = block.split("\n", 1)[0]
    if first.startswith("# ") and (ROOT / first[2:]).is_file():
        return ROOT / first[2:]
    return None


def test_excerpts_are_the_example_code() -> None:
    excerpts = [b for b in _blocks("python") + _blocks("yaml") if _excerpted_file(b)]
    assert len(excerpts) >= 8
    for block in excerpts:
        path = _excerpted_file(block)
        assert path is not None
        body = block.split("\n", 1)[1]
        assert body in path.read_text(), f"this block is not in {path}:\n{body}"


def test_python_snippets_run(monkeypatch: pytest.MonkeyPatch) -> None:
    snippets = [b for b in _blocks("python") if _excerpted_file(b) is None]
    assert len(snippets) >= 2
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    module = types.ModuleType("docs_tutorial")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    try:
        for number, block in enumerate(snippets, start=1):
            exec(compile(block, f"tutorial.md (snippet {number})", "exec"), module.__dict__)
    finally:
        for name in [n for n in sys.modules if n == "digits_xp" or n.startswith("digits_xp.")]:
            del sys.modules[name]


def _run_shell_blocks(workspace: Path) -> list[tuple[str, str, str]]:
    """Run every shell line in order; return (command, stdout, stderr) for each."""
    lines = [line for b in _blocks("sh") for line in b.splitlines() if line.strip()]
    script = ["set -euo pipefail"]
    for line in lines:
        script += [f"echo '{MARK}{line}'", f"echo '{MARK}{line}' >&2", line]
    env = {
        **os.environ,
        "XPM_WORKDIR": str(workspace),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    proc = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    out_parts = proc.stdout.split(MARK)[1:]
    err_parts = proc.stderr.split(MARK)[1:]
    assert len(out_parts) == len(err_parts) == len(lines)
    return [
        (line, out.split("\n", 1)[1], err.split("\n", 1)[1])
        for line, out, err in zip(lines, out_parts, err_parts, strict=True)
    ]


def _table(stdout: str) -> list[list[str]]:
    rows = []
    for line in stdout.splitlines():
        cells = line.split()
        if len(cells) == 4 and cells[3].startswith("digits_xp.evaluate.evaluate/"):
            rows.append(cells)
    return rows


def _rows(table: str) -> list[list[str]]:
    """The cells of each row of an `xpm results` table, below its header and rule."""
    return [line.split() for line in table.splitlines()[2:] if line.strip()]


def _cells(svg: Path) -> int:
    tree = ET.parse(svg)
    return sum(1 for g in tree.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "cell")


@pytest.mark.slow
def test_shell_commands_run_the_debug_grid_then_the_full_one(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("sklearn")
    workspace = tmp_path / "workspace"
    outputs = _run_shell_blocks(workspace)
    runs = [(out, err) for line, out, err in outputs if line.startswith("xpm run-experiment")]
    dry, first, again, full, epochs = runs
    listed = next((out, err) for line, out, err in outputs if line.startswith("xpm jobs list"))

    assert dry[0].count("[unscheduled] digits_xp.learn.learn/") == 4
    assert dry[0].count("[unscheduled] digits_xp.evaluate.evaluate/") == 4

    jobs = workspace / "jobs"
    trainings = {p.name for p in (jobs / "digits_xp.learn.learn").iterdir()}
    assert trainings >= DEBUG_TRAININGS
    assert len(trainings) == 25 + 4  # full.yaml, then epochs.yaml at 10 epochs
    for name in DEBUG_TRAININGS:
        folder = jobs / "digits_xp.learn.learn" / name
        assert {"params.json", "weights.npz", "learn.done", "learn.out"} <= {
            p.name for p in folder.iterdir()
        }

    shown = next(b for b in _blocks("text") if b.startswith("hidden"))
    expected = _table(shown)
    assert len(expected) == 4
    table = _table(first[0])
    assert [r[:2] + r[3:] for r in table] == [r[:2] + r[3:] for r in expected]
    for row, doc_row in zip(table, expected, strict=True):
        assert float(row[2]) == pytest.approx(float(doc_row[2]), abs=0.02)
        assert float(row[2]) > 0.85
    assert first[1].count("[xpm] done digits_xp.learn.learn/") == 4
    heatmap = workspace / "experiments" / "digits-debug" / "results" / "accuracy.svg"
    assert f"Heatmap: {heatmap}" in first[0]
    assert _cells(heatmap) == 4

    assert again[0] == first[0]
    assert "[xpm] done" not in again[1]
    assert "[xpm] 8 jobs already done\n" in again[1]

    assert listed[0].count("digits_xp.learn.learn/") == 4
    shown_job = next(out for line, out, _ in outputs if line.startswith("xpm jobs show"))
    assert f"code:        {ROOT}/examples/hyperparameter-search/digits_xp/learn.py\n" in shown_job
    assert f"python:      {sys.version.split()[0]}\n" in shown_job
    if (ROOT / ".git").exists():
        assert f" of {ROOT}" in next(li for li in shown_job.splitlines() if li.startswith("git:"))
    assert "hidden=16 lr=0.03" in listed[0]

    results = next(out for line, out, _ in outputs if line.startswith("xpm results digits-debug"))
    assert results.splitlines()[0].split() == ["hidden", "lr", "accuracy", "job"]
    assert _table(results) == table
    documented = [b for b in _blocks("text") if b.startswith("hidden")][1]
    assert [r[:2] + r[3:] for r in _table(documented)] == [r[:2] + r[3:] for r in table]
    csv_out = next(out for line, out, _ in outputs if "--csv" in line).splitlines()
    assert csv_out[0] == "hidden,lr,accuracy,images,job"
    assert [line.split(",")[:2] for line in csv_out[1:]] == [["64", "0.03"], ["64", "0.3"]]
    assert all(
        line.split(",")[4].startswith("digits_xp.evaluate.evaluate/") for line in csv_out[1:]
    )

    assert len(_table(full[0])) == 25
    drawn = next(out for line, out, _ in outputs if "--heatmap" in line)
    assert drawn == "heatmap: /tmp/digits-full.svg (25 cells, 0 missing)\n"
    assert _cells(Path("/tmp/digits-full.svg")) == 25
    assert full[1].count("[xpm] done digits_xp.learn.learn/") == 21
    assert _cells(workspace / "experiments" / "digits-full" / "results" / "accuracy.svg") == 25
    assert _cells(DOCS / "tutorial-heatmap.svg") == 25

    assert epochs[1].count("[xpm] done digits_xp.learn.learn/") == 4
    swept = next(out for line, out, _ in outputs if line.startswith("xpm results digits-epochs"))
    assert swept.splitlines()[0].split() == ["hidden", "lr", "epochs", "accuracy", "job"]
    documented = next(b for b in _blocks("text") if b.split()[:3] == ["hidden", "lr", "epochs"])
    assert [r[:3] + r[4:] for r in _rows(swept)] == [r[:3] + r[4:] for r in _rows(documented)]
    assert len(_rows(swept)) == 8
