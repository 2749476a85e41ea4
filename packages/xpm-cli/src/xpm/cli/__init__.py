"""xpm.cli: the `xpm` command line, experiment files and job filters.

Names are imported on first use, so that `xpm jobs list` and the other commands load
only the modules they need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.core.plumbing import lazy_exports

if TYPE_CHECKING:
    from .configuration_classes import as_plain, configuration, is_configuration, load_configuration
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

_WHERE = {
    "ConfigurationError": ".errors",
    "ConfigurationTypeError": ".errors",
    "ExperimentCodeError": ".errors",
    "ExperimentFile": ".experiment_file",
    "ExperimentHelper": ".experiment_helper",
    "FilterSyntaxError": ".errors",
    "ForwardOptionError": ".errors",
    "GenericParams": ".grid_values",
    "GridPoint": ".grid_search",
    "GridSearch": ".grid_values",
    "JobFilter": ".filters",
    "Located": ".located",
    "ParameterPath": ".forward",
    "Source": ".errors",
    "UnknownParameterError": ".errors",
    "apply_overrides": ".experiment_file",
    "arguments": ".forward",
    "as_plain": ".configuration_classes",
    "configuration": ".configuration_classes",
    "experiment_configuration": ".experiment_file",
    "forwardoption": ".forward",
    "generate_grid": ".grid_search",
    "is_configuration": ".configuration_classes",
    "load_configuration": ".configuration_classes",
    "load_experiment_file": ".experiment_file",
    "merge_layers": ".experiment_file",
    "parse_filter": ".filters",
    "render_yaml": ".experiment_file",
}

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


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
