"""Matching requirements to hosts: which hosts win, and why the others are refused."""

from __future__ import annotations

import pytest

from xpm.core import ValidationError
from xpm.launchers import (
    AcceleratorKind,
    HostAccelerator,
    HostSpec,
    match_hosts,
    parse,
    refusal_reason,
)

GiB = 1024**3
CUDA = AcceleratorKind.CUDA
MPS = AcceleratorKind.MPS


def cuda_host(name: str, gpus: int, memory_gib: int, priority: int = 0) -> HostSpec:
    return HostSpec(
        name,
        cores=32,
        memory=256 * GiB,
        accelerators=(HostAccelerator(CUDA, memory_gib * GiB, gpus),),
        priority=priority,
    )


CPU_ONLY = HostSpec("cpu", cores=8, memory=32 * GiB)
SMALL = cuda_host("small", 2, 16)
BIG = cuda_host("big", 8, 80, priority=5)
MAC = HostSpec("mac", 10, 64 * GiB, (HostAccelerator(MPS, 64 * GiB),), priority=1)


def test_reason_names_count_kind_and_memory_of_missing_gpus() -> None:
    """A host with too few GPUs is refused with both counts in the reason."""
    reason = refusal_reason(SMALL, parse("cuda(mem=16G)*4").alternatives[0])
    assert reason == "needs 4 cuda GPUs with 16 GiB, host has 2"


def test_reason_counts_only_gpus_with_enough_memory() -> None:
    """GPUs smaller than asked do not count as available."""
    reason = refusal_reason(SMALL, parse("gpu(mem=24G)").alternatives[0])
    assert reason == "needs 1 GPU with 24 GiB, host has 0"


def test_reason_lists_every_unmet_need() -> None:
    """Cores, memory and duration problems are all reported, joined by ';'."""
    host = HostSpec("tiny", cores=2, memory=4 * GiB, max_duration=3600)
    reason = refusal_reason(host, parse("duration=2h & cpu(mem=8G, cores=4)").alternatives[0])
    assert reason == (
        "needs 4 cores, host has 2; needs 8 GiB of memory, host has 4 GiB; "
        "needs 2h, host allows at most 1h"
    )


def test_mps_gpu_memory_is_taken_from_host_memory() -> None:
    """On unified memory, GPU memory and CPU memory must fit together."""
    requirement = parse("cpu(mem=32G) & mps(mem=40G)").alternatives[0]
    assert refusal_reason(MAC, requirement) == (
        "needs 72 GiB of memory (32 GiB + 40 GiB for mps GPUs sharing it), host has 64 GiB"
    )
    assert refusal_reason(MAC, parse("cpu(mem=16G) & gpu(mem=40G)").alternatives[0]) is None


def test_cuda_requirement_refuses_mps_host_but_gpu_accepts_it() -> None:
    """cuda() wants NVIDIA only; gpu() takes any kind."""
    assert refusal_reason(MAC, parse("cuda()").alternatives[0]) == ("needs 1 cuda GPU, host has 0")
    assert refusal_reason(MAC, parse("gpu()").alternatives[0]) is None


def test_mixed_requests_that_fit_separately_but_not_together() -> None:
    """Two requests competing for the same GPUs are refused as a whole."""
    host = HostSpec("two", 8, 64 * GiB, (HostAccelerator(CUDA, 16 * GiB, 2),))
    requirement = parse("cuda(mem=16G)*2 & gpu()").alternatives[0]
    assert refusal_reason(host, requirement) == (
        "cannot place all of cuda(mem=16GiB)*2 & gpu() on the host's 2 GPUs"
    )


def test_best_fit_keeps_large_gpus_for_large_requests() -> None:
    """A small any-kind request does not take the only large GPU."""
    host = HostSpec(
        "mixed",
        8,
        64 * GiB,
        (HostAccelerator(CUDA, 80 * GiB), HostAccelerator(CUDA, 16 * GiB)),
    )
    assert refusal_reason(host, parse("gpu(mem=8G) & cuda(mem=40G)").alternatives[0]) is None


def test_min_accelerators_keeps_cpu_jobs_off_gpu_hosts() -> None:
    """A host reserved for GPU jobs refuses a job asking for none."""
    host = HostSpec("gpu-only", 8, 64 * GiB, BIG.accelerators, min_accelerators=1)
    assert refusal_reason(host, parse("cpu()").alternatives[0]) == (
        "host takes only jobs asking for at least 1 GPUs, this asks for 0"
    )


def test_highest_priority_fitting_host_wins() -> None:
    """Among hosts that fit, only those with the best priority are returned."""
    match = match_hosts(parse("cuda(mem=16G)*2"), [CPU_ONLY, SMALL, BIG])
    assert match.hosts == (BIG,)
    assert match.alternative == 0
    assert [(r.host.name, r.reason) for r in match.refusals] == [
        ("cpu", "needs 2 cuda GPUs with 16 GiB, host has 0"),
        ("small", "priority 0 is below 5"),
    ]


def test_hosts_sharing_the_best_priority_are_all_returned() -> None:
    """Ties keep every host, in the order given."""
    twin = cuda_host("twin", 8, 80, priority=5)
    assert match_hosts(parse("cuda()"), [BIG, SMALL, twin]).hosts == (BIG, twin)


def test_first_satisfiable_alternative_wins_over_priority() -> None:
    """An earlier alternative on a low-priority host beats a later one elsewhere."""
    match = match_hosts(parse("cuda(mem=16G)*2 | gpu()"), [SMALL, MAC])
    assert (match.alternative, match.hosts) == (0, (SMALL,))
    assert match.refusals[0].reason == "needs 2 cuda GPUs with 16 GiB, host has 0"


def test_later_alternative_is_used_when_the_first_fits_nowhere() -> None:
    """When no host fits the first alternative, the next one is tried."""
    match = match_hosts(parse("cuda()*4 | gpu()"), [SMALL, MAC])
    assert (match.alternative_number, match.hosts) == (2, (MAC,))
    assert match.requirement == parse("gpu()").alternatives[0]


def test_no_match_explains_each_host_per_alternative() -> None:
    """When nothing fits, each host gets a reason for each alternative."""
    match = match_hosts(parse("cuda()*16 | cpu(cores=64)"), [SMALL, CPU_ONLY])
    assert not match.is_found
    assert match.explain() == (
        "no host satisfies the requirement:\n"
        "  small: alternative 1: needs 16 cuda GPUs, host has 2; "
        "alternative 2: needs 64 cores, host has 32\n"
        "  cpu: alternative 1: needs 16 cuda GPUs, host has 0; "
        "alternative 2: needs 64 cores, host has 8"
    )


def test_explain_of_a_match() -> None:
    """explain() names the winning alternative, its hosts and the others' reasons."""
    match = match_hosts(parse("duration=2h & cuda()*4"), [SMALL, BIG])
    assert match.explain() == (
        "alternative 1 (duration=2h & cuda()*4) runs on: big (priority 5)\n"
        "not chosen:\n"
        "  small: needs 4 cuda GPUs, host has 2"
    )


def test_host_accelerators_must_have_a_concrete_kind() -> None:
    """A host declares cuda or mps GPUs; 'gpu' is only for requirements."""
    with pytest.raises(ValidationError, match="cuda or mps"):
        HostAccelerator(AcceleratorKind.GPU, GiB)
    with pytest.raises(ValidationError, match="cores"):
        HostSpec("bad", cores=-1, memory=0)
