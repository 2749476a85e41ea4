"""find_launcher: launchers.py first, then launchers.yaml, then the local machine."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

import xpm.launchers
import xpm.scheduler
from xpm.launchers import (
    LauncherConfigError,
    NoLauncherError,
    RequirementSyntaxError,
    choose_launcher,
    default_config_dir,
    find_launcher,
    parse,
)
from xpm.scheduler import LocalLauncher

pytestmark = pytest.mark.usefixtures("machine")

CLUSTER = """\
local:
  max_jobs: 3
slurm:
  account: team
  partitions:
    small:
      cores: 16
      memory: 64G
      gpus: {memory: 16G, count: 2}
      max_duration: 1d
      priority: 5
    big:
      partition: gpu-big
      cores: 64
      memory: 512G
      gpus: {type: a100, memory: 80G, count: 8}
      max_duration: 4d
      priority: 10
      min_gpus: 1
"""


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(textwrap.dedent(text))


# --- no configuration ------------------------------------------------------------------


def test_without_configuration_the_local_machine_runs_what_fits(config_dir: Path) -> None:
    """With no launchers.yaml, the detected machine (8 cores, 32 GiB, a 24 GiB GPU) is used."""
    choice = choose_launcher("cuda(mem=20G) & cpu(cores=8, mem=30G)")
    assert choice.is_local
    assert choice.name == "local"
    assert choice.max_jobs is None


def test_without_configuration_refusal_lists_the_detected_machine(config_dir: Path) -> None:
    """When the machine cannot run the job, the error says what was detected and why."""
    with pytest.raises(NoLauncherError) as info:
        find_launcher("cuda(mem=40G)*2 | cpu(cores=64)")
    error = info.value
    assert error.requirement == "cuda(mem=40GiB)*2 | cpu(cores=64)"
    assert [r.host.name for r in error.refusals] == ["local"]
    assert str(error) == (
        "no launcher for 'cuda(mem=40GiB)*2 | cpu(cores=64)': no candidate fits\n"
        f"candidates from the local machine (no launchers.yaml in {config_dir}); "
        "detected 8 cores, 32.0 GiB of memory, GPUs: 1 cuda (24.0 GiB):\n"
        "  local: alternative 1: needs 2 cuda GPUs with 40 GiB, host has 0; "
        "alternative 2: needs 64 cores, host has 8\n"
        "Ask for less or add a cheaper alternative with `|`, or describe a machine or SLURM "
        f"partition that fits in a new {config_dir / 'launchers.yaml'} (see docs/launchers.md)."
    )
    assert isinstance(error, LookupError)


@pytest.mark.usefixtures("fake_launchers")
def test_find_launcher_builds_the_local_launcher(config_dir: Path) -> None:
    """The local choice becomes xpm.scheduler.LocalLauncher(max_jobs=...)."""
    launcher = find_launcher("cpu()")
    assert isinstance(launcher, xpm.scheduler.LocalLauncher)


def test_find_launcher_builds_the_real_local_launcher(config_dir: Path) -> None:
    """With the real scheduler, the local choice is a LocalLauncher with local.max_jobs."""
    write(config_dir, "launchers.yaml", "local:\n  max_jobs: 3\n")
    launcher = find_launcher("cpu()")
    assert isinstance(launcher, LocalLauncher)
    assert launcher.max_running == 3


def test_a_local_launcher_enforces_the_requirement_duration(config_dir: Path) -> None:
    """A duration becomes the local launcher's time limit (issue 15); none, no limit."""
    limited = find_launcher("duration=2h & cpu()")
    assert isinstance(limited, LocalLauncher)
    assert limited.time_limit is not None and limited.time_limit.seconds == 7200
    assert "time_limit=7200" in repr(limited)
    unlimited = find_launcher("cpu()")
    assert isinstance(unlimited, LocalLauncher) and unlimited.time_limit is None


def test_config_dir_defaults_to_dot_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """XPM_CONFIG_DIR wins; without it the folder is ~/.config/xpm."""
    monkeypatch.setenv("XPM_CONFIG_DIR", "~/elsewhere")
    assert default_config_dir() == Path.home() / "elsewhere"
    monkeypatch.delenv("XPM_CONFIG_DIR")
    assert default_config_dir() == Path.home() / ".config" / "xpm"


def test_syntax_errors_in_the_requirement_come_first(config_dir: Path) -> None:
    """A bad requirement is a RequirementSyntaxError, before any file is read."""
    write(config_dir, "launchers.yaml", "not: [valid")
    with pytest.raises(RequirementSyntaxError):
        find_launcher("cuda(mem=16)")


# --- launchers.yaml ----------------------------------------------------------------------


def test_best_priority_wins(config_dir: Path) -> None:
    """A job that fits everywhere goes to the highest priority that allows it."""
    write(config_dir, "launchers.yaml", CLUSTER)
    choice = choose_launcher("cuda()")
    assert choice.name == "slurm/big"
    assert choice.slurm_options is not None
    assert choice.slurm_options.partition == "gpu-big"
    assert choice.slurm_options.gpus_per_node == "a100:1"
    assert [(r.host.name, r.reason) for r in choice.match.refusals] == [
        ("local", "priority 0 is below 10"),
        ("slurm/small", "priority 5 is below 10"),
    ]


