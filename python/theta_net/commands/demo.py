"""``theta-net demo``: the main job. After the self-test of the core primitives it runs the
two-player LAN scenario (scenarios/lan_two_player.toml: two players at 100 ms RTT build in both
directions, walk, chat; reconciliation error, bandwidth and chunk loads within targets; the
server's stream replays byte for byte) over real QUIC on loopback through the UDP impairment
relay, then the same scenario over SimNet in a fraction of a second, and prints both summaries."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import protocol
from ..errors import ScenarioError
from ..scenario import Scenario
from . import selftest


def run(args: argparse.Namespace) -> int:
    status = selftest.run(args)
    major, minor = protocol.PROTOCOL_VERSION
    print(
        f"\nprotocol {major}.{minor}, ALPN {protocol.ALPN}, schema 0x{protocol.schema_hash():016x}, "
        f"{len(protocol.message_types())} message types"
    )
    ok = status == 0
    path = Path(__file__).resolve().parents[3] / "scenarios" / "lan_two_player.toml"
    if not path.exists():
        raise ScenarioError(
            f"{path}: the demo plays the repository's scenarios/lan_two_player.toml; "
            "run it from a checkout (./dev demo)",
            "io",
        )
    scenario = Scenario.load(path)
    out = Path(args.out)
    for transport, label in (
        ("quic", "real QUIC on loopback through the UDP impairment relay"),
        ("sim", "SimNet, the same scenario in virtual time"),
    ):
        print(f"\n== {scenario.name} over {label}: {scenario.spec.description}")
        sys.stdout.flush()
        result = scenario.run(transport=transport, out=out / transport, progress=sys.stderr.isatty())
        print(result.table())
        ok &= result.passed
    print(f"\noutputs (metrics.json, inputs.jsonl, server.jsonl, clients/): {out}/quic, {out}/sim")
    print(f"demo: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the main demonstration")
    parser.add_argument("--out", default="runs/demo", metavar="DIR", help="where the runs' outputs go")
    parser.set_defaults(func=run)
