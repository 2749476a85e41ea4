"""xpm.cli: the `xpm` command line, experiment files and job filters."""

from .configuration import as_plain, configuration, is_configuration, load_configuration
from .errors import (
    ConfigurationError,
    ConfigurationTypeError,
    ExperimentCodeError,
    FilterSyntaxError,
    ForwardOptionError,
    Source,
    UnknownParameterError,
)
from .experiment_file import (
    ExperimentFile,
    apply_overrides,
    experiment_configuration,
    load_experiment_file,
    merge_layers,
    render_yaml,
)
from .experiment_helper import ExperimentHelper
from .filters import JobFilter, parse_filter
from .forward import ParameterPath, arguments, forwardoption
from .grid_search import GridPoint, generate_grid
from .grid_values import GenericParams, GridSearch
from .located import Located

__all__ = [
    "ConfigurationError",
    "ConfigurationTypeError",
    "ExperimentCodeError",
    "ExperimentFile",
    "ExperimentHelper",
    "FilterSyntaxError",
    "ForwardOptionError",
    "GenericParams",
    "GridPoint",
    "GridSearch",
    "JobFilter",
    "Located",
    "ParameterPath",
    "Source",
    "UnknownParameterError",
    "apply_overrides",
    "arguments",
    "as_plain",
    "configuration",
    "experiment_configuration",
    "forwardoption",
    "generate_grid",
    "is_configuration",
    "load_configuration",
    "load_experiment_file",
    "merge_layers",
    "parse_filter",
    "render_yaml",
]