def test_min_gpus_keeps_cpu_jobs_off_gpu_partitions(config_dir: Path) -> None:
    """`min_gpus: 1` refuses CPU-only jobs; the next priority takes them."""
    write(config_dir, "launchers.yaml", CLUSTER)
    assert choose_launcher("cpu(cores=4)").name == "slurm/small"


def test_earlier_alternative_wins_over_priority(config_dir: Path) -> None:
    """Alternatives are tried in order: the first one that fits anywhere is run."""
    write(config_dir, "launchers.yaml", CLUSTER)
    choice = choose_launcher("cpu(cores=12) | cuda(mem=80G)")
    assert choice.name == "slurm/small"
    assert choice.requirement == parse("cpu(cores=12)").alternatives[0]


def test_later_alternative_used_when_the_first_fits_nowhere(config_dir: Path) -> None:
    """A long job on many GPUs falls back to its second alternative."""
    write(config_dir, "launchers.yaml", CLUSTER)
    choice = choose_launcher("duration=6d & cuda()*8 | duration=2d & cuda(mem=40G)*4")
    assert choice.name == "slurm/big"
    assert choice.match.alternative_number == 2
    assert choice.slurm_options is not None
    assert choice.slurm_options.time == "2-00:00:00"
    assert choice.slurm_options.account == "team"


def test_equal_priorities_keep_the_file_order(config_dir: Path) -> None:
    """Among equal priorities, the local machine, then the first partition written, wins."""
    write(
        config_dir,
        "launchers.yaml",
        """\
        slurm:
          partitions:
            second: {cores: 8, memory: 8G}
            first: {cores: 8, memory: 8G}
        """,
    )
    assert choose_launcher("cpu()").name == "slurm/second"
    write(config_dir, "launchers.yaml", "local:\n" + (config_dir / "launchers.yaml").read_text())
    assert choose_launcher("cpu()").name == "local"


def test_refusal_lists_every_candidate_with_its_reason(config_dir: Path) -> None:
    """NoLauncherError names each candidate, in file order, and why it was refused."""
    write(config_dir, "launchers.yaml", CLUSTER)
    with pytest.raises(NoLauncherError) as info:
        find_launcher("duration=5d & cuda()*2")
    assert str(info.value).splitlines()[:5] == [
        "no launcher for 'duration=5d & cuda()*2': no candidate fits",
        f"candidates from {config_dir / 'launchers.yaml'}:",
        "  local: needs 2 cuda GPUs, host has 1",
        "  slurm/small: needs 5d, host allows at most 1d",
        "  slurm/big: needs 5d, host allows at most 4d",
    ]


def test_local_section_overrides_detection(config_dir: Path) -> None:
    """What `local` declares replaces detection; the rest is still detected."""
    write(config_dir, "launchers.yaml", "local:\n  gpus: []\n  max_jobs: 2\n")
    with pytest.raises(NoLauncherError, match="needs 1 cuda GPU, host has 0"):
        choose_launcher("cuda()")
    choice = choose_launcher("cpu(cores=8)")
    assert (choice.name, choice.max_jobs) == ("local", 2)


def test_file_without_candidates_says_so(config_dir: Path) -> None:
    """An empty launchers.yaml declares no launcher, and the error says to add one."""
    write(config_dir, "launchers.yaml", "# nothing yet\n")
    with pytest.raises(NoLauncherError, match="declares no launcher") as info:
        find_launcher("cpu()")
    assert "Add a `local` section" in str(info.value)


def test_bad_file_is_reported_by_find_launcher(config_dir: Path) -> None:
    """find_launcher reports the file, the line and the key of a mistake."""
    write(config_dir, "launchers.yaml", "local:\n  cors: 4\n")
    with pytest.raises(LauncherConfigError) as info:
        find_launcher("cpu()")
    assert (info.value.file, info.value.line, info.value.key) == (
        config_dir / "launchers.yaml",
        2,
        "local.cors",
    )
    assert "did you mean 'cores'" in str(info.value)


def test_an_edited_file_is_read_again(config_dir: Path) -> None:
    """The configuration is cached only while the file is unchanged."""
    write(config_dir, "launchers.yaml", "local:\n  cores: 2\n")
    assert choose_launcher("cpu(cores=2)").is_local
    write(config_dir, "launchers.yaml", "local:\n  cores: 1\n")
    with pytest.raises(NoLauncherError):
        choose_launcher("cpu(cores=2)")


@pytest.mark.usefixtures("fake_launchers")
def test_find_launcher_builds_the_slurm_launcher(config_dir: Path) -> None:
    """A partition choice becomes xpm.launchers.SlurmLauncher(options=...)."""
    write(config_dir, "launchers.yaml", CLUSTER)
    launcher = find_launcher("duration=2h & cuda(mem=16G)*2 & cpu(mem=8G, cores=4)")
    assert isinstance(launcher, xpm.launchers.SlurmLauncher)
    assert launcher.options.arguments() == [
        "--time=0-02:00:00",
        "--account=team",
        "--partition=gpu-big",
        "--mem=8G",
        "--cpus-per-task=4",
        "--gpus-per-node=a100:2",
    ]


