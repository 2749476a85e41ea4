"""`xpm run-experiment FILE.yaml`: the example in three run modes, and every error path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpm.cli.main import xpm

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "layers"


def xpm_process(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m xpm.cli ARGS` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "xpm.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
    )


@pytest.mark.slow
def test_reference_example_runs_in_the_three_modes(tmp_path: Path) -> None:
    """dry-run writes nothing, generate writes job folders, normal runs the four jobs."""
    workdir = tmp_path / "ws"
    dry = xpm_process("run-experiment", "--workdir", str(workdir), "--run-mode", "dry-run",
                      "debug.yaml", cwd=EXAMPLE)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "2 models in debug (dry-run): layers=3, layers=5" in dry.stdout
    assert dry.stdout.count("experiment.learner/") >= 2
    assert not (workdir / "jobs").exists()

    generate = xpm_process("run-experiment", "--workdir", str(workdir), "--run-mode",
                           "generate", "debug.yaml", cwd=EXAMPLE)  # fmt: skip
    assert generate.returncode == 0, generate.stderr
    folders = sorted(p.parent.parent.name for p in workdir.glob("jobs/*/*/params.json"))
    assert folders == ["experiment.evaluate"] * 2 + ["experiment.learner"] * 2
    assert not list(workdir.glob("jobs/*/*/*.done"))

    normal = xpm_process("run-experiment", "--workdir", str(workdir), "debug.yaml", cwd=EXAMPLE)
    assert normal.returncode == 0, normal.stderr
    assert len(list(workdir.glob("jobs/*/*/*.done"))) == 4
    scores = sorted(
        json.loads(p.read_text())["score"] for p in workdir.glob("jobs/*/*/metrics.json")
    )
    assert scores == pytest.approx([16 * 1e-4 * 3, 16 * 1e-4 * 10])

    listed = xpm_process("jobs", "list", "--workdir", str(workdir), "--tags", "--filter",
                         '@type ~ "learner" and layers = 5', cwd=tmp_path)  # fmt: skip
    assert listed.returncode == 0
    assert [line.split()[0] + " " + line.split()[-1] for line in listed.stdout.splitlines()] == [
        "done layers=5"
    ]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder for experiment files; sys.path, PYTHONPATH and sys.modules are restored.

    Only the project's own modules are dropped afterwards. Others first imported during
    the test (xpm's, PyYAML loaded by xpm) stay: imported again, they would make second
    copies of their classes (a second `yaml.MappingNode`) for the tests that follow.
    """
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    saved = dict(sys.modules)
    yield folder
    for name in [n for n in sys.modules if n not in saved]:
        if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(folder)):
            del sys.modules[name]
    for name, module in saved.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


GOOD_CODE = """
    from dataclasses import field

    from xpm.cli import ExperimentHelper, configuration

    @configuration
    class Configuration:
        epochs: int
        layers: list[int] = field(default_factory=lambda: [1])

    def run(helper: ExperimentHelper, cfg: Configuration) -> None:
        print("run", cfg.epochs, cfg.layers, helper.run_mode)
"""


def run_cli(runner: CliRunner, workdir: Path, *args: str) -> tuple[int, str, str]:
    from xpm.cli.errors import run_program

    with runner.isolation() as (out, err, _):
        code = run_program(xpm, ["run-experiment", "--workdir", str(workdir), *args])
        sys.stdout.flush()
        sys.stderr.flush()
        return code, out.getvalue().decode(), err.getvalue().decode()


def test_runs_and_passes_the_configuration(runner: CliRunner, project: Path) -> None:
    """`run(helper, cfg)` gets the typed configuration; -c overrides win over the file."""
    write(project, "good.py", GOOD_CODE)
    write(project, "exp.yaml", "id: exp\nfile: good\nepochs: 3\n")
    code, out, _ = run_cli(runner, project / "ws", "--run-mode", "dry-run", "-c", "layers=[2, 4]",
                           "exp.yaml")  # fmt: skip
    assert code == 0
    assert out == "run 3 [2, 4] dry-run\n"


def test_jobs_record_the_experiment_file_as_their_script(runner: CliRunner, project: Path) -> None:
    """Each job's environment names the YAML file as `script`, not the `xpm` program."""
    write(project, "tasks.py", TASKS_CODE)
    write(project, "exp.yaml", "id: exp\nfile: tasks\n")
    code, _, err = run_cli(runner, project / "ws", "--run-mode", "generate", "exp.yaml")
    assert code == 0, err
    (params,) = (project / "ws" / "jobs").glob("*/*/params.json")
    environment = json.loads(params.read_text())["environment"]
    assert environment["script"] == str(project / "exp.yaml")
    assert environment["source"] == str(project / "tasks.py")


TASKS_CODE = """
    from xpm.cli import ExperimentHelper, configuration
    from xpm.core import Param, Task

    class Square(Task):
        x: Param[int]

        def execute(self) -> None:
            pass

    @configuration
    class Configuration:
        x: int = 3

    def run(helper: ExperimentHelper, cfg: Configuration) -> None:
        Square.C(x=cfg.x).submit()
"""


