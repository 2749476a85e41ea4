"""xpm.cli (work in progress: see the repository issues)."""

__all__: list[str] = []
