"""`xpm launchers find SPEC`: the launcher a requirement gets, why, and its errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpm.cli.errors import run_program
from xpm.cli.main import xpm
from xpm.launchers import AcceleratorKind, HostAccelerator
from xpm.launchers import detection as detection_module

GiB = 1024**3

CLUSTER = """\
local:
  cores: 16
  memory: 64G
  gpus:
    - {kind: cuda, memory: 24G, count: 2}
  max_jobs: 2

slurm:
  account: my-team
  options:
    extra: ["--signal=B:USR1@120"]
  partitions:
    a100:
      partition: gpu
      cores: 64
      memory: 512G
      gpus: {type: a100, memory: 80G, count: 8}
      max_duration: 2 days
      priority: 10
      min_gpus: 1
      options:
        constraint: a100
    cpu:
      cores: 128
      memory: 1T
      max_duration: 7 days
      priority: 5
"""


@pytest.fixture(autouse=True)
def machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection sees 8 cores, 32 GiB and one 24 GiB CUDA GPU, whatever the real machine."""
    monkeypatch.setattr(detection_module, "detect_cores", lambda: 8)
    monkeypatch.setattr(detection_module, "detect_memory", lambda: 32 * GiB)
    gpus = (HostAccelerator(AcceleratorKind.CUDA, 24 * GiB),)
    monkeypatch.setattr(detection_module, "detect_gpus", lambda memory=0: gpus)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A configuration folder whose launchers.yaml has a workstation and two partitions."""
    folder = tmp_path / "launchers-config"
    folder.mkdir()
    (folder / "launchers.yaml").write_text(CLUSTER)
    return folder


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    """Run `xpm` with `run_program`'s error handling; return code, stdout, stderr."""
    with runner.isolation() as (out, err, _):
        code = run_program(xpm, list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return code, out.getvalue().decode(), err.getvalue().decode()


def find(runner: CliRunner, config: Path, spec: str, *options: str) -> tuple[int, str, str]:
    return invoke(runner, "launchers", "find", "--config-dir", str(config), *options, spec)


def test_slurm_partition_with_its_sbatch_options(runner: CliRunner, config: Path) -> None:
    """The second alternative runs on the a100 partition; the others say why not."""
    spec = "duration=3 days & cuda(mem=40G)*4 | duration=1 day & cuda(mem=40G)*2"
    code, out, err = find(runner, config, spec)
    assert (code, err) == (0, "")
    assert out == (
        "requirement: duration=3d & cuda(mem=40GiB)*4 | duration=1d & cuda(mem=40GiB)*2\n"
        "launcher: slurm/a100: SlurmLauncher, partition gpu\n"
        "sbatch options: --time=1-00:00:00 --account=my-team --partition=gpu"
        " --constraint=a100 --cpus-per-task=1 --gpus-per-node=a100:2 --signal=B:USR1@120\n"
        f"candidates from: {config / 'launchers.yaml'}\n"
        "alternative 2 (duration=1d & cuda(mem=40GiB)*2) runs on: slurm/a100 (priority 10)\n"
        "not chosen:\n"
        "  local: needs 2 cuda GPUs with 40 GiB, host has 0\n"
        "  slurm/cpu: needs 2 cuda GPUs with 40 GiB, host has 0\n"
    )


def test_local_machine_with_its_job_cap(runner: CliRunner, config: Path) -> None:
    """A 3-day GPU job stays local: LocalLauncher(max_jobs=2), partitions refused."""
    code, out, err = find(runner, config, "duration=3 days & cuda()")
    assert (code, err) == (0, "")
    assert out == (
        "requirement: duration=3d & cuda()\n"
        "launcher: local: LocalLauncher(max_jobs=2)\n"
        f"candidates from: {config / 'launchers.yaml'}\n"
        "alternative 1 (duration=3d & cuda()) runs on: local (priority 0)\n"
        "not chosen:\n"
        "  slurm/a100: needs 3d, host allows at most 2d\n"
        "  slurm/cpu: needs 1 cuda GPU, host has 0\n"
    )


def test_config_dir_defaults_to_the_environment(
    runner: CliRunner, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --config-dir, $XPM_CONFIG_DIR is read; --config-dir overrides it."""
    monkeypatch.setenv("XPM_CONFIG_DIR", str(config))
    code, out, _ = invoke(runner, "launchers", "find", "cpu(cores=8)")
    assert code == 0
    assert "launcher: slurm/cpu: SlurmLauncher, partition cpu\n" in out
    empty = config.parent / "empty"
    empty.mkdir()
    code, out, _ = find(runner, empty, "cpu(cores=8)")
    assert code == 0
    assert "launcher: local: LocalLauncher(max_jobs=None)\n" in out


def test_without_launchers_yaml_the_detected_machine_is_used(
    runner: CliRunner, tmp_path: Path
) -> None:
    """With no launchers.yaml, the local machine (as detected) is the only candidate."""
    code, out, err = find(runner, tmp_path, "cuda(mem=20G) & cpu(cores=8)")
    assert (code, err) == (0, "")
    assert out == (
        "requirement: cpu(cores=8) & cuda(mem=20GiB)\n"
        "launcher: local: LocalLauncher(max_jobs=None)\n"
        f"candidates from: the local machine, as detected (no launchers.yaml in {tmp_path})\n"
        "alternative 1 (cpu(cores=8) & cuda(mem=20GiB)) runs on: local (priority 0)\n"
    )


def test_no_launcher_lists_each_candidate_and_exits_1(runner: CliRunner, config: Path) -> None:
    """NoLauncherError: its message, every candidate with its reason, exit code 1."""
    code, out, err = find(runner, config, "duration=3 days & cuda(mem=80G)*16")
    assert (code, out) == (1, "")
    yaml_file = config / "launchers.yaml"
    assert err == (
        "Error: no launcher for 'duration=3d & cuda(mem=80GiB)*16': no candidate fits\n"
        f"candidates from {yaml_file}:\n"
        "  local: needs 16 cuda GPUs with 80 GiB, host has 0\n"
        "  slurm/a100: needs 16 cuda GPUs with 80 GiB, host has 8;"
        " needs 3d, host allows at most 2d\n"
        "  slurm/cpu: needs 16 cuda GPUs with 80 GiB, host has 0\n"
        "Ask for less or add a cheaper alternative with `|`, or describe a machine or SLURM"
        f" partition that fits in {yaml_file} (see docs/launchers.md).\n"
    )


def test_syntax_error_shows_the_caret_and_exits_2(runner: CliRunner, config: Path) -> None:
    """A bad SPEC prints the grammar error (line, column, caret, expected) and exits 2."""
    code, out, err = find(runner, config, "cuda(mem=16)*4")
    assert (code, out) == (2, "")
    assert err == (
        'Error: invalid requirement at line 1, column 12: unexpected ")"\n'
        "  cuda(mem=16)*4\n"
        "             ^\n"
        "expected a memory unit (B, K, M, G, T, KiB, MiB, GiB, TiB)\n"
    )


def test_syntax_error_through_click_runner(runner: CliRunner, config: Path) -> None:
    """The exit code is 2 also when click runs the command on its own (standalone)."""
    result = runner.invoke(xpm, ["launchers", "find", "--config-dir", str(config), "cpu("])
    assert result.exit_code == 2
    assert "invalid requirement at line 1, column 5" in result.output


def test_bad_launchers_yaml_names_file_line_and_key_and_exits_2(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A misspelled key in launchers.yaml: LauncherConfigError with file/line/key, exit 2."""
    (tmp_path / "launchers.yaml").write_text("local:\n  cores: 8\n  memroy: 32G\n")
    code, out, err = find(runner, tmp_path, "cpu()")
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {tmp_path / 'launchers.yaml'}, line 3, key local.memroy: unknown key 'memroy'\n"
        "  did you mean 'memory'? (known keys: cores, memory, gpus, max_duration, "
        "priority, min_gpus, max_jobs)\n"
    )


HOOK = """\
def find_launcher(requirement, tags):
    if tags.get("mode") == "debug":
        from xpm.scheduler import LocalLauncher

        return LocalLauncher(max_jobs=1)
    return None
"""


def test_launchers_py_decides_with_the_tags(runner: CliRunner, config: Path) -> None:
    """launchers.py is asked first, with --tags; its launcher is shown."""
    (config / "launchers.py").write_text(textwrap.dedent(HOOK))
    code, out, err = find(runner, config, "cpu(cores=8)", "--tags", "mode=debug", "--tags", "a=b")
    assert (code, err) == (0, "")
    assert out == (
        "requirement: cpu(cores=8)\n"
        "launcher: LocalLauncher(max_jobs=1)\n"
        f"chosen by: {config / 'launchers.py'} (find_launcher, tags mode=debug, a=b)\n"
        "launchers.yaml was not consulted\n"
    )


def test_launchers_py_returning_none_lets_the_yaml_decide(runner: CliRunner, config: Path) -> None:
    """When the hook returns None, launchers.yaml's choice is shown, as find_launcher does."""
    (config / "launchers.py").write_text(textwrap.dedent(HOOK))
    code, out, _ = find(runner, config, "cpu(cores=8)", "--tags", "mode=full")
    assert code == 0
    assert out.splitlines()[1:3] == [
        f"{config / 'launchers.py'} returned None, tags mode=full: launchers.yaml decides",
        "launcher: slurm/cpu: SlurmLauncher, partition cpu",
    ]


def test_bad_launchers_py_exits_2(runner: CliRunner, config: Path) -> None:
    """A launchers.py without find_launcher is a configuration error."""
    (config / "launchers.py").write_text("x = 1\n")
    code, _, err = find(runner, config, "cpu()")
    assert code == 2
    assert err.startswith(f"Error: {config / 'launchers.py'}: defines no find_launcher function")


def test_tags_must_be_key_value(runner: CliRunner, config: Path) -> None:
    """A tag without `=` is a usage error."""
    code, _, err = find(runner, config, "cpu()", "--tags", "debug")
    assert code == 2
    assert "'debug' is not KEY=VALUE" in err


def test_help_lists_the_command_without_importing_launchers(runner: CliRunner) -> None:
    """`xpm launchers --help` names `find`; importing the CLI does not load xpm.launchers."""
    result = runner.invoke(xpm, ["launchers", "--help"])
    assert result.exit_code == 0
    assert "  find " in result.output
    code = "import sys, xpm.cli.main; print('xpm.launchers' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
