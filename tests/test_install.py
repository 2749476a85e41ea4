"""README's Install section, run as written in fresh virtual environments.

The commands are read from README.md itself, so the page and the test cannot drift apart.
Each test builds the distributions from the checkout (pip's cache keeps it to a minute).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _install_commands() -> list[list[str]]:
    """The shell blocks of README's `## Install` section, each as a list of lines."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip().splitlines() for block in SH_BLOCK.findall(section)]


def _fresh_venv(where: Path) -> tuple[Path, dict[str, str]]:
    """Create a venv; return its bin folder and an environment that sees nothing else."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=240)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(where)
    env["PATH"] = f"{where / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return where / "bin", env


def _pip(bin_dir: Path, env: dict[str, str], line: str) -> None:
    """Run a README `pip install ...` line with the venv's pip, from the checkout's root."""
    words = shlex.split(line)
    assert words[:2] == ["pip", "install"], line
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    proc = subprocess.run(
        [*pip, *words[2:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert proc.returncode == 0, f"{line}\n{proc.stdout}\n{proc.stderr}"


def test_readme_install_section_has_the_two_commands() -> None:
    """One command for everything (then `xpm --version`), one for the core alone."""
    everything, core = _install_commands()[:2]
    folders = [f"./packages/xpm-{p}" for p in ("core", "scheduler", "launchers", "cli")]
    assert everything == [f"pip install {' '.join(folders)}", "xpm --version"]
    assert core == ["pip install ./packages/xpm-core"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_documented_command_puts_xpm_on_path(tmp_path: Path) -> None:
    bin_dir, env = _fresh_venv(tmp_path / "venv")
    install, version = _install_commands()[0]
    _pip(bin_dir, env, install)
    shown = subprocess.run(
        shlex.split(version), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    expected = tomllib.loads((ROOT / "packages/xpm-cli/pyproject.toml").read_text())
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == f"xpm, version {expected['project']['version']}\n"
    assert (bin_dir / "xpm").exists()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_core_installs_alone(tmp_path: Path) -> None:
    bin_dir, env = _fresh_venv(tmp_path / "venv")
    _pip(bin_dir, env, _install_commands()[1][0])
    code = (
        "import importlib.util, xpm.core; "
        "print(importlib.util.find_spec('xpm.scheduler') is None, xpm.core.Config.__name__)"
    )
    shown = subprocess.run(
        [str(bin_dir / "python"), "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (shown.returncode, shown.stdout) == (0, "True Config\n"), shown.stderr
    assert not (bin_dir / "xpm").exists()
