"""xpm.core: typed experiment configurations and their content-hash identifiers.

`__all__` lists what experiment code uses. What only xpm.scheduler and the launchers
need (submitters, the job runner's entry points) lives in `xpm.core.plumbing`; the
names that left `__all__` still import from here, for older code.
"""

from .cache import cache
from .config import Config, InstanceConfig, parameters, setmeta
from .errors import ConfigError, ValidationError, XpmError
from .lazy import lazy_exports
from .params import field, pathgenerator

# The names below are imported on first use (PEP 562), so that `import xpm.core` stays
# fast: `Param` and its siblings need typing, the others need hashlib, pathlib...
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .dependent import DependentMarker
    from .deprecation import deprecate
    from .hooks import SubmitHook
    from .jobcontext import progress
    from .jobhandle import JobHandle
    from .params import Constant, Meta, Param, PathGenerator
    from .partials import param_group, partial
    from .resumable import GracefulTimeout, ResumableTask
    from .retries import Retries
    from .serializedconfig import PathBasedSerializedConfig, SerializedConfig
    from .sets import sealed_set
    from .spec import type_id
    from .tags import tag, tagspath
    from .task import LightweightTask, Task

if TYPE_CHECKING:  # former public names: they import, `dir()` does not list them
    from .cache import cache_folder as cache_folder
    from .errors import NoExperimentError as NoExperimentError
    from .errors import SealedError as SealedError
    from .errors import SerializationError as SerializationError
    from .errors import TagConflictWarning as TagConflictWarning
    from .errors import UnsetParameterError as UnsetParameterError
    from .execution import execute_task as execute_task
    from .graph import task_dependencies as task_dependencies
    from .graph import validate as validate
    from .hooks import submit_hooks as submit_hooks
    from .identifier import Identifier as Identifier
    from .jobcontext import JobContext as JobContext
    from .jobcontext import current_job as current_job
    from .jobcontext import enter_job as enter_job
    from .params import MISSING as MISSING
    from .params import Option as Option
    from .serialization import dumps as dumps
    from .serialization import from_dict as from_dict
    from .serialization import loads as loads
    from .serialization import to_dict as to_dict
    from .spec import Parameter as Parameter
    from .submitters import Submitter as Submitter
    from .submitters import current_submitter as current_submitter
    from .submitters import current_workspace as current_workspace
    from .submitters import submitting_to as submitting_to
else:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "Constant": ".params",
            "DependentMarker": ".dependent",
            "GracefulTimeout": ".resumable",
            "JobHandle": ".jobhandle",
            "LightweightTask": ".task",
            "Meta": ".params",
            "Param": ".params",
            "PathBasedSerializedConfig": ".serializedconfig",
            "PathGenerator": ".params",
            "ResumableTask": ".resumable",
            "Retries": ".retries",
            "SerializedConfig": ".serializedconfig",
            "SubmitHook": ".hooks",
            "Task": ".task",
            "param_group": ".partials",
            "partial": ".partials",
            "deprecate": ".deprecation",
            "progress": ".jobcontext",
            "sealed_set": ".sets",
            "tag": ".tags",
            "tagspath": ".tags",
            "type_id": ".spec",
        },
        hidden={
            "Identifier": ".identifier",
            "JobContext": ".jobcontext",
            "MISSING": ".params",
            "NoExperimentError": ".errors",
            "Option": ".params",
            "Parameter": ".spec",
            "SealedError": ".errors",
            "SerializationError": ".errors",
            "Submitter": ".submitters",
            "TagConflictWarning": ".errors",
            "UnsetParameterError": ".errors",
            "cache_folder": ".cache",
            "current_job": ".jobcontext",
            "current_submitter": ".submitters",
            "current_workspace": ".submitters",
            "dumps": ".serialization",
            "enter_job": ".jobcontext",
            "execute_task": ".execution",
            "from_dict": ".serialization",
            "loads": ".serialization",
            "submit_hooks": ".hooks",
            "submitting_to": ".submitters",
            "task_dependencies": ".graph",
            "to_dict": ".serialization",
            "validate": ".graph",
        },
    )

__all__ = [
    "Config",
    "ConfigError",
    "Constant",
    "DependentMarker",
    "GracefulTimeout",
    "InstanceConfig",
    "JobHandle",
    "LightweightTask",
    "Meta",
    "Param",
    "PathBasedSerializedConfig",
    "PathGenerator",
    "ResumableTask",
    "Retries",
    "SerializedConfig",
    "SubmitHook",
    "Task",
    "ValidationError",
    "XpmError",
    "cache",
    "deprecate",
    "field",
    "param_group",
    "parameters",
    "partial",
    "pathgenerator",
    "progress",
    "sealed_set",
    "setmeta",
    "tag",
    "tagspath",
    "type_id",
]
