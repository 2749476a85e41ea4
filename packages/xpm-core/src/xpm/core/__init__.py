"""xpm.core: typed experiment configurations and their content-hash identifiers."""

from .cache import cache, cache_folder
from .config import Config, InstanceConfig, Parameter, parameters, setmeta
from .errors import (
    ConfigError,
    NoExperimentError,
    SealedError,
    SerializationError,
    UnsetParameterError,
    ValidationError,
    XpmError,
)
from .execution import execute_task
from .hooks import SubmitHook, submit_hooks
from .identifier import Identifier
from .jobcontext import JobContext, current_job, enter_job, progress
from .params import (
    MISSING,
    Constant,
    Meta,
    Option,
    Param,
    PathGenerator,
    field,
    pathgenerator,
)
from .registry import Submitter, current_submitter, current_workspace, submitting_to
from .serialization import dumps, from_dict, loads, to_dict
from .serialized import PathBasedSerializedConfig, SerializedConfig
from .tags import TagConflictWarning, tag, tagspath
from .task import LightweightTask, Task, task_dependencies, validate

__all__ = [
    "MISSING",
    "Config",
    "ConfigError",
    "Constant",
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
