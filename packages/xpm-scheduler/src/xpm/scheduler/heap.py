"""Keeping the garbage collector off an experiment's jobs, which live as long as it does.

Each submitted job brings a dozen objects the cyclic garbage collector tracks (the task,
its state, the job, its paths). They stay until the experiment ends, yet every full
collection visits them all again: with 100,000 jobs, a quarter of the submission time
went to collections that freed nothing. Every `EVERY` jobs, `LongLived` clears young
garbage, then moves every tracked object into the collector's permanent generation
(`gc.freeze`); when the experiment ends they are handed back (`gc.unfreeze`), so
garbage frozen meanwhile is collected then. A program that froze objects itself before
the experiment is left alone.

`EVERY` is small enough that no full collection comes between two freezes: with
10,000, one came about 7,700 jobs after each freeze and scanned those jobs' ~60,000
objects (30 ms each time, 0.3 s for 100,000 jobs); with 2,000 there is none, and the
freezes themselves cost about a millisecond each.
"""

from __future__ import annotations

import gc

EVERY = 2_000


class LongLived:
    """Counts an experiment's jobs and freezes the collector's view of them in steps."""

    def __init__(self) -> None:
        self._count = 0
        self._froze = False
        self._enabled = gc.get_freeze_count() == 0

    def added(self) -> None:
        """Note one more job; every `EVERY` jobs, freeze what exists."""
        self._count += 1
        if self._enabled and self._count % EVERY == 0:
            gc.collect(1)
            gc.freeze()
            self._froze = True

    def release(self) -> None:
        """Hand the frozen objects back to the collector (at the experiment's end)."""
        if self._froze:
            gc.unfreeze()
            self._froze = False
