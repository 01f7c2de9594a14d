"""``theta-net data``: tools for the data layer (docs/data.md). Each subcommand lives in
theta_net/commands/data_<name>.py and provides ``register(subparsers)``, like the top-level
commands."""

from __future__ import annotations

import argparse
import importlib

# Subcommand modules, in the order `theta-net data --help` lists them.
DATA_COMMANDS = ["soak"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="data layer tools: soak and load runs", description=__doc__)
    commands = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])
    for name in DATA_COMMANDS:
        importlib.import_module(f"theta_net.commands.data_{name}").register(commands)
