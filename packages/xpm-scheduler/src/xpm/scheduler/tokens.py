"""Counter tokens: a capacity shared by every process that uses a workspace.

A token (say `gpu`, total 2) lets jobs run only while the amounts they hold add up to at
most its total, whichever experiment started them. The state lives in
`<workspace>/tokens/<name>.json`, read and rewritten under an exclusive `flock` on
`<workspace>/tokens/<name>.lock` (the kernel drops it when its holder dies). Each
holding records the process that owns it (pid, start time, host); holdings of processes
of this machine that have ended are reclaimed at every attempt to acquire, so a killed
job never keeps its share.

The API follows trio's `CapacityLimiter`, with named holders that survive the process
that acquired them (`transfer` hands a holding from the experiment to the job).
`Token` and `TokenDependency` are what users see (`xp.token("gpu", 2).dependency(1)`);
`CounterToken` is the shared state behind them, which the scheduler acquires and releases.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, final

from .errors import TokenError
from .locks import wait_for_lock
from .names import is_plain_name
from .pids import HOST, is_same_process

if TYPE_CHECKING:
    from xpm.core import Task


@final
@dataclass(frozen=True)
class TokenHolding:
    """What one holder holds of a token, and the process that owns the holding.

    Attributes:
        amount: How much of the token is held.
        pid: The owning process; the holding is reclaimed once it has ended.
        start_time: Its start time (see `xpm.scheduler.pids.process_start_time`).
        host: The machine the process runs on; only that machine reclaims the holding.
    """

    amount: int
    pid: int
    start_time: int
    host: str


@final
class CounterToken:
    """A named capacity of `total` units, shared by all processes using `workspace_dir`.

    Creating the object declares the token: the latest declared total is written to the
    state file and is the one every process uses from then on. Lowering it below what is
    held takes nothing back; new holders wait until enough is released.

    Attributes:
        name: The token's name.
        total: The total declared by this object.
        path: The state file, `<workspace>/tokens/<name>.json`.
    """

    def __init__(self, workspace_dir: str | os.PathLike[str], name: str, total: int):
        """Declare token `name` of `total` units in the workspace `workspace_dir`.

        Raises:
            TokenError: `name` is not made of letters, digits, `_`, `.` and `-`
                (starting with a letter or digit), or `total` is below 1.
            OSError: the `tokens` folder cannot be created or written.
        """
        if not is_plain_name(name):
            raise TokenError(
                name,
                "a token name holds only letters, digits, '_', '.' and '-', and"
                " starts with a letter or digit (at most 200 characters)",
                total=total,
            )
        if total < 1:
            raise TokenError(name, "the total must be at least 1", total=total)
        self.name = name
        self.total = total
        folder = Path(workspace_dir) / "tokens"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{name}.json"
        self._lock = folder / f"{name}.lock"
        with self._state() as state:
            state.total = total

    def check(self, amount: int) -> None:
        """Check that `amount` can ever be acquired with the total declared here.

        Call it when a job is submitted, to fail then rather than wait forever.

        Raises:
            TokenError: `amount` is below 1 or above the total.
        """
        _check_amount(self.name, self.total, amount)

    def try_acquire(self, holder_id: str, amount: int, pid: int, start_time: int) -> bool:
        """Take `amount` units for `holder_id` if they are free now; never waits.

        The holding belongs to process (`pid`, `start_time`) of this machine, and is
        reclaimed when that process ends. If `holder_id` already holds some of the
        token, its holding is replaced. Holdings of ended local processes are reclaimed
        first. Uncontended, a call takes well under a millisecond.

        Returns:
            True if the units are now held by `holder_id`, False if not enough is free.

        Raises:
            TokenError: `amount` is below 1 or above the token's current total, so it
                could never be acquired.
        """
        with self._state() as state:
            _check_amount(self.name, state.total, amount)
            state.holders.pop(holder_id, None)
            if state.used() + amount > state.total:
                return False
            state.holders[holder_id] = TokenHolding(amount, pid, start_time, HOST)
            state.dirty = True
            return True

    def release(self, holder_id: str) -> bool:
        """Give back everything `holder_id` holds.

        Returns:
            Whether `holder_id` held anything (it may have been reclaimed already).
        """
        with self._state() as state:
            return state.holders.pop(holder_id, None) is not None

    def transfer(self, holder_id: str, pid: int, start_time: int) -> bool:
        """Make process (`pid`, `start_time`) of this machine own `holder_id`'s units.

        Used once a job's process has started, so that the units follow the job rather
        than the experiment that acquired them.

        Returns:
            Whether `holder_id` held anything.
        """
        with self._state() as state:
            holding = state.holders.get(holder_id)
            if holding is None:
                return False
            state.holders[holder_id] = TokenHolding(holding.amount, pid, start_time, HOST)
            state.dirty = True
            return True

    def available(self) -> int:
        """Return how many units are free now, after reclaiming ended holders.

        Lets a scheduler with many waiting jobs try only those that can fit.
        """
        with self._state() as state:
            return max(0, state.total - state.used())

    def holders(self) -> dict[str, TokenHolding]:
        """Return every current holding by holder id, after reclaiming ended holders."""
        with self._state() as state:
            return dict(state.holders)

    @contextmanager
    def _state(self) -> Iterator[_State]:
        try:
            fd = wait_for_lock(self._lock)
        except OSError as e:
            raise TokenError(
                self.name,
                f"its lock file {self._lock} cannot be opened ({e.strerror or e});"
                " a symbolic link is never followed: delete it once no job of this workspace"
                " runs",
                total=self.total,
            ) from None
        try:
            state = _State.read(self.path, self.name, self.total)
            before = len(state.holders)
            state.holders = {
                key: h
                for key, h in state.holders.items()
                if h.host != HOST or is_same_process(h.pid, h.start_time)
            }
            yield state
            if state.dirty or len(state.holders) != before:
                state.write(self.path)
        finally:
            os.close(fd)


class _State:
    def __init__(self, total: int, holders: dict[str, TokenHolding], fresh: bool):
        self._total = total
        self.holders = holders
        self.dirty = fresh

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        if value != self._total:
            self._total = value
            self.dirty = True

    def used(self) -> int:
        return sum(h.amount for h in self.holders.values())

    def write(self, path: Path) -> None:
        # Rewritten in place, not renamed over: everyone reads under the lock, and
        # on ext4 a rename over a file costs ten times the write. A killed writer may
        # leave the file untruncated, so the new text is padded with blanks (which JSON
        # ignores) up to the old length and written in one call.
        holders = {key: asdict(h) for key, h in self.holders.items()}
        data = json.dumps({"total": self._total, "holders": holders}, indent=1).encode()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
        try:
            padded = data.ljust(os.fstat(fd).st_size, b" ")
            written = 0
            while written < len(padded):
                written += os.pwrite(fd, padded[written:], written)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)

    @classmethod
    def read(cls, path: Path, name: str, total: int) -> _State:
        if path.is_symlink():
            raise TokenError(
                name,
                f"its state file {path} is a symbolic link, which xpm never follows; delete"
                " it once no job of this workspace runs",
                total=total,
            )
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            return cls(total, {}, fresh=True)
        except OSError as e:
            raise TokenError(
                name,
                f"its state file {path} cannot be read ({e.strerror or e}); delete it once no"
                " job of this workspace runs",
                total=total,
            ) from None
        try:
            data = json.loads(text)
            holders = {
                str(key): TokenHolding(
                    int(h["amount"]),
                    int(h["pid"]),
                    int(h["start_time"]),
                    str(h["host"]),
                )
                for key, h in data["holders"].items()
            }
            return cls(int(data["total"]), holders, fresh=False)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
            raise TokenError(
                name,
                f"its state file {path} is unreadable ({e!r}); delete it once no job"
                " of this workspace runs",
                total=total,
            ) from e


def _check_amount(name: str, total: int, amount: int) -> None:
    if amount < 1:
        raise TokenError(name, f"asked for {amount}: ask for 1 or more", total=total, amount=amount)
    if amount > total:
        raise TokenError(
            name,
            f"asked for {amount}, more than the total {total}, so this could never"
            f" run; ask for at most {total} or declare the token with a total of at"
            f" least {amount}",
            total=total,
            amount=amount,
        )


class TokenDependency:
    """`token.dependency(n)`: give to `task.add_dependencies()` to hold `n` units."""

    def __init__(self, token: Token, amount: int) -> None:
        token.counter.check(amount)
        self.token = token
        self.amount = amount

    def __repr__(self) -> str:
        return f"{self.token.name}.dependency({self.amount})"


class Token:
    """A counter token: jobs holding it run only while their amounts fit in its total.

    Shared by every experiment process using the workspace; units are released when a
    job ends, even by a crash. Made by `Experiment.token(name, total)`.
    """

    def __init__(self, counter: CounterToken) -> None:
        self.counter = counter

    @property
    def name(self) -> str:
        """The token's name."""
        return self.counter.name

    def dependency(self, amount: int = 1) -> TokenDependency:
        """Return a dependency holding `amount` units while the job runs."""
        return TokenDependency(self, amount)

    def __call__(self, amount: int, task: Task) -> Task:
        """Make `task` hold `amount` units while it runs; return `task`."""
        task.add_dependencies(self.dependency(amount))
        return task


def acquire_all(
    needs: Sequence[tuple[CounterToken, int]],
    holder_id: str,
    pid: int,
    start_time: int,
    full: set[Path],
) -> bool:
    """Acquire every `(token, amount)` of `needs` for `holder_id`, or none of them.

    `full` remembers the tokens found exhausted during one scheduling pass: a later job
    needing one of them fails at once instead of reading its file again.
    """
    if any(counter.path in full for counter, _ in needs):
        return False
    taken: list[CounterToken] = []
    for counter, amount in needs:
        if counter.try_acquire(holder_id, amount, pid, start_time):
            taken.append(counter)
            continue
        full.add(counter.path)
        for held in taken:
            held.release(holder_id)
        return False
    return True


def release_all(needs: Sequence[tuple[CounterToken, int]], holder_id: str) -> None:
    """Release what `holder_id` holds of each token of `needs`."""
    for counter, _ in needs:
        counter.release(holder_id)