@pytest.mark.usefixtures("fake_launchers")
def test_find_launcher_passes_max_jobs_to_the_local_launcher(config_dir: Path) -> None:
    """`local.max_jobs` is LocalLauncher's max_jobs."""
    write(config_dir, "launchers.yaml", CLUSTER)
    launcher = find_launcher("duration=2d & cpu()")
    assert launcher.max_jobs == 3


# --- launchers.py ------------------------------------------------------------------------

HOOK = """\
import xpm.scheduler


def find_launcher(requirement, tags):
    if tags.get("where") == "here":
        return xpm.scheduler.LocalLauncher(max_jobs=1)
    return None
"""


@pytest.mark.usefixtures("fake_launchers")
def test_hook_is_asked_first_with_requirement_and_tags(config_dir: Path) -> None:
    """launchers.py's find_launcher gets the parsed requirement and the tags."""
    write(config_dir, "launchers.py", HOOK)
    write(config_dir, "launchers.yaml", CLUSTER)
    launcher = find_launcher("cuda()*8", {"where": "here"})
    assert isinstance(launcher, xpm.scheduler.LocalLauncher)
    assert launcher.max_jobs == 1


@pytest.mark.usefixtures("fake_launchers")
def test_hook_returning_none_falls_through_to_the_yaml(config_dir: Path) -> None:
    """None from the hook lets launchers.yaml decide."""
    write(config_dir, "launchers.py", HOOK)
    write(config_dir, "launchers.yaml", CLUSTER)
    launcher = find_launcher("cuda()*8")
    assert isinstance(launcher, xpm.launchers.SlurmLauncher)


@pytest.mark.usefixtures("fake_launchers")
def test_hook_without_yaml_falls_through_to_the_local_machine(config_dir: Path) -> None:
    """None from the hook, and no launchers.yaml: the detected machine is used."""
    write(config_dir, "launchers.py", HOOK)
    assert isinstance(find_launcher("cpu()"), xpm.scheduler.LocalLauncher)


def test_hook_is_loaded_once_while_unchanged(config_dir: Path) -> None:
    """The hook file runs once; its find_launcher is called at every find_launcher."""
    write(
        config_dir,
        "launchers.py",
        """\
        from pathlib import Path

        LOG = Path(__file__).with_name("log.txt")
        with LOG.open("a") as log:
            log.write("loaded\\n")


        def find_launcher(requirement, tags):
            with LOG.open("a") as log:
                log.write(f"{requirement} {sorted(tags.items())}\\n")
        """,
    )
    for tags in ({"a": "1"}, {"a": "2"}):
        choose_launcher("cpu()")  # never asks the hook
        with pytest.raises(NoLauncherError):
            find_launcher("cpu(cores=99)", tags)
    assert (config_dir / "log.txt").read_text().splitlines() == [
        "loaded",
        "cpu(cores=99) [('a', '1')]",
        "cpu(cores=99) [('a', '2')]",
    ]


def test_hook_without_find_launcher_is_a_config_error(config_dir: Path) -> None:
    """launchers.py must define find_launcher; the error names the file."""
    write(config_dir, "launchers.py", "def find(requirement, tags):\n    return None\n")
    with pytest.raises(LauncherConfigError) as info:
        find_launcher("cpu()")
    assert str(info.value).startswith(
        f"{config_dir / 'launchers.py'}: defines no find_launcher function\n"
    )


def test_hook_returning_a_wrong_value_is_a_config_error(config_dir: Path) -> None:
    """Anything but a launcher or None is refused, naming the function's line."""
    write(
        config_dir, "launchers.py", "\n\ndef find_launcher(requirement, tags):\n    return 'gpu'\n"
    )
    with pytest.raises(LauncherConfigError) as info:
        find_launcher("cpu()")
    assert (info.value.line, info.value.key) == (3, "find_launcher")
    assert "returned str 'gpu', not a launcher" in str(info.value)


def test_hook_errors_keep_their_traceback(config_dir: Path) -> None:
    """An exception raised by the hook reaches the caller unchanged, from the user's file."""
    write(config_dir, "launchers.py", "def find_launcher(requirement, tags):\n    1 / 0\n")
    with pytest.raises(ZeroDivisionError) as info:
        find_launcher("cpu()")
    assert info.traceback[-1].path == config_dir / "launchers.py"


def test_tags_given_to_the_hook_are_read_only(config_dir: Path) -> None:
    """The hook cannot change the caller's tags."""
    write(
        config_dir,
        "launchers.py",
        "def find_launcher(requirement, tags):\n    tags['x'] = '1'\n",
    )
    tags: Mapping[str, str] = {}
    with pytest.raises(TypeError):
        find_launcher("cpu()", tags)
