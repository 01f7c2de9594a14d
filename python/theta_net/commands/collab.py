"""``theta-net collab``: tools for the collaboration layer (docs/collaboration.md). Each
subcommand lives in theta_net/commands/collab_<name>.py and provides ``register(subparsers)``,
like the top-level commands."""

from __future__ import annotations

import argparse
import importlib

# Subcommand modules, in the order `theta-net collab --help` lists them.
COLLAB_COMMANDS = ["fuzz", "replay"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "collab",
        help="collaboration layer tools: convergence fuzz runs and their command logs",
        description=__doc__,
    )
    commands = parser.add_subparsers(dest="collab_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])
    for name in COLLAB_COMMANDS:
        importlib.import_module(f"theta_net.commands.collab_{name}").register(commands)
