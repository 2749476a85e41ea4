"""xpm.core: typed experiment configurations and their content-hash identifiers."""

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
from .registry import Submitter, current_submitter, submitting_to
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
    "current_submitter",
    "dumps",
    "execute_task",
    "field",
    "from_dict",
    "loads",
    "parameters",
    "pathgenerator",
    "setmeta",
    "submit_hooks",
    "submitting_to",
    "tag",
    "tagspath",
    "task_dependencies",
    "to_dict",
    "validate",
]
