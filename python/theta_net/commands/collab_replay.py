"""``theta-net collab replay LOG``: replays a command log written by ``theta-net collab fuzz --log``
on a fresh server of the fuzz schema (populated as a run starts; its conflict resolver decides
again) and prints the store's state_hash, which is the run's when the log is whole: the log is a
replay source. Exit status: 0 replayed, 2 a log that cannot be read or replayed (the message says
why)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .._core import collab_fuzz_replay
from ..errors import Error


def run(args: argparse.Namespace) -> int:
    try:
        state_hash = collab_fuzz_replay(Path(args.log).read_bytes(), entities=args.entities)
    except (OSError, Error) as exc:
        print(f"theta-net collab replay: {args.log}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"state_hash": state_hash}) if args.json else state_hash, flush=True)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("replay", help="replay a fuzz run's command log", description=__doc__)
    parser.add_argument("log", help="a log file from theta-net collab fuzz --log")
    parser.add_argument("--entities", type=int, default=4, help="the run's --entities (default 4)")
    parser.add_argument("--json", action="store_true", help='print {"state_hash": ...}')
    parser.set_defaults(func=run)
