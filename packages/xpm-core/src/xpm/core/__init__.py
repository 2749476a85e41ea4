"""xpm.core: typed experiment configurations and their content-hash identifiers."""

from .cache import cache, cache_folder
from .config import Config, InstanceConfig, parameters, setmeta
from .errors import (
    ConfigError,
    NoExperimentError,
    SealedError,
    SerializationError,
    UnsetParameterError,
    ValidationError,
    XpmError,
)
from .params import MISSING, PathGenerator, field, pathgenerator

# The names below are imported on first use (PEP 562), so that `import xpm.core` stays
# fast: `Param` and its siblings need typing, the others need hashlib, pathlib...
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .dependent import DependentMarker
    from .execution import execute_task
    from .hooks import SubmitHook, submit_hooks
    from .identifier import Identifier
    from .jobcontext import JobContext, current_job, enter_job, progress
    from .params import Constant, Meta, Option, Param
    from .registry import Submitter, current_submitter, current_workspace, submitting_to
    from .serialization import dumps, from_dict, loads, to_dict
    from .serialized import PathBasedSerializedConfig, SerializedConfig
    from .spec import Parameter
    from .tags import TagConflictWarning, tag, tagspath
    from .task import LightweightTask, Task, task_dependencies, validate
else:
    _LAZY = {
        "Constant": "params",
        "DependentMarker": "dependent",
        "Identifier": "identifier",
        "JobContext": "jobcontext",
        "LightweightTask": "task",
        "Meta": "params",
        "Option": "params",
        "Param": "params",
        "Parameter": "spec",
        "PathBasedSerializedConfig": "serialized",
        "SerializedConfig": "serialized",
        "SubmitHook": "hooks",
        "Submitter": "registry",
        "TagConflictWarning": "tags",
        "Task": "task",
        "current_job": "jobcontext",
        "current_submitter": "registry",
        "current_workspace": "registry",
        "dumps": "serialization",
        "enter_job": "jobcontext",
        "execute_task": "execution",
        "from_dict": "serialization",
        "loads": "serialization",
        "progress": "jobcontext",
        "submit_hooks": "hooks",
        "submitting_to": "registry",
        "tag": "tags",
        "tagspath": "tags",
        "task_dependencies": "task",
        "to_dict": "serialization",
        "validate": "task",
    }

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})


__all__ = [
    "MISSING",
    "Config",
    "ConfigError",
    "Constant",
    "DependentMarker",
    "Identifier",
    "InstanceConfig",
    "JobContext",
    "LightweightTask",
    "Meta",
    "NoExperimentError",
    "Option",
    "Param",
    "Parameter",
    "PathBasedSerializedConfig",
    "PathGenerator",
    "SealedError",
    "SerializationError",
    "SerializedConfig",
    "SubmitHook",
    "Submitter",
    "TagConflictWarning",
    "Task",
    "UnsetParameterError",
    "ValidationError",
    "XpmError",
    "cache",
    "cache_folder",
    "current_job",
    "current_submitter",
    "current_workspace",
    "dumps",
    "enter_job",
    "execute_task",
    "field",
    "from_dict",
    "loads",
    "parameters",
    "pathgenerator",
    "progress",
    "setmeta",
    "submit_hooks",
    "submitting_to",
    "tag",
    "tagspath",
    "task_dependencies",
    "to_dict",
    "validate",
]
