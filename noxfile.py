"""Developer sessions for xpm: `nox -s tests` is what CI runs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests"]

PACKAGES = ["core", "scheduler", "launchers", "cli"]
EXAMPLES = [("hyperparameter-search", "digits_xp"), ("optimizer-benchmark", "optbench")]
GROUPS = nox.project.load_toml("pyproject.toml")["dependency-groups"]
EDITABLE = [arg for p in PACKAGES for arg in ("-e", f"packages/xpm-{p}")]


@nox.session
def tests(session: nox.Session) -> None:
    """Run every test but the SLURM ones, all packages installed editable."""
    session.install(*EDITABLE, *GROUPS["test"], *GROUPS["examples"])
    session.run("pytest", "-m", "not slurm", *session.posargs)


@nox.session(default=False)
@nox.parametrize("package", PACKAGES)
def alone(session: nox.Session, package: str) -> None:
    """Install one package (and those below it) from wheels, run its tests only."""
    below = PACKAGES[: PACKAGES.index(package) + 1]
    session.install(*[f"packages/xpm-{p}" for p in below])
    session.run("python", "-m", "pip", "list", "--format=freeze")
    session.install(*GROUPS["test"])
    session.run("pytest", f"tests/{package}", *session.posargs)


@nox.session(default=False)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over every package, the typing claims in tests/typecheck, the examples."""
    session.install(*EDITABLE, *GROUPS["typecheck"], *GROUPS["examples"])
    srcs = [f"packages/xpm-{p}/src/xpm/{p}" for p in PACKAGES]
    session.run("mypy", *srcs, "tests/typecheck", *session.posargs)
    # The examples, as a user's IDE sees them: one run each (each has an `experiment`).
    for example, package in EXAMPLES:
        session.run(
            "mypy",
            f"examples/{example}/{package}",
            f"examples/{example}/experiment.py",
        )


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*GROUPS["lint"])
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(default=False)
def slurm(session: nox.Session) -> None:
    """Integration tests on a running SLURM cluster: start it with scripts/local-slurm.sh."""
    session.install(*EDITABLE, *GROUPS["test"])
    session.run("pytest", "-m", "slurm", *session.posargs)


DEMO = "examples/hyperparameter-search/debug.yaml"


@nox.session(default=False, reuse_venv=True)
def demo(session: nox.Session) -> None:
    """Run the tutorial's experiment on the local launcher and the default workspace.

    The venv is kept, and installing is skipped while the packages' pyproject.toml files
    are unchanged, so a second run only finds every job done and prints the results.
    """
    _install_once(session, *EDITABLE, *GROUPS["examples"])
    session.run("xpm", "run-experiment", DEMO, *session.posargs)
    where = Path(session.virtualenv.location) / "bin"
    session.log(
        f"`xpm` is installed in {where}: `source {where / 'activate'}` puts it on your PATH"
        " (README.md, Install, says how to install it anywhere)"
    )


def _install_once(session: nox.Session, *args: str) -> None:
    """`session.install(*args)`, unless this venv already got the same install."""
    digest = hashlib.sha256("\0".join(args).encode())
    for pyproject in sorted(Path("packages").glob("*/pyproject.toml")):
        digest.update(pyproject.read_bytes())
    stamp = Path(session.virtualenv.location) / ".xpm-installed"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        session.log("packages already installed in this venv")
        return
    session.install(*args)
    stamp.write_text(digest.hexdigest())


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Compare xpm with experimaestro 2.7.0 on the same workloads and print a table.

    experimaestro lives in its own venv next to nox's, so neither sees the other's packages.
    """
    session.install(*EDITABLE)
    ref = Path(session.virtualenv.location).parent / "xpmref"
    ref_python = ref / "bin" / "python"
    if not ref_python.exists():
        session.run("python", "-m", "venv", str(ref))
    session.run(
        str(ref_python), "-m", "pip", "install", "-q", "experimaestro==2.7.0", external=True
    )
    session.run("python", "bench/compare.py", "--ref-python", str(ref_python), *session.posargs)
