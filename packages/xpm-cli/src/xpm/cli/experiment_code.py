"""The Python side of an experiment file: import its code and check `run(helper, cfg)`.

The code is `file` (default `experiment.py` beside the YAML) or `module`. Its folder
and the file's `pythonpath` go first on `sys.path`, and on `PYTHONPATH` too, because job
processes import the task classes the code defines.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import typing
from collections.abc import Callable
from types import ModuleType
from typing import Any, Final

from .configuration_classes import is_configuration
from .errors import ExperimentCodeError
from .experiment_file import ExperimentFile

EXPECTED: Final = "def run(helper: ExperimentHelper, cfg: Configuration) -> None"
_HINT: Final = f"expected `{EXPECTED}`, where Configuration is a @configuration class"


def add_import_paths(experiment: ExperimentFile) -> None:
    """Put the experiment's code folder and `pythonpath` first on sys.path and PYTHONPATH."""
    folders = [str(p) for p in experiment.pythonpath]
    if experiment.file is not None:
        folders.append(str(experiment.file.parent))
    for folder in reversed(folders):
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)
    old = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*folders, *old]))


def import_code(experiment: ExperimentFile) -> tuple[ModuleType, str]:
    """Import the experiment's module; return it and how to name it in messages.

    Raises:
        ExperimentCodeError: the file is missing or the module cannot be found.
        Exception: whatever the module raises while it runs (the user's own error).
    """
    if experiment.module is not None:
        where = f"module {experiment.module}"
        try:
            return importlib.import_module(experiment.module), where
        except ModuleNotFoundError as error:
            if error.name is not None and experiment.module.startswith(error.name):
                raise ExperimentCodeError(
                    where,
                    f"no module named {error.name!r}; check 'module' in {experiment.path.name}"
                    " or add its folder to 'pythonpath'",
                ) from None
            raise
    assert experiment.file is not None
    path = experiment.file
    where = str(path)
    if not path.is_file():
        raise ExperimentCodeError(
            where,
            f"no such file; set 'file' (or 'module') in {experiment.path.name}, or create it",
        )
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ExperimentCodeError(where, "cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    # Registered under its plain name, as job processes will import it (via PYTHONPATH).
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module, where


def run_function(module: ModuleType, where: str) -> tuple[Callable[..., Any], type[Any]]:
    """Return the module's `run` function and the `@configuration` class of its `cfg`.

    Raises:
        ExperimentCodeError: there is no `run`, or its signature is not
            `run(helper: ExperimentHelper, cfg: Configuration)`.
    """
    run = getattr(module, "run", None)
    if run is None:
        raise ExperimentCodeError(where, f"defines no run function; {_HINT}")
    if not callable(run):
        raise ExperimentCodeError(where, f"run is not a function; {_HINT}")
    try:
        signature = inspect.signature(run)
    except (TypeError, ValueError):
        raise ExperimentCodeError(where, f"cannot read the signature of run; {_HINT}") from None
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    required_others = [
        p
        for p in signature.parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.default is p.empty
    ]
    if len(positional) != 2 or required_others:
        shown = f"run{signature}"
        raise ExperimentCodeError(where, f"{shown} does not take (helper, cfg); {_HINT}")
    cfg = positional[1]
    try:
        hints = typing.get_type_hints(run)
    except Exception as error:  # a user annotation that does not resolve, of any kind
        raise ExperimentCodeError(
            where, f"cannot resolve the annotations of run ({error}); {_HINT}"
        ) from None
    annotation = hints.get(cfg.name)
    if annotation is None:
        raise ExperimentCodeError(
            where, f"the parameter {cfg.name!r} of run has no annotation; {_HINT}"
        )
    if not (isinstance(annotation, type) and is_configuration(annotation)):
        shown = getattr(annotation, "__name__", repr(annotation))
        raise ExperimentCodeError(
            where,
            f"the parameter {cfg.name!r} of run is annotated {shown}, not a @configuration"
            f" class; {_HINT}",
        )
    return run, annotation