def test_helper_has_the_configuration_tree_after_overrides(
    runner: CliRunner, project: Path
) -> None:
    """`helper.configuration` holds every value with its file and line, or its option."""
    write(
        project,
        "tree_code.py",
        GOOD_CODE.replace(
            'print("run", cfg.epochs, cfg.layers, helper.run_mode)',
            "entries = helper.configuration.value\n"
            "        print(entries['epochs'].source, entries['layers'].source)",
        ),
    )
    write(project, "exp.yaml", "id: exp\nfile: tree_code\n\nepochs: 3\n")
    code, out, _ = run_cli(runner, project / "ws", "--run-mode", "dry-run", "-c", "layers=[2]",
                           "exp.yaml")  # fmt: skip
    assert (code, out) == (0, "exp.yaml:4 option -c layers=[2]\n")


def test_show_prints_the_merged_configuration(runner: CliRunner, project: Path) -> None:
    """--show prints the configuration after inheritance and overrides, and runs nothing."""
    write(project, "show_code.py", GOOD_CODE)
    write(project, "exp.yaml", "id: exp\nfile: show_code\nepochs: 3\n")
    code, out, _ = run_cli(runner, project / "ws", "--show", "-c", "epochs=5", "exp.yaml")
    assert (code, out) == (0, "epochs: 5\nlayers:\n- 1\n")
    assert not (project / "ws").exists()


def test_missing_yaml_file_exits_2(runner: CliRunner, project: Path) -> None:
    """A FILE that does not exist is a configuration error naming it."""
    code, _, err = run_cli(runner, project / "ws", "nosuch.yaml")
    assert code == 2
    assert err.startswith("Error: nosuch.yaml: cannot read nosuch.yaml: No such file")


def test_bad_yaml_names_the_line(runner: CliRunner, project: Path) -> None:
    """A YAML syntax error exits 2 with file and line."""
    write(project, "exp.yaml", "id: exp\nepochs: [1, 2\nlr: 3\n")
    code, _, err = run_cli(runner, project / "ws", "exp.yaml")
    assert code == 2
    assert err.startswith("Error: exp.yaml:3: invalid YAML")


def test_wrong_type_names_the_line(runner: CliRunner, project: Path) -> None:
    """A value of the wrong type exits 2 naming file, line and key."""
    write(project, "typed.py", GOOD_CODE)
    write(project, "exp.yaml", "id: exp\nfile: typed\n\nepochs: ten\n")
    code, _, err = run_cli(runner, project / "ws", "exp.yaml")
    assert code == 2
    assert err == "Error: exp.yaml:4: epochs: expected int, got 'ten' (str)\n"


def test_unknown_override_key_suggests(runner: CliRunner, project: Path) -> None:
    """An override of an unknown key exits 2 and suggests the close key."""
    write(project, "over.py", GOOD_CODE)
    write(project, "exp.yaml", "id: exp\nfile: over\nepochs: 1\n")
    code, _, err = run_cli(runner, project / "ws", "-c", "epoch=2", "exp.yaml")
    assert code == 2
    assert "option -c epoch=2" in err and "Did you mean 'epochs'?" in err


def test_missing_python_file_exits_2(runner: CliRunner, project: Path) -> None:
    """The default experiment.py missing is reported with what to do."""
    write(project, "exp.yaml", "id: exp\nepochs: 1\n")
    code, _, err = run_cli(runner, project / "ws", "exp.yaml")
    assert code == 2
    assert f"{project / 'experiment.py'}: no such file; set 'file' (or 'module')" in err


def test_unknown_module_exits_2(runner: CliRunner, project: Path) -> None:
    """A `module` that cannot be found exits 2 and points at `pythonpath`."""
    write(project, "exp.yaml", "id: exp\nmodule: no_such_module_xyz\n")
    code, _, err = run_cli(runner, project / "ws", "exp.yaml")
    assert code == 2
    assert "module no_such_module_xyz: no module named 'no_such_module_xyz'" in err


def test_module_found_through_pythonpath(runner: CliRunner, project: Path) -> None:
    """`pythonpath` folders are searched for `module`, relative to the YAML."""
    (project / "src").mkdir()
    write(project / "src", "pathmod.py", GOOD_CODE)
    write(project, "exp.yaml", "id: exp\nmodule: pathmod\npythonpath: [src]\nepochs: 7\n")
    code, out, _ = run_cli(runner, project / "ws", "--run-mode", "dry-run", "exp.yaml")
    assert (code, out) == (0, "run 7 [1] dry-run\n")
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == str(project / "src")


