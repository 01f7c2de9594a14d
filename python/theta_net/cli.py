"""The ``theta-net`` command line. Each subcommand lives in theta_net/commands/<name>.py and
provides ``register(subparsers)``, which adds its parser and sets ``func`` to the handler."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from . import __version__
from .errors import Error

# Subcommand modules, in the order `theta-net --help` lists them.
COMMANDS = [
    "demo",
    "run",
    "sweep",
    "serve",
    "connect",
    "relay",
    "replay",
    "schema",
    "bench",
    "data",
    "collab",
    "selftest",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="theta-net",
        description="theta_net: netcode toolkit for multiplayer voxel games.",
    )
    parser.add_argument("--version", action="version", version=f"theta-net {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"theta_net.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except Error as exc:
        print(f"theta-net {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
