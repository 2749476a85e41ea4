"""What the local machine offers: cores, memory and GPUs, as a `HostSpec`.

Used when `launchers.yaml` is absent, and for the values its `local` section leaves out.
Detection never fails: a source that cannot be read counts as "nothing there" (no GPU
when `nvidia-smi` is missing or fails), and the configuration can always say better.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

from .errors import RequirementSyntaxError
from .hosts import HostAccelerator, HostSpec
from .requirements import AcceleratorKind, parse_memory

NVIDIA_SMI_QUERY = ("--query-gpu=name,memory.total", "--format=csv,noheader")
"""The arguments given to `nvidia-smi` to list the GPUs: one `name, memory` line each."""

_MEMINFO = Path("/proc/meminfo")
_NVIDIA_SMI_TIMEOUT = 20.0


def detect_local_host(name: str = "local") -> HostSpec:
    """Return the local machine as a host: usable cores, total memory, GPUs.

    Cores are those this process may run on (`sched_getaffinity`, so a SLURM allocation
    or `taskset` is honoured), memory is `MemTotal` of `/proc/meminfo`, NVIDIA GPUs come
    from `nvidia-smi` and, on Apple silicon, one MPS GPU shares the machine's memory.
    """
    memory = detect_memory()
    return HostSpec(name, detect_cores(), memory, detect_gpus(memory))


def detect_cores() -> int:
    """Return how many cores this process may use (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def detect_memory() -> int:
    """Return the machine's total memory in bytes (0 when it cannot be read)."""
    try:
        for line in _MEMINFO.read_text("ascii").splitlines():
            key, _, value = line.partition(":")
            if key == "MemTotal":
                return parse_memory(value.strip())
    except (OSError, UnicodeDecodeError, RequirementSyntaxError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 0


def detect_gpus(host_memory: int = 0) -> tuple[HostAccelerator, ...]:
    """Return the machine's GPUs: NVIDIA ones from `nvidia-smi`, or Apple's MPS GPU.

    `host_memory` is what an MPS GPU may use, since it shares the machine's memory.
    """
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        return (HostAccelerator(AcceleratorKind.MPS, host_memory),)
    program = shutil.which("nvidia-smi")
    if program is None:
        return ()
    try:
        result = subprocess.run(
            [program, *NVIDIA_SMI_QUERY],
            capture_output=True,
            text=True,
            timeout=_NVIDIA_SMI_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    if result.returncode != 0:
        return ()
    return parse_nvidia_smi(result.stdout)


def parse_nvidia_smi(output: str) -> tuple[HostAccelerator, ...]:
    """Return the CUDA GPUs listed by `nvidia-smi --query-gpu=name,memory.total ...`.

    Each line is `NVIDIA A100-SXM4-80GB, 81920 MiB`; equal memory sizes are counted
    together. Lines that cannot be read are skipped.
    """
    counts: dict[int, int] = {}
    for line in output.splitlines():
        _, _, memory_text = line.rpartition(",")
        try:
            memory = parse_memory(memory_text.strip())
        except RequirementSyntaxError:
            continue
        counts[memory] = counts.get(memory, 0) + 1
    return tuple(
        HostAccelerator(AcceleratorKind.CUDA, memory, count)
        for memory, count in sorted(counts.items(), reverse=True)
    )
