"""The `xpm` subcommands, one module each; `xpm.cli.main` attaches them to the root."""
