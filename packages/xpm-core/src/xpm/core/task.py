"""Tasks: configurations that run as jobs, and how they are submitted."""

from __future__ import annotations

from .config import Config
from .errors import ConfigError, NoExperimentError
from .graph import validate, walk_own
from .spec import prepare
from .state import ConfigBase, State, state_of

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import Any, ClassVar, Protocol, TypeVar

    from .dependent import DependentMarker
    from .identifier import Identifier
    from .jobhandle import JobHandle
    from .partials import Partial
    from .retries import Retries
    from .spec import Parameter

    C = TypeVar("C")
    Out = TypeVar("Out", covariant=True)

    class _HasOutputs(Protocol[Out]):
        """A task, seen through what its `task_outputs` returns (`submit()`'s type)."""

        def task_outputs(self, dep: DependentMarker) -> Out: ...


class LightweightTask(Config):
    """A small piece of work run before a task, in the task's own process.

    Give instances to `task.submit(init_tasks=[...])`; they become part of the task's
    identifier and run, in order, just before `execute()`.
    """

    def execute(self) -> None:
        """Do the work (called in the job process, before the main task runs)."""
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")


class Task(Config):
    """A configuration that runs as a job: subclass it and implement `execute()`.

    `submit()` hands it to the open experiment, which runs it once per distinct
    configuration, in its own folder `<workspace>/jobs/<type id>/<identifier>/`.
    """

    if TYPE_CHECKING:
        __xpm_task__: ClassVar[bool]
    __xpm_task__ = True

    def execute(self) -> None:
        """Do the work; called in the job process, with the job folder as working directory."""
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")

    def __partial_identifier__(self, partial: Partial) -> Identifier:
        """Return the identifier of this configuration without the parameters that
        `partial` (a `partial(...)` class attribute) leaves out; it names the partial's
        folder, `<workspace>/partials/<type id>/<partial name>/<partial identifier>/`.
        """
        from .partialid import partial_identifier

        return partial_identifier(self, partial)

    def task_outputs(self, dep: DependentMarker) -> Any:
        """Return what `submit()` returns: by default the task itself.

        Override it to return configurations built from this task's results (a learned
        model, say); wrap those produced by this task with `dep(...)` so that using them
        makes other tasks wait for this one.
        """
        return self

    def submit(
        self: _HasOutputs[Out],
        *,
        launcher: object = None,
        init_tasks: Iterable[LightweightTask | Task] = (),
        max_retries: int | None = None,
        retries: Retries | None = None,
    ) -> Out:
        """Hand this task to the open experiment and return its outputs.

        The configuration graph is validated, the task's generated paths are fixed inside
        its job folder, and the graph is sealed: assigning a parameter afterwards raises
        `SealedError`. Submitting the same object twice returns the same outputs, typed
        as `task_outputs` returns them.

        `retries` says when the job is submitted again after it ended badly (see
        `Retries`); `max_retries=N` is short for `retries=Retries(max_retries=N)`.

        Raises:
            NoExperimentError: no experiment is open.
            ValidationError: a required parameter is unset (the message gives its path).
        """
        assert isinstance(self, Task)
        if max_retries is not None or retries is not None:
            from .retries import submitted_retries

            submitted_retries(self, max_retries, retries)
        outputs: Out = _submit(self, launcher, init_tasks)
        return outputs

    @property
    def job(self) -> JobHandle:
        """The job of this submitted task (state, folder, wait).

        Raises:
            NoExperimentError: the task was not submitted.
        """
        state = self._xpm
        if state is None or state.job is None:
            raise NoExperimentError(
                f"{type(self).__name__} was not submitted: call .submit() inside an experiment"
            )
        job: JobHandle = state.job
        return job

    @property
    def jobpath(self) -> Path:
        """The job folder `<workspace>/jobs/<type id>/<identifier>/`.

        Also known inside a job process, for the tasks its configuration uses.
        """
        from pathlib import Path

        state = self._xpm
        if state is None or state.job is None:
            from .jobcontext import current_job

            context = current_job()
            if context is not None:
                if state is not None and state.origin is not None:
                    kind, identifier = state.origin  # as stored with the job
                    return context.workspace / "jobs" / kind / identifier
                spec = prepare(type(self))
                return context.workspace / "jobs" / spec.type_id / self.__identifier__().hex()
        return Path(self.job.jobpath)

    def stdout(self) -> Path:
        """Path of the job's standard output file."""
        return self.job.stdout

    def stderr(self) -> Path:
        """Path of the job's standard error file."""
        return self.job.stderr

    def wait(self) -> bool:
        """Block until the job ends; return True if it succeeded."""
        return bool(self.job.wait())

    def on_completed(self, callback: Callable[[], Any]) -> None:
        """Call `callback()` in the experiment process when the job succeeds."""
        self.job.on_completed(callback)

    @property
    def __taskdir__(self) -> Path:
        """The job folder, while the task executes."""
        state: State | None = self._xpm
        if state is None or state.taskdir is None:
            raise ConfigError(f"{type(self).__name__} is not executing: no task folder yet")
        return state.taskdir

    @property
    def __maintaskdir__(self) -> Path:
        """The folder of the main task being executed (for sub-configurations too)."""
        state: State | None = self._xpm
        if state is None or state.maintaskdir is None:
            return self.__taskdir__
        return state.maintaskdir

    @property
    def __tags__(self) -> dict[str, Any]:
        """The tags of the task's configuration graph."""
        return self.tags()


