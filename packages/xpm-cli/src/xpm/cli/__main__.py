"""`python -m xpm.cli` runs the `xpm` command."""

from .main import main

if __name__ == "__main__":
    main()
