"""``theta-net run SCENARIO``: plays a scenario file over SimNet or real QUIC on loopback, with a
progress bar, then prints a summary table and writes DIR/metrics.json (and the input log, the
event streams and, when asked, qlog files). Exit code 0 when every expectation held, 1 when one
did not, 2 for a bad scenario file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..scenario import Scenario
from ..scenario.spec import TRANSPORTS


def run(args: argparse.Namespace) -> int:
    scenario = Scenario.load(args.scenario)
    transport = args.transport or scenario.spec.transport
    out = Path(args.out) if args.out else Path("runs") / f"{scenario.name}-{transport}"
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    spec = scenario.spec
    who = f"{len(spec.players)} players" if spec.game is None else f"{spec.game.bots} {spec.game.name} bots"
    print(
        f"theta-net run: {scenario.name} over {transport}, {spec.duration_ticks} ticks at "
        f"{spec.tick_rate} Hz, {who} -> {out}/"
    )
    sys.stdout.flush()
    result = scenario.run(transport=transport, out=out, progress=progress)
    print(result.table())
    print(f"metrics: {result.files.get('metrics', '(not written)')}")
    return 0 if result.passed else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="play a scenario file and check its expectations",
        description=__doc__.split("\n\n")[0].replace("``", ""),
    )
    parser.add_argument("scenario", help="a scenario file (scenarios/*.toml)")
    parser.add_argument(
        "--transport",
        choices=TRANSPORTS,
        help="SimNet (virtual time), or QUIC, TCP or WebSocket on loopback; default: the file's",
    )
    parser.add_argument("--out", metavar="DIR", help="where outputs go; default runs/NAME-TRANSPORT")
    parser.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.set_defaults(func=run)
