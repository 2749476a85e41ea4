"""Fixtures for the launcher finder: a configuration folder, a fake machine, fake launchers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

import xpm.launchers
import xpm.scheduler
from xpm.launchers import HostAccelerator, SlurmOptions
from xpm.launchers import detection as detection_module
from xpm.scheduler import EndCallback, JobLaunch, Launcher

GiB = 1024**3


class FakeLauncher(Launcher):
    """Stands for LocalLauncher and SlurmLauncher: records how it was built."""

    def __init__(
        self,
        max_jobs: int | None = None,
        options: SlurmOptions | None = None,
        time_limit: float | None = None,
    ) -> None:
        self.max_jobs = max_jobs
        self.options = options
        self.time_limit = time_limit

    def start(self, launch: JobLaunch, on_end: EndCallback) -> Mapping[str, object]:
        raise NotImplementedError

    def reattach(
        self, launch: JobLaunch, record: Mapping[str, object], on_end: EndCallback
    ) -> bool:
        raise NotImplementedError

    def kill(self, record: Mapping[str, object]) -> bool:
        raise NotImplementedError


class FakeLocalLauncher(FakeLauncher):
    """What `xpm.scheduler.LocalLauncher` is replaced with in tests."""


class FakeSlurmLauncher(FakeLauncher):
    """What `xpm.launchers.SlurmLauncher` is replaced with in tests."""


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty configuration folder, named by XPM_CONFIG_DIR."""
    folder = tmp_path / "xpm-config"
    folder.mkdir()
    monkeypatch.setenv("XPM_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection sees 8 cores, 32 GiB and one 24 GiB CUDA GPU, whatever the real machine."""
    monkeypatch.setattr(detection_module, "detect_cores", lambda: 8)
    monkeypatch.setattr(detection_module, "detect_memory", lambda: 32 * GiB)
    gpus = (HostAccelerator(xpm.launchers.AcceleratorKind.CUDA, 24 * GiB),)
    monkeypatch.setattr(detection_module, "detect_gpus", lambda memory=0: gpus)


@pytest.fixture
def fake_launchers(monkeypatch: pytest.MonkeyPatch) -> None:
    """LocalLauncher and SlurmLauncher exist, as fakes that record their arguments."""
    monkeypatch.setattr(xpm.scheduler, "LocalLauncher", FakeLocalLauncher, raising=False)
    monkeypatch.setattr(xpm.launchers, "SlurmLauncher", FakeSlurmLauncher, raising=False)
