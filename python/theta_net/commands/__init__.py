"""Subcommands of the theta-net command line, one module each."""