def _submit(task: Task, launcher: object, init_tasks: Iterable[LightweightTask | Task]) -> Any:
    from .submitters import current_submitter

    state = state_of(task)
    if state.job is not None:
        return state.outputs
    submitter = current_submitter()
    tasks = list(init_tasks)
    for i, init in enumerate(tasks):
        if not isinstance(init, (LightweightTask, Task)):
            raise ConfigError(
                f"init_tasks[{i}] must be a LightweightTask or a Task, "
                f"got {type(init).__qualname__}"
            )
    state.init_tasks = tasks
    validate(task)
    # Computed once: the submitter's folder and params.json read it from the state.
    state.digest = task.__identifier__().digest
    missing = _paths_to_generate(task)
    if missing:
        try:
            folder = submitter.job_folder(task)
        except BaseException:
            state.digest = None
            raise
        _generate_paths(missing, folder)
    _seal(task)
    state.outputs = task.task_outputs(_dep_marker(task))
    state.job = submitter.submit(task, launcher=launcher, outputs=state.outputs)
    return state.outputs


def _dep_marker(task: Task) -> DependentMarker:
    def dep(value: C) -> C:
        """Mark `value` as produced by the task being submitted."""
        if not isinstance(value, Config):
            raise ConfigError(f"dep() takes a configuration, got {type(value).__qualname__}")
        state = state_of(value)
        if state.sealed:
            raise ConfigError(
                f"dep() got a {type(value).__qualname__} that is already sealed (an input of "
                "a submitted task); build a new configuration in task_outputs and pass that"
            )
        state.task = task
        return value

    return dep


def _paths_to_generate(task: Task) -> list[tuple[ConfigBase, Parameter]]:
    """The generated paths of the task's graph that have no value yet (most tasks have
    none: then the job folder, a `Path`, need not be made at submission)."""
    missing: list[tuple[ConfigBase, Parameter]] = []
    for config in walk_own(task):
        state = config._xpm
        if state is not None and state.sealed:
            continue
        values = config.__dict__
        for param in type(config).__xpm_spec__.generated:
            if param.name not in values:
                missing.append((config, param))
    return missing


def _generate_paths(missing: list[tuple[ConfigBase, Parameter]], folder: Path) -> None:
    for config, param in missing:
        generator = param.generator
        assert generator is not None
        if generator.partial is None:
            config.__dict__[param.name] = generator(folder)
        else:
            config.__dict__[param.name] = generator(_partial_root(config, generator.partial))


def _partial_root(config: ConfigBase, partial: Partial) -> Path:
    from .partialid import partial_folder
    from .submitters import current_workspace

    workspace = current_workspace()
    if workspace is None:
        raise ConfigError(
            f"{type(config).__name__}: a path in a partial's folder needs a workspace; "
            "submit inside `with experiment(workdir, name):`"
        )
    return workspace / partial_folder(config, partial)


def _seal(task: Task) -> None:
    for config in walk_own(task):
        state_of(config).sealed = True
