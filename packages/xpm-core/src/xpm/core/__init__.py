"""xpm.core: typed experiment configurations and their content-hash identifiers."""

from .errors import (
    ConfigError,
    NoExperimentError,
    SealedError,
    SerializationError,
    ValidationError,
    XpmError,
)

__all__ = [
    "ConfigError",
    "NoExperimentError",
    "SealedError",
    "SerializationError",
    "ValidationError",
    "XpmError",
]
