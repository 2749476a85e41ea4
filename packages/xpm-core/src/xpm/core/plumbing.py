"""The seam between xpm.core and the packages built on it: for xpm.scheduler, the
launchers and the CLI, not for experiment code.

The scheduler implements `Submitter` (an experiment) and `JobHandle` (its jobs), opens
experiments with `submitting_to`, reads a task's graph with `task_dependencies`,
`extra_dependencies`, `submit_hooks` and `partial_folders`, stores it with `to_dict`,
and runs it in the job process with `enter_job` and `execute_task`. Everything here is
imported on first use, so importing this module costs nothing measurable.
"""

from __future__ import annotations

from .lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from .cache import cache_folder
    from .execution import execute_task
    from .graph import (
        extra_dependencies,
        is_alone,
        is_submitted,
        submitted_job,
        task_dependencies,
        validate,
        walk,
        walk_own,
    )
    from .hooks import submit_hooks
    from .identifier import Identifier
    from .jobcontext import (
        JobContext,
        current_job,
        enter_job,
        note_time_warning,
        time_warning_received,
    )
    from .jobhandle import JobHandle
    from .params import MISSING
    from .partialid import partial_folders
    from .retries import retries_of
    from .serialization import dumps, from_dict, loads, to_dict
    from .spec import Parameter, type_id
    from .submitters import Submitter, current_submitter, current_workspace, submitting_to
else:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "Identifier": ".identifier",
            "JobContext": ".jobcontext",
            "JobHandle": ".jobhandle",
            "MISSING": ".params",
            "Parameter": ".spec",
            "Submitter": ".submitters",
            "cache_folder": ".cache",
            "current_job": ".jobcontext",
            "current_submitter": ".submitters",
            "current_workspace": ".submitters",
            "dumps": ".serialization",
            "enter_job": ".jobcontext",
            "execute_task": ".execution",
            "extra_dependencies": ".graph",
            "from_dict": ".serialization",
            "is_alone": ".graph",
            "is_submitted": ".graph",
            "loads": ".serialization",
            "partial_folders": ".partialid",
            "note_time_warning": ".jobcontext",
            "retries_of": ".retries",
            "submit_hooks": ".hooks",
            "submitted_job": ".graph",
            "submitting_to": ".submitters",
            "task_dependencies": ".graph",
            "time_warning_received": ".jobcontext",
            "to_dict": ".serialization",
            "type_id": ".spec",
            "validate": ".graph",
            "walk": ".graph",
            "walk_own": ".graph",
        },
    )

__all__ = [
    "MISSING",
    "Identifier",
    "JobContext",
    "JobHandle",
    "Parameter",
    "Submitter",
    "cache_folder",
    "current_job",
    "current_submitter",
    "current_workspace",
    "dumps",
    "enter_job",
    "execute_task",
    "extra_dependencies",
    "from_dict",
    "is_alone",
    "is_submitted",
    "lazy_exports",
    "loads",
    "note_time_warning",
    "partial_folders",
    "retries_of",
    "submit_hooks",
    "submitted_job",
    "submitting_to",
    "task_dependencies",
    "time_warning_received",
    "to_dict",
    "type_id",
    "validate",
    "walk",
    "walk_own",
]
