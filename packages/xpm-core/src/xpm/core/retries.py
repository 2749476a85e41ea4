"""When a job that ended badly is submitted again: `Retries`, declared per submission,
per task class or per launcher.

The scheduler decides on the cause the cluster (or the local launcher) gives, not on
what the dying process guessed: a task that ran out of its time limit was not cancelled,
a preempted task did not fail by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from .task import Task


@dataclass(frozen=True)
class Retries:
    """How many times a job is submitted again, by the cause of its end.

    Attributes:
        max_retries: Resubmissions after a time-out (of a `ResumableTask` only: another
            task would start from scratch and time out again), a preemption or a node
            failure (any task: it did not fail by itself). Counted together.
        failed: Resubmissions after a plain failure (the task raised, or exited with an
            error code). None by default: such a failure is usually a bug.
        memory: Resubmissions after the job ran out of memory, each asking for
            `memory_factor` times the memory of the previous attempt, at most
            `memory_cap` (a size such as `"64G"`; None: no cap). Only launchers that
            set a memory limit (SLURM with `mem`) can do it.
        memory_factor: See `memory`.
        memory_cap: See `memory`.

    Declare them per submission (`task.submit(retries=Retries(failed=2))`, or
    `submit(max_retries=5)`), per task class (a class attribute `retries = Retries(...)`)
    or per launcher (`launcher.retries = Retries(...)`); the first found wins, in that
    order.
    """

    max_retries: int = 3
    failed: int = 0
    memory: int = 0
    memory_factor: float = 2.0
    memory_cap: str | None = None

    def __post_init__(self) -> None:
        for name in ("max_retries", "failed", "memory"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                from .errors import ValidationError

                raise ValidationError(
                    "must be a whole number of retries, 0 or more", path=name, value=value
                )
        if not self.memory_factor > 1:
            from .errors import ValidationError

            raise ValidationError(
                "must be more than 1 (the memory of a retry is multiplied by it)",
                path="memory_factor",
                value=self.memory_factor,
            )


def submitted_retries(task: Task, max_retries: int | None, retries: Retries | None) -> None:
    """Remember the retries given to `task.submit()` (called by `Task.submit`)."""
    from .state import state_of

    if max_retries is not None:
        retries = replace(retries or Retries(), max_retries=max_retries)
    state_of(task).retries = retries


def retries_of(task: Task) -> Retries | None:
    """Return the retries of `task`: given at submission, else its class's `retries`.

    None when neither says: the launcher's, or the defaults, apply.
    """
    state = task._xpm
    if state is not None and isinstance(state.retries, Retries):
        return state.retries
    declared = getattr(type(task), "retries", None)
    return declared if isinstance(declared, Retries) else None
