"""Jobs named as the monitor shows them (`learn/c53cbcfe`), in every `xpm jobs` command."""

from __future__ import annotations

import signal

from click.testing import CliRunner

from .synthetic import SyntheticWorkspace, identifier
from .test_jobs import invoke


def test_show_and_log_accept_the_monitors_short_name(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """The type id's last component and 8 characters of the identifier pick the job."""
    name = synthetic.job("digits_xp.learn.learn", "a", "done", stdout="accuracy 0.9\n")
    short = f"learn/{identifier('a')[:8]}"
    code, out, err = invoke(runner, synthetic, "jobs", "show", short)
    assert (code, err) == (0, "")
    assert f"job:         {name}\n" in out
    assert "state:       done\n" in out
    code, out, _ = invoke(runner, synthetic, "jobs", "log", "--out", short)
    assert (code, out) == (0, "accuracy 0.9\n")
    code, out, _ = invoke(runner, synthetic, "jobs", "show", f"learn.learn/{identifier('a')[:3]}")
    assert (code, out.splitlines()[0]) == (0, f"job:         {name}")


def test_a_short_name_matches_whole_components_only(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """`earn/...` is not `learn/...`: no job matches, exit 2."""
    synthetic.job("mymod.learn", "a", "done")
    code, _, err = invoke(runner, synthetic, "jobs", "show", f"earn/{identifier('a')[:8]}")
    assert code == 2
    assert err.startswith(f"Error: no job matches 'earn/{identifier('a')[:8]}'")


def test_an_ambiguous_short_name_lists_the_candidates(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """Two modules' `learn` tasks with the same identifier prefix: exit 2, both listed."""
    first = synthetic.job("one.learn", "a", "done")
    second = synthetic.job("two.learn", "a", "done")
    synthetic.job("two.evaluate", "a", "done")
    short = f"learn/{identifier('a')[:8]}"
    code, out, err = invoke(runner, synthetic, "jobs", "log", short)
    assert (code, out) == (2, "")
    assert err == (
        f"Error: '{short}' matches 2 jobs; type more of the name:\n  {first}\n  {second}\n"
    )
    code, out, _ = invoke(runner, synthetic, "jobs", "show", f"two.learn/{identifier('a')[:8]}")
    assert (code, out.splitlines()[0]) == (0, f"job:         {second}")


def test_kill_takes_a_job_name_instead_of_a_filter(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """`xpm jobs kill learn/c53cbcfe` says what it would do; --perform sends SIGTERM."""
    name = synthetic.job("mymod.learn", "r", "running")
    synthetic.job("mymod.learn", "s", "running")
    short = f"learn/{identifier('r')[:8]}"
    code, out, _ = invoke(runner, synthetic, "jobs", "kill", short)
    assert code == 0
    assert out.startswith(f"would kill {name} (pid ")
    assert out.endswith("1 job(s) would be killed; pass --perform to kill them\n")
    code, out, _ = invoke(runner, synthetic, "jobs", "kill", "--perform", short)
    assert code == 0
    assert out.startswith(f"killed {name} (pid ")
    assert synthetic.processes[0].wait(timeout=10) == -signal.SIGTERM
    assert synthetic.processes[1].poll() is None


def test_kill_and_clean_of_a_named_job_in_the_wrong_state_say_why(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """A done job cannot be killed, a running one cannot be cleaned: the message says so."""
    done = synthetic.job("mymod.learn", "d", "done")
    running = synthetic.job("mymod.learn", "r", "running")
    assert invoke(runner, synthetic, "jobs", "kill", identifier("d")[:6]) == (
        0,
        "",
        f"the job {done} is done: only running or waiting jobs are killed\n",
    )
    assert invoke(runner, synthetic, "jobs", "clean", f"learn/{identifier('r')[:6]}") == (
        0,
        "",
        f"the job {running} is running: only finished jobs are deleted\n",
    )
    code, out, _ = invoke(
        runner, synthetic, "jobs", "clean", "--perform", f"learn/{identifier('d')[:6]}"
    )
    assert (code, out) == (0, f"deleted {done}\n1 job folder(s) deleted\n")
    assert not (synthetic.workdir / "jobs" / done).exists()


def test_kill_of_an_unknown_name_exits_2(runner: CliRunner, synthetic: SyntheticWorkspace) -> None:
    """A name that matches no job is an error, not an empty selection."""
    synthetic.job("mymod.learn", "r", "running")
    code, _, err = invoke(runner, synthetic, "jobs", "kill", "evaluate/00")
    assert code == 2
    assert err.startswith("Error: no job matches 'evaluate/00'")
