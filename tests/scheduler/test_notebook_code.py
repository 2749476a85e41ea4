"""The code saved for notebook classes, in an IPython shell (no kernel): what the job
needs is found and ordered (bases, enums, redefinitions, constants, helpers, aliases)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SHELL = """
import sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
for cell in sys.stdin.read().split("\\n# --- cell\\n"):
    if not shell.run_cell(cell, store_history=True).success:
        sys.exit(3)
"""

CELLS = """\
from __future__ import annotations
import enum
import json as js
from pathlib import Path
from xpm.core import Config, Param, Task
from xpm.scheduler import experiment
import helpers
# --- cell
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"
# --- cell
class Model(Config):
    layers: Param[int] = 2
# --- cell
class Model(Config):
    layers: Param[int] = 3
    def describe(self) -> str:
        return f"{self.layers} layers"
# --- cell
class Base(Task):
    color: Param[Color]
    def write(self, text: str) -> None:
        Path("out.json").write_text(js.dumps([text, self.color.value, LIMITS]))
# --- cell
def make():
    class Hidden(Task):
        def execute(self) -> None:
            pass
    return Hidden
# --- cell
LIMITS = {"low": (1, 2.5), "names": ["a", "b"]}
class Child(Base):
    model: Param[Model]
    def execute(self) -> None:
        self.write(shout(self.model.describe()))
def shout(text: str) -> str:
    return helpers.louder(text)
# --- cell
with experiment("shws", "sh") as xp:
    child = Child.C(model=Model.C(), color=Color.BLUE).submit()
print(js.loads((child.jobpath / "out.json").read_text()))
try:
    with experiment("shws", "sh2") as xp:
        make().C().submit()
except Exception as error:
    print(error)
"""


def test_notebook_classes_run_from_the_saved_code(tmp_path: Path) -> None:
    """The latest definition of each class is saved, needed ones first; a module beside
    the notebook is found by the job; a class made inside a function is refused."""
    notebook = tmp_path / "notebook"
    notebook.mkdir()
    (notebook / "helpers.py").write_text("def louder(text):\n    return text.upper()\n")
    done = subprocess.run(
        [sys.executable, "-c", SHELL],
        input=CELLS,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=notebook,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-2:] == [
        "['3 LAYERS', 'blue', {'low': [1, 2.5], 'names': ['a', 'b']}]",
        "make.<locals>.Hidden (defined in the notebook) cannot be saved with its job:"
        " make.<locals>.Hidden is defined inside a function; define it at the top level of"
        " a cell",
    ]
    (params,) = (notebook / "shws" / "jobs" / "__main__.child").glob("*/params.json")
    source = json.loads(params.read_text())["main_code"]["source"]
    assert source.splitlines()[:11] == [
        "from __future__ import annotations",
        "# Saved by xpm from a notebook: the definitions the job needs.",
        "from pathlib import Path",
        "from xpm.core import Config",
        "from xpm.core import Param",
        "from xpm.core import Task",
        "import enum",
        "import helpers",  # a module beside the notebook: its folder is added (below)
        "import json as js",
        "LIMITS = {'low': (1, 2.5), 'names': ['a', 'b']}",
        "",
    ]
    order = [line.split("(")[0] for line in source.splitlines() if line[:6] in ("class ", "def sh")]
    assert order == ["class Color", "class Model", "class Base", "class Child", "def shout"]
    assert "layers: Param[int] = 3" in source and "make" not in source
    assert str(notebook) in json.loads(params.read_text())["pythonpath"]
