"""Detecting the local machine: cores, memory from /proc/meminfo, GPUs from nvidia-smi."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from xpm.launchers import AcceleratorKind, HostAccelerator, detect_local_host, parse_nvidia_smi
from xpm.launchers import detection as detection_module

GiB = 1024**3
MiB = 1024**2


def test_nvidia_smi_lines_are_grouped_by_memory() -> None:
    """Equal GPUs are counted together, largest memory first; odd lines are skipped."""
    output = (
        "NVIDIA A100-SXM4-80GB, 81920 MiB\n"
        "NVIDIA A100-SXM4-80GB, 81920 MiB\n"
        "Tesla V100-PCIE-32GB, 32768 MiB\n"
        "garbage line\n"
        "\n"
    )
    assert parse_nvidia_smi(output) == (
        HostAccelerator(AcceleratorKind.CUDA, 80 * GiB, 2),
        HostAccelerator(AcceleratorKind.CUDA, 32 * GiB, 1),
    )


def test_gpu_names_with_commas_keep_the_last_field() -> None:
    """The memory is the last comma-separated field, whatever the name holds."""
    assert parse_nvidia_smi("Weird, Name, 16384 MiB\n") == (
        HostAccelerator(AcceleratorKind.CUDA, 16 * GiB),
    )


def test_memory_comes_from_meminfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MemTotal (in kB, which is KiB) is the machine's memory."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemFree:  1024 kB\nMemTotal:       32768 kB\n")
    monkeypatch.setattr(detection_module, "_MEMINFO", meminfo)
    assert detection_module.detect_memory() == 32 * MiB


def test_memory_falls_back_to_sysconf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without /proc/meminfo, the page count times the page size is used."""
    monkeypatch.setattr(detection_module, "_MEMINFO", tmp_path / "absent")
    assert detection_module.detect_memory() == os.sysconf("SC_PAGE_SIZE") * os.sysconf(
        "SC_PHYS_PAGES"
    )


def fake_nvidia_smi(folder: Path, body: str) -> None:
    program = folder / "nvidia-smi"
    program.write_text(f"#!/bin/sh\n{body}\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as nvidia-smi")
def test_gpus_come_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """nvidia-smi is asked for name and memory, in CSV without header."""
    fake_nvidia_smi(
        tmp_path,
        'test "$*" = "--query-gpu=name,memory.total --format=csv,noheader" || exit 3\n'
        'echo "NVIDIA L4, 23034 MiB"',
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(detection_module.platform, "system", lambda: "Linux")
    assert detection_module.detect_gpus() == (HostAccelerator(AcceleratorKind.CUDA, 23034 * MiB),)


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as nvidia-smi")
def test_failing_nvidia_smi_means_no_gpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver error (non-zero exit) gives no GPU rather than an exception."""
    fake_nvidia_smi(tmp_path, "echo 'NVIDIA-SMI has failed' >&2; exit 9")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(detection_module.platform, "system", lambda: "Linux")
    assert detection_module.detect_gpus() == ()


def test_no_nvidia_smi_means_no_gpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without nvidia-smi on the PATH, the machine has no CUDA GPU."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(detection_module.platform, "system", lambda: "Linux")
    assert detection_module.detect_gpus() == ()


def test_apple_silicon_has_one_mps_gpu_sharing_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """On an arm64 Mac, one MPS GPU may use the machine's memory."""
    monkeypatch.setattr(detection_module.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(detection_module.platform, "machine", lambda: "arm64")
    assert detection_module.detect_gpus(16 * GiB) == (
        HostAccelerator(AcceleratorKind.MPS, 16 * GiB),
    )


def test_this_machine_is_detected() -> None:
    """The real machine has at least one usable core and some memory."""
    host = detect_local_host()
    assert host.name == "local"
    assert 1 <= host.cores <= (os.cpu_count() or 1)
    assert host.memory > 0
