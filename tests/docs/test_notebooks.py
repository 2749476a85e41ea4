"""docs/notebooks.md runs in a real Jupyter kernel: its code blocks are the cells of a
notebook, executed by nbclient; the jobs run from the code xpm saved with them."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

DOC = Path(__file__).parent.parent.parent / "docs" / "notebooks.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

REFUSED = """
class Table:
    rows = 3


data = Table()


class Count(Task):
    def execute(self) -> None:
        print(data.rows)


try:
    with experiment("workspace", "refused"):
        Count.C().submit()
except Exception as error:
    print(type(error).__name__, error)
"""


@pytest.fixture(autouse=True)
def _kernel_of_this_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel spec `xpm-test` that runs this interpreter, whatever else is installed."""
    spec = tmp_path / "jupyter" / "kernels" / "xpm-test" / "kernel.json"
    spec.parent.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.write_text(json.dumps({"argv": argv, "display_name": "xpm", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))


def _run(cells: list[str], folder: Path) -> list[str]:
    """Execute `cells` as a notebook in a new kernel; return each cell's printed text."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell) for cell in cells]
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="xpm-test")
    client.execute(cwd=str(folder))
    return ["".join(_text(output) for output in cell.outputs) for cell in notebook.cells]


def _text(output: Any) -> str:
    return str(output.get("text", "")) if output.get("output_type") == "stream" else ""


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_notebook_of_the_docs_runs_in_a_kernel(tmp_path: Path) -> None:
    """The jobs run from the saved code; a notebook value a job cannot get is refused at
    submission; a new kernel finds the jobs done."""
    cells = [block.strip() for block in BLOCK.findall(DOC.read_text())]
    printed = _run([*cells, REFUSED], tmp_path)
    assert printed[2].splitlines()[-1] == "[{'score': 5.0}, {'score': 10.0}]"
    assert printed[3] == (
        "XpmError Count (defined in the notebook) cannot be saved with its job: Count uses"
        " data, a Table of the notebook, which a job process cannot get; pass it to the"
        " task as a parameter, load it inside execute(), or define it in a module\n"
    )
    jobs = sorted((tmp_path / "workspace" / "jobs" / "__main__.train").iterdir())
    assert len(jobs) == 2
    assert not (tmp_path / "workspace" / "jobs" / "__main__.count").exists()
    params = json.loads((jobs[0] / "params.json").read_text())
    assert params["main_code"] == {
        "origin": "notebook",
        "program": False,
        "source": (
            "# Saved by xpm from a notebook: the definitions the job needs.\n"
            "from pathlib import Path\n"
            "from xpm.core import Config\n"
            "from xpm.core import Param\n"
            "from xpm.core import Task\n"
            "import json\n"
            "SCALE = 10\n"
            "\n"
            "def score(layers: int, lr: float) -> float:\n"
            "    return round(SCALE * layers * (1 - lr), 3)\n"
            "\n"
            "class Model(Config):\n"
            "    layers: Param[int] = 2\n"
            "\n"
            "class Train(Task):\n"
            "    model: Param[Model]\n"
            "    lr: Param[float]\n"
            "\n"
            "    def execute(self) -> None:\n"
            "        value = score(self.model.layers, self.lr)\n"
            '        Path("metrics.json").write_text(json.dumps({"score": value}))\n'
        ),
    }
    started = [(job / "train.attempts.json").read_text() for job in jobs]
    again = _run(cells, tmp_path)
    assert again[2].splitlines()[-1] == "[{'score': 5.0}, {'score': 10.0}]"
    assert [(job / "train.attempts.json").read_text() for job in jobs] == started
