"""The four distributions: one namespace, versions in lockstep, exact sibling pins."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGES = ["core", "scheduler", "launchers", "cli"]


def _project(part: str) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "packages" / f"xpm-{part}" / "pyproject.toml").read_text())[
        "project"
    ]


def test_xpm_is_a_namespace_everywhere() -> None:
    for part in PACKAGES:
        src = ROOT / "packages" / f"xpm-{part}" / "src" / "xpm"
        assert not (src / "__init__.py").exists()
        assert (src / part / "py.typed").exists()
        assert (src / part / "__init__.py").exists()


def test_versions_in_lockstep_and_siblings_pinned_exactly() -> None:
    versions = {part: _project(part)["version"] for part in PACKAGES}
    assert len(set(versions.values())) == 1
    version = versions["core"]
    allowed = set()
    for i, part in enumerate(PACKAGES):
        siblings = {d for d in _project(part)["dependencies"] if d.startswith("xpm-")}
        assert siblings <= allowed, f"xpm-{part} depends upward or on an unpinned sibling"
        if i:
            assert f"xpm-{PACKAGES[i - 1]}=={version}" in siblings
        allowed.add(f"xpm-{part}=={version}")


def test_core_depends_on_typing_extensions_only() -> None:
    assert [d.split(">")[0] for d in _project("core")["dependencies"]] == ["typing-extensions"]


def test_public_names_have_docstrings() -> None:
    import xpm.core

    for name in xpm.core.__all__:
        obj = getattr(xpm.core, name)
        if callable(obj) and not isinstance(obj, type(xpm.core.MISSING)):
            assert (obj.__doc__ or "").strip(), name
