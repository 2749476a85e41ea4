"""xpm.cli: the `xpm` command line, experiment files and job filters."""

from .configuration import as_plain, configuration, is_configuration, load_configuration
from .errors import (
    ConfigurationError,
    ConfigurationTypeError,
    FilterSyntaxError,
    Source,
)
from .experiment_file import (
    ExperimentFile,
    apply_overrides,
    load_experiment_file,
    render_yaml,
)
from .filters import JobFilter, parse_filter
from .located import Located

__all__ = [
    "ConfigurationError",
    "ConfigurationTypeError",
    "ExperimentFile",
    "FilterSyntaxError",
    "JobFilter",
    "Located",
    "Source",
    "apply_overrides",
    "as_plain",
    "configuration",
    "is_configuration",
    "load_configuration",
    "load_experiment_file",
    "parse_filter",
    "render_yaml",
]
