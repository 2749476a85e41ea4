"""Read `launchers.yaml` into frozen dataclasses, with file, line and key in every error.

The file describes where jobs may run: the local machine (`local`) and SLURM partitions
(`slurm.partitions`). Values the `local` section leaves out are detected. The YAML is
composed to nodes, not loaded to dicts, so that each value keeps its line for messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from xpm.core import ValidationError

from . import detection
from .configvalues import ConfigValue, GpuOption
from .errors import LauncherConfigError, YamlSyntaxError
from .hosts import HostAccelerator, HostSpec
from .requirements import AcceleratorKind, HostRequirement
from .slurm import SlurmOptions, slurm_time
from .yamlnodes import compose_yaml, read_yaml_file

LOCAL_NAME = "local"
"""The name of the local machine among the candidate launchers."""

_LOCAL_KEYS = ("cores", "memory", "gpus", "max_duration", "priority", "min_gpus", "max_jobs")
_SLURM_KEYS = ("partitions", "qos", "account", "gres", "gpu_option", "options")
_PARTITION_KEYS = (
    "partition",
    "cores",
    "memory",
    "gpus",
    "max_duration",
    "priority",
    "min_gpus",
    "qos",
    "account",
    "gres",
    "gpu_option",
    "options",
)
_GPU_KEYS = ("count", "memory", "kind", "type")
_OPTION_KEYS = ("nodes", "constraint", "exclude", "mem_per_gpu", "nodelist", "ntasks_per_node")
# sbatch options that find_launcher computes: writing them in `options` is a mistake.
_COMPUTED_OPTIONS = {
    "time": "it comes from the requirement's duration (duration=...)",
    "cpus_per_task": "it comes from the requirement's cores (cpu(cores=...))",
    "mem": "it comes from the requirement's memory (cpu(mem=...))",
    "gpus": "it comes from the requirement's GPUs (cuda()*N)",
    "gpus_per_node": "it comes from the requirement's GPUs (cuda()*N)",
    "partition": "use the partition's `partition` key",
    "qos": "use the `qos` key of the partition or of the slurm section",
    "account": "use the `account` key of the partition or of the slurm section",
}


@dataclass(frozen=True)
class LocalMachine:
    """The `local` section of `launchers.yaml`: this machine, as a candidate launcher.

    None for `cores`, `memory` or `gpus` means "detect it". `max_jobs` caps how many jobs
    run at once on the local launcher (None: no cap).
    """

    cores: int | None = None
    memory: int | None = None
    gpus: tuple[HostAccelerator, ...] | None = None
    max_duration: int = 0
    priority: int = 0
    min_gpus: int = 0
    max_jobs: int | None = None

    def host(self) -> HostSpec:
        """Return the machine as a `HostSpec` named `local`, detecting what is not given."""
        memory = detection.detect_memory() if self.memory is None else self.memory
        return HostSpec(
            LOCAL_NAME,
            cores=detection.detect_cores() if self.cores is None else self.cores,
            memory=memory,
            accelerators=detection.detect_gpus(memory) if self.gpus is None else self.gpus,
            max_duration=self.max_duration,
            priority=self.priority,
            min_accelerators=self.min_gpus,
        )


@dataclass(frozen=True)
class SlurmPartition:
    """One entry of `slurm.partitions`: a SLURM partition and the limits of its nodes.

    `name` is the entry's key (a candidate is called `slurm/<name>`), `partition` the
    SLURM partition it submits to. `cores`, `memory` (bytes) and `gpus` describe one node;
    `gpu_type` is the GRES type of its GPUs (`a100`), if any. `options` holds the other
    sbatch options to pass; `slurm_options()` adds what the requirement asks for. `gres`
    is a GRES every job asks for besides GPUs (`tmpdisk:100`).
    """

    name: str
    partition: str
    cores: int
    memory: int
    gpus: tuple[HostAccelerator, ...] = ()
    gpu_type: str | None = None
    max_duration: int = 0
    priority: int = 0
    min_gpus: int = 0
    qos: str | None = None
    account: str | None = None
    gres: str | None = None
    gpu_option: GpuOption = "gpus_per_node"
    options: SlurmOptions = field(default_factory=SlurmOptions)

    @property
    def candidate_name(self) -> str:
        """The name of this partition among the candidate launchers: `slurm/<name>`."""
        return f"slurm/{self.name}"

    def host(self) -> HostSpec:
        """Return one node of the partition as a `HostSpec` named `slurm/<name>`."""
        return HostSpec(
            self.candidate_name,
            cores=self.cores,
            memory=self.memory,
            accelerators=self.gpus,
            max_duration=self.max_duration,
            priority=self.priority,
            min_accelerators=self.min_gpus,
        )

    def slurm_options(self, requirement: HostRequirement) -> SlurmOptions:
        """Return the sbatch options that run `requirement` on this partition.

        The time limit is the requirement's duration, `--cpus-per-task` its cores,
        `--mem` its memory, and its GPUs are asked with `gpu_option` (typed when the
        partition's GPUs have a `type`). Durations and memory left at 0 are not written.
        """
        count = requirement.accelerator_count
        spec = f"{self.gpu_type}:{count}" if self.gpu_type else str(count)
        gres = [self.gres] if self.gres else []
        gpus_per_node: int | str | None = None
        if count and self.gpu_option == "gres":
            gres.insert(0, f"gpu:{spec}")
        elif count:
            gpus_per_node = spec if self.gpu_type else count
        extra = self.options.extra
        if gres:
            extra = (f"--gres={','.join(gres)}", *extra)
        return replace(
            self.options,
            partition=self.partition,
            qos=self.qos,
            account=self.account,
            time=slurm_time(requirement.duration) if requirement.duration else None,
            cpus_per_task=requirement.cpu.cores,
            mem=slurm_memory(requirement.cpu.memory) if requirement.cpu.memory else None,
            gpus_per_node=gpus_per_node,
            extra=extra,
        )


@dataclass(frozen=True)
class LaunchersConfig:
    """The content of a `launchers.yaml` file (`file`), in the order it was written.

    `local` is None when the file has no `local` section: the local machine is then not a
    candidate. Partitions keep the file's order, which breaks ties between equal
    priorities (the local machine comes first).
    """

    file: Path
    local: LocalMachine | None = None
    partitions: tuple[SlurmPartition, ...] = ()


def slurm_memory(size: int) -> str:
    """Return `size` bytes as a SLURM size (`16G`, `400M`), rounded up to a whole KiB."""
    kib = -(-size // 1024)
    for symbol, factor in (("T", 1024**3), ("G", 1024**2), ("M", 1024)):
        if kib and kib % factor == 0:
            return f"{kib // factor}{symbol}"
    return f"{kib}K"


def load_launchers_config(file: Path) -> LaunchersConfig:
    """Return the launchers described by `file`, a `launchers.yaml`.

    Raises:
        LauncherConfigError: the file cannot be read, is not YAML, or holds an unknown
            key or a wrong value; the message names the file, the line and the key.
    """
    try:
        text = read_yaml_file(file)
    except (OSError, UnicodeDecodeError) as e:
        raise LauncherConfigError(f"cannot read the file: {e}", file=file) from None
    try:
        root = compose_yaml(text)
    except YamlSyntaxError as e:
        raise LauncherConfigError(f"not valid YAML: {e.problem}", file=file, line=e.line) from None
    if root is None:
        return LaunchersConfig(file)
    sections = ConfigValue(root, "", file).mapping(("local", "slurm"))
    local = _local(sections["local"]) if "local" in sections else None
    partitions = _slurm(sections["slurm"]) if "slurm" in sections else ()
    return LaunchersConfig(file, local, partitions)


def _local(value: ConfigValue) -> LocalMachine:
    keys = value.mapping(_LOCAL_KEYS, allow_null=True)
    gpus = _gpus(keys["gpus"], allow_type=False)[0] if "gpus" in keys else None
    return LocalMachine(
        cores=keys["cores"].integer(1) if "cores" in keys else None,
        memory=keys["memory"].memory() if "memory" in keys else None,
        gpus=gpus,
        max_duration=keys["max_duration"].duration() if "max_duration" in keys else 0,
        priority=keys["priority"].integer() if "priority" in keys else 0,
        min_gpus=keys["min_gpus"].integer(0) if "min_gpus" in keys else 0,
        max_jobs=keys["max_jobs"].integer(1) if "max_jobs" in keys else None,
    )


def _slurm(value: ConfigValue) -> tuple[SlurmPartition, ...]:
    keys = value.mapping(_SLURM_KEYS, required=("partitions",))
    defaults = _Defaults(
        qos=keys["qos"].text() if "qos" in keys else None,
        account=keys["account"].text() if "account" in keys else None,
        gres=keys["gres"].text() if "gres" in keys else None,
        gpu_option=keys["gpu_option"].gpu_option() if "gpu_option" in keys else "gpus_per_node",
        options=_options(keys["options"], SlurmOptions()) if "options" in keys else SlurmOptions(),
    )
    entries = keys["partitions"].named_entries()
    if not entries:
        raise keys["partitions"].error(
            "no partition is given", hint="name each partition: `partitions: {gpu: {...}}`"
        )
    return tuple(_partition(name, entry, defaults) for name, entry in entries)


@dataclass(frozen=True)
class _Defaults:
    qos: str | None
    account: str | None
    gres: str | None
    gpu_option: GpuOption
    options: SlurmOptions


def _partition(name: str, value: ConfigValue, defaults: _Defaults) -> SlurmPartition:
    keys = value.mapping(_PARTITION_KEYS, required=("cores", "memory"))
    gpus, gpu_type = _gpus(keys["gpus"], allow_type=True) if "gpus" in keys else ((), None)
    return SlurmPartition(
        name=name,
        partition=keys["partition"].text() if "partition" in keys else name,
        cores=keys["cores"].integer(1),
        memory=keys["memory"].memory(),
        gpus=gpus or (),
        gpu_type=gpu_type,
        max_duration=keys["max_duration"].duration() if "max_duration" in keys else 0,
        priority=keys["priority"].integer() if "priority" in keys else 0,
        min_gpus=keys["min_gpus"].integer(0) if "min_gpus" in keys else 0,
        qos=keys["qos"].text() if "qos" in keys else defaults.qos,
        account=keys["account"].text() if "account" in keys else defaults.account,
        gres=keys["gres"].text() if "gres" in keys else defaults.gres,
        gpu_option=keys["gpu_option"].gpu_option() if "gpu_option" in keys else defaults.gpu_option,
        options=_options(keys["options"], defaults.options)
        if "options" in keys
        else defaults.options,
    )


def _gpus(
    value: ConfigValue, *, allow_type: bool
) -> tuple[tuple[HostAccelerator, ...], str | None]:
    gpus: list[HostAccelerator] = []
    types: dict[str | None, ConfigValue] = {}
    known = _GPU_KEYS if allow_type else _GPU_KEYS[:-1]
    for item in value.sequence():
        keys = item.mapping(known, required=("memory",))
        kind_text = keys["kind"].choice(("cuda", "mps")) if "kind" in keys else "cuda"
        gpus.append(
            HostAccelerator(
                AcceleratorKind(kind_text),
                keys["memory"].memory(),
                keys["count"].integer(1) if "count" in keys else 1,
            )
        )
        types.setdefault(keys["type"].text() if "type" in keys else None, item)
    if len(types) > 1:
        raise list(types.values())[-1].error(
            f"GPUs of different types in one partition ({', '.join(map(str, types))})",
            hint="declare one partition entry per GPU type, each with its `constraint` option",
        )
    return tuple(gpus), next(iter(types), None)


def _options(value: ConfigValue, base: SlurmOptions) -> SlurmOptions:
    known = (*_OPTION_KEYS, "extra")
    for key_value, _ in value.raw_items():
        if key_value.name in _COMPUTED_OPTIONS:
            raise key_value.error(
                f"`{key_value.name}` cannot be set here",
                hint=_COMPUTED_OPTIONS[key_value.name],
            )
    keys = value.mapping(known, allow_null=True)
    changes: dict[str, int | str | tuple[str, ...]] = {}
    for name, item in keys.items():
        if name == "extra":
            changes[name] = (*base.extra, *(v.text() for v in item.sequence()))
        elif name in ("nodes", "ntasks_per_node"):
            changes[name] = item.integer(1)
        else:
            changes[name] = item.text()
    try:
        return replace(base, **changes)  # type: ignore[arg-type]
    except ValidationError as e:
        wrong = keys.get(e.path, value)
        raise wrong.error(e.message) from None
