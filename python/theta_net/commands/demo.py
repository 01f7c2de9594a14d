"""``theta-net demo``: the main job. It runs the most complete capability this build has; today
that is the self-test of the core primitives against published vectors."""

from __future__ import annotations

import argparse

from . import selftest


def run(args: argparse.Namespace) -> int:
    return selftest.run(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the main demonstration")
    parser.set_defaults(func=run)