@pytest.mark.parametrize(
    ("code_text", "problem"),
    [
        ("x = 1\n", "defines no run function"),
        ("def run(cfg):\n    pass\n", "run(cfg) does not take (helper, cfg)"),
        ("def run(helper, cfg):\n    pass\n", "the parameter 'cfg' of run has no annotation"),
        ("def run(helper, cfg: dict):\n    pass\n", "annotated dict, not a @configuration class"),
        ("run = 3\n", "run is not a function"),
    ],
)
def test_wrong_run_signature_says_what_is_expected(
    runner: CliRunner, project: Path, code_text: str, problem: str
) -> None:
    """A missing or wrong `run` exits 2 and shows the expected signature."""
    name = f"sig_{abs(hash(code_text))}"
    write(project, f"{name}.py", code_text)
    write(project, "exp.yaml", f"id: exp\nfile: {name}\n")
    code, _, err = run_cli(runner, project / "ws", "exp.yaml")
    assert code == 2
    assert problem in err
    assert "expected `def run(helper: ExperimentHelper, cfg: Configuration) -> None`" in err


def test_error_in_the_experiment_code_is_not_called_a_bug(runner: CliRunner, project: Path) -> None:
    """An exception in run() prints its traceback and exits 1, blaming the experiment code."""
    write(
        project,
        "raising.py",
        GOOD_CODE.replace('print("run",', 'raise ValueError("bad plan"); print('),
    )
    write(project, "exp.yaml", "id: exp\nfile: raising\nepochs: 1\n")
    code, _, err = run_cli(runner, project / "ws", "--run-mode", "dry-run", "exp.yaml")
    assert code == 1
    assert "Traceback" in err and "ValueError: bad plan" in err
    assert "this is an error in the experiment's code" in err
    assert "bug in xpm" not in err


FAILING_CODE = """
    from xpm.cli import ExperimentHelper, configuration
    from xpm.core import Param, Task

    class Boom(Task):
        value: Param[int]

        def execute(self) -> None:
            if self.value < 0:
                raise ValueError(f"negative value {self.value}")

    @configuration
    class Configuration:
        values: list[int]

    def run(helper: ExperimentHelper, cfg: Configuration) -> None:
        for value in cfg.values:
            Boom.C(value=value).submit()
"""


@pytest.mark.slow
def test_failed_job_exits_1_with_the_summary(tmp_path: Path) -> None:
    """A failing job makes run-experiment exit 1 and print job, reason, log and stderr tail."""
    write(tmp_path, "boom.py", FAILING_CODE)
    write(tmp_path, "exp.yaml", "id: boom\nfile: boom\nvalues: [1, -2]\n")
    done = xpm_process("run-experiment", "--workdir", str(tmp_path / "ws"), "exp.yaml",
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Error: 1 of 2 jobs failed:" in done.stderr
    assert "boom.boom/" in done.stderr
    assert "ValueError: negative value -2" in done.stderr
    assert "bug in xpm" not in done.stderr
    listed = xpm_process("jobs", "list", "--workdir", str(tmp_path / "ws"), cwd=tmp_path)
    assert sorted(line.split()[0] for line in listed.stdout.splitlines()) == ["done", "failed"]


def test_workspace_from_the_settings_file(
    runner: CliRunner, project: Path, isolated_settings: Path
) -> None:
    """--workspace ID reads settings.yaml; its environment is set for the experiment."""
    isolated_settings.mkdir()
    write(isolated_settings, "settings.yaml", f"""\
        workspaces:
          - id: main
            path: {project / "main-ws"}
            environment: {{XPM_TEST_VALUE: "42"}}
    """)  # fmt: skip
    write(project, "envcode.py", GOOD_CODE.replace(
        'print("run", cfg.epochs, cfg.layers, helper.run_mode)',
        'import os; print(helper.workdir, os.environ["XPM_TEST_VALUE"])'))  # fmt: skip
    write(project, "exp.yaml", "id: exp\nfile: envcode\nepochs: 1\n")
    from xpm.cli.errors import run_program

    with runner.isolation() as (out, _, _):
        code = run_program(xpm, ["run-experiment", "--workspace", "main", "--run-mode",
                                 "dry-run", "exp.yaml"])  # fmt: skip
        sys.stdout.flush()
        assert (code, out.getvalue().decode()) == (0, f"{project / 'main-ws'} 42\n")
    os.environ.pop("XPM_TEST_VALUE", None)


@pytest.mark.parametrize("name", ["../../escape", "/tmp/abs", "a/b", "''", ".."])
def test_experiment_id_outside_the_workspace_exits_2(
    runner: CliRunner, project: Path, name: str
) -> None:
    """An `id` that is not a plain name exits 2 before the code runs or anything is written."""
    write(project, "code.py", GOOD_CODE)
    write(project, "exp.yaml", f"id: {name}\nfile: code\nepochs: 3\n")
    code, out, err = run_cli(runner, project / "deep" / "ws", "exp.yaml")
    shown = "" if name == "''" else name
    assert (code, out) == (2, "")
    assert err == (
        f"Error: experiment name {shown!r} (the id of exp.yaml) cannot name a folder of the"
        " workspace: use 1 to 200 letters, digits, '_', '.' or '-', starting with a letter"
        " or digit, e.g. 'bm25-sweep'\n"
    )
    assert sorted(p.name for p in project.iterdir()) == ["code.py", "exp.yaml"]
