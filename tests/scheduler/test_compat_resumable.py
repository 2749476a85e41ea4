"""A ResumableTask is retried after a graceful time-out, as in experimaestro 2.7.0 (issue 15).

Facts: docs/dev/experimaestro-compat.md, section 8.2: only a `timeout` failure of a
resumable task is retried, up to `max_retries`; before a retry, non-empty `<name>.out` and
`<name>.err` are renamed `<name>.<YYYYMMDDHHMMSS>.out` / `.err`.
"""

from __future__ import annotations

import re
from pathlib import Path

from .xpmtasks import runs


def test_a_graceful_timeout_is_retried_with_rotated_logs(tmp_path: Path) -> None:
    from xpm.scheduler import experiment

    from .resumabletasks import Checkpointed

    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "resume"):
        task = Checkpointed.C(x=1, log=log)
        task.submit(max_retries=2)
    assert [run["attempt"] for run in runs(log)] == [1, 2]
    folder = task.jobpath
    rotated = sorted(path.name for path in folder.glob("checkpointed.*.out"))
    assert len(rotated) == 1
    assert re.fullmatch(r"checkpointed\.\d{14}\.out", rotated[0])
    assert (folder / rotated[0]).read_text() == "attempt 1\n"
    assert (folder / "checkpointed.out").read_text() == "attempt 2\n"
    assert (folder / "checkpointed.done").exists()
