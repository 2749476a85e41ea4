"""Whether a job that ended badly is submitted again, and why: the scheduler's rules.

The cause is the launcher's verdict when it has one (SLURM's TIMEOUT, PREEMPTED,
NODE_FAIL, OUT_OF_MEMORY): it wins over what the dying job process recorded (a SIGTERM
at the time limit looks like a cancellation from inside). Then, by cause:

| cause | retried | budget |
|---|---|---|
| `timeout` | a `ResumableTask` only | `max_retries` (with preemptions and node failures) |
| `preempted`, `node_failure` | any task | `max_retries` |
| `memory` | when `memory` > 0 and the launcher can ask for more | `memory` |
| `failed` | when `failed` > 0 | `failed` |
| `cancelled`, `dependency` | never | |

Budgets are counted from the attempts recorded in the job folder (`attempts`).
"""

from __future__ import annotations

from collections.abc import Sequence

from xpm.core import ResumableTask, Retries, Task
from xpm.core.plumbing import retries_of

from .attempts import Attempt
from .launcher import Ending
from .records import Failure

VERDICTS = frozenset({"timeout", "memory", "preempted", "node_failure"})
"""Causes a launcher knows better than the job process."""

_GUESSES = frozenset({"failed", "cancelled"})
_SHARED = frozenset({"timeout", "preempted", "node_failure"})


def resolve_failure(recorded: Failure | None, ending: Ending) -> tuple[Failure, bool]:
    """Return why the attempt failed, and whether that differs from `<name>.failed`.

    The launcher's verdict (`ending.reason` in `VERDICTS`) replaces a `failed` or
    `cancelled` record written by the job process; the record's own words stay in the
    message (so does one the process wrote on a signal). A job's own `timeout`
    (`GracefulTimeout`, or an exit after the warning) is kept.
    """
    overridable = recorded is None or recorded.reason in _GUESSES or recorded.signal is not None
    if ending.reason in VERDICTS and overridable:
        message = ending.message or ending.reason
        if recorded is not None:
            message += f" (the job process recorded: {recorded.describe()})"
        verdict = Failure(ending.reason, ending.code, message, signal=ending.signal)
        return verdict, True
    if recorded is not None:
        return recorded, False
    failure = Failure(
        ending.reason,
        code=ending.code,
        signal=ending.signal,
        message=ending.message or "the job process ended without recording its result",
    )
    return failure, True


def should_retry(
    failure: Failure, attempts: Sequence[Attempt], retries: Retries, resumable: bool
) -> bool:
    """Whether the job gets another attempt after `failure` (already in `attempts`)."""
    reason = failure.reason
    if reason == "timeout" and not resumable:
        return False
    if reason in _SHARED:
        return _count(attempts, _SHARED) <= retries.max_retries
    if reason == "memory":
        return _count(attempts, {"memory"}) <= retries.memory
    if reason == "failed":
        return _count(attempts, {"failed"}) <= retries.failed
    return False


def retries_for(task: Task, launcher_retries: Retries | None) -> tuple[Retries, bool]:
    """Return the retries that apply to `task`, and whether it is resumable: the
    submission's, else the task class's, else the launcher's, else the defaults."""
    declared = retries_of(task) or launcher_retries or Retries()
    return declared, isinstance(task, ResumableTask)


def _count(attempts: Sequence[Attempt], reasons: frozenset[str] | set[str]) -> int:
    return sum(1 for attempt in attempts if attempt.reason in reasons)
