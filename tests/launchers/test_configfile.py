"""Reading launchers.yaml: the values it gives, and errors naming file, line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from xpm.core import XpmError
from xpm.launchers import (
    AcceleratorKind,
    HostAccelerator,
    LauncherConfigError,
    LocalMachine,
    SlurmOptions,
    SlurmPartition,
    load_launchers_config,
    parse,
)

GiB = 1024**3

FULL = """\
local:
  cores: 16
  memory: 64G
  gpus:
    - memory: 24G
      count: 2
  max_duration: 12h
  priority: 1
  max_jobs: 4
slurm:
  account: team
  qos: normal
  options:
    extra: ["--signal=B:USR1@60"]
  partitions:
    a100:
      partition: gpu
      cores: 32
      memory: 512G
      gpus: {type: a100, memory: 80G, count: 8}
      max_duration: 2 days
      priority: 10
      min_gpus: 1
      qos: long
      options:
        constraint: a100
        extra: ["--exclusive"]
    cpu:
      cores: 64
      memory: 256G
      gpu_option: gres
      gres: tmpdisk:100
"""


def write(folder: Path, text: str) -> Path:
    file = folder / "launchers.yaml"
    file.write_text(textwrap.dedent(text))
    return file


def error_of(folder: Path, text: str) -> LauncherConfigError:
    with pytest.raises(LauncherConfigError) as info:
        load_launchers_config(write(folder, text))
    return info.value


def test_full_file_gives_local_machine_and_partitions_in_order(tmp_path: Path) -> None:
    """Every key lands in its dataclass; partitions inherit account, qos and options."""
    config = load_launchers_config(write(tmp_path, FULL))
    assert config.local == LocalMachine(
        cores=16,
        memory=64 * GiB,
        gpus=(HostAccelerator(AcceleratorKind.CUDA, 24 * GiB, 2),),
        max_duration=12 * 3600,
        priority=1,
        max_jobs=4,
    )
    a100, cpu = config.partitions
    assert a100 == SlurmPartition(
        name="a100",
        partition="gpu",
        cores=32,
        memory=512 * GiB,
        gpus=(HostAccelerator(AcceleratorKind.CUDA, 80 * GiB, 8),),
        gpu_type="a100",
        max_duration=2 * 86400,
        priority=10,
        min_gpus=1,
        qos="long",
        account="team",
        options=SlurmOptions(constraint="a100", extra=("--signal=B:USR1@60", "--exclusive")),
    )
    assert (cpu.partition, cpu.qos, cpu.account, cpu.gpu_option) == (
        "cpu",
        "normal",
        "team",
        "gres",
    )
    assert cpu.options == SlurmOptions(extra=("--signal=B:USR1@60",))


def test_empty_file_and_empty_local_section(tmp_path: Path) -> None:
    """An empty file declares nothing; `local:` alone means "detect everything"."""
    assert load_launchers_config(write(tmp_path, "")).local is None
    assert load_launchers_config(write(tmp_path, "local:\n")).local == LocalMachine()


def test_slurm_options_follow_the_chosen_alternative(tmp_path: Path) -> None:
    """Time, cpus, memory and typed GPUs come from the requirement."""
    a100, cpu = load_launchers_config(write(tmp_path, FULL)).partitions
    need = parse("duration=90min & cpu(mem=400M, cores=4) & cuda(mem=40G)*2").alternatives[0]
    options = a100.slurm_options(need)
    assert options.arguments() == [
        "--time=0-01:30:00",
        "--account=team",
        "--qos=long",
        "--partition=gpu",
        "--constraint=a100",
        "--mem=400M",
        "--cpus-per-task=4",
        "--gpus-per-node=a100:2",
        "--signal=B:USR1@60",
        "--exclusive",
    ]
    assert cpu.slurm_options(need).extra[0] == "--gres=gpu:2,tmpdisk:100"


def test_slurm_options_leave_out_what_the_requirement_does_not_say(tmp_path: Path) -> None:
    """No duration, memory or GPU: no --time, --mem or GPU option."""
    _, cpu = load_launchers_config(write(tmp_path, FULL)).partitions
    options = cpu.slurm_options(parse("cpu()").alternatives[0])
    assert (options.time, options.mem, options.gpus_per_node) == (None, None, None)
    assert options.cpus_per_task == 1
    assert options.extra == ("--gres=tmpdisk:100", "--signal=B:USR1@60")


def test_unknown_key_names_file_line_key_and_the_close_match(tmp_path: Path) -> None:
    """A misspelled key is refused with "did you mean"."""
    error = error_of(
        tmp_path,
        """\
        slurm:
          partitions:
            gpu:
              cores: 32
              memroy: 256G
        """,
    )
    assert (error.file, error.line, error.key) == (
        tmp_path / "launchers.yaml",
        5,
        "slurm.partitions.gpu.memroy",
    )
    assert str(error).startswith(
        f"{tmp_path / 'launchers.yaml'}, line 5, key slurm.partitions.gpu.memroy: "
        "unknown key 'memroy'\n  did you mean 'memory'?"
    )
    assert isinstance(error, XpmError) and isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("lokal: {}\n", 1, "lokal", "did you mean 'local'"),
        (
            "local:\n  cores: many\n",
            2,
            "local.cores",
            "expected a whole number, got the text 'many'",
        ),
        ("local:\n  cores: 0\n", 2, "local.cores", "0 is too small: use at least 1"),
        ("local:\n  memory: 64\n", 2, "local.memory", "expected a memory size with a unit"),
        ("local:\n  memory: 64X\n", 2, "local.memory", "'64X' is not a memory size"),
        ("local:\n  max_duration: 2 weeks\n", 2, "local.max_duration", "is not a duration"),
        ("local:\n  gpus:\n    - count: 2\n", 3, "local.gpus[0]", "missing key 'memory'"),
        ("local:\n  gpus:\n    - {memory: 8G, type: a100}\n", 3, "local.gpus[0].type", "unknown"),
        ("local:\n  gpus: [{memory: 8G, kind: cudaa}]\n", 2, "local.gpus[0].kind", "'cuda'"),
        ("local:\n  cores: 2\n  cores: 3\n", 3, "local.cores", "given twice (first on line 2)"),
        ("local: [1, 2]\n", 1, "local", "expected a mapping"),
        ("slurm:\n  qos: x\n", 2, "slurm", "missing key 'partitions'"),
        ("slurm:\n  partitions: {}\n", 2, "slurm.partitions", "no partition is given"),
        ("slurm:\n  partitions:\n    p: {cores: 1}\n", 3, "slurm.partitions.p", "'memory'"),
        (
            "slurm:\n  partitions:\n    p:\n      cores: 1\n      memory: 1G\n      options:\n"
            "        time: 1-00:00:00\n",
            7,
            "slurm.partitions.p.options.time",
            "requirement's duration",
        ),
        (
            "slurm:\n  options: {constrant: x}\n  partitions: {p: {cores: 1, memory: 1G}}\n",
            2,
            "slurm.options.constrant",
            "did you mean 'constraint'",
        ),
        (
            "slurm:\n  options: {extra: [nodash]}\n  partitions: {p: {cores: 1, memory: 1G}}\n",
            2,
            "slurm.options.extra",
            "is not an sbatch option",
        ),
        (
            "slurm:\n  partitions:\n    p:\n      cores: 1\n      memory: 1G\n      gpus:\n"
            "        - {type: a100, memory: 80G}\n        - {type: v100, memory: 32G}\n",
            8,
            "slurm.partitions.p.gpus[1]",
            "GPUs of different types",
        ),
        (
            "slurm:\n  gpu_option: gress\n  partitions: {p: {cores: 1, memory: 1G}}\n",
            2,
            "slurm.gpu_option",
            "did you mean 'gres'",
        ),
    ],
)
def test_bad_values_are_reported_where_they_are(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    """Each mistake gives the line and the dotted key of the faulty value."""
    error = error_of(tmp_path, text)
    assert (error.line, error.key) == (line, key)
    assert words in str(error)


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    """Broken YAML is a LauncherConfigError with the line of the problem."""
    error = error_of(tmp_path, "local:\n  cores: 2\n   memory: [\n")
    assert error.line == 3
    assert str(error).startswith(f"{tmp_path / 'launchers.yaml'}, line 3: not valid YAML")


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    """A file that cannot be decoded is named in the error, with no line."""
    file = tmp_path / "launchers.yaml"
    file.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LauncherConfigError) as info:
        load_launchers_config(file)
    assert info.value.line is None
    assert str(info.value).startswith(f"{file}: cannot read the file")
