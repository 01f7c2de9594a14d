"""``theta-net schema``: prints the wire schema's manifest, canonical form or hash."""

from __future__ import annotations

import argparse
import json

from .. import protocol


def run(args: argparse.Namespace) -> int:
    if args.hash:
        print(f"0x{protocol.schema_hash():016x}")
    elif args.canonical:
        print(protocol.canonical_schema(args.minor), end="")
    else:
        print(json.dumps(protocol.manifest(), indent=2))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("schema", help="print the wire schema manifest (JSON)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--hash", action="store_true", help="print only the schema hash")
    group.add_argument(
        "--canonical", action="store_true", help="print the canonical form the hash is computed over"
    )
    parser.add_argument("--minor", type=int, default=None, help="protocol minor version (default: current)")
    parser.set_defaults(func=run)
