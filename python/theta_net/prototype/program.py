"""The game program contract (docs/scenarios.md, "Your own game") for a Python game: ``main(game)``
makes a script a program the scenario runner plays, and one that replays its own input logs."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import List, Optional

from .game import Game, MatchConfig
from .log_replay import replay
from .match import play


def _replay(game: Game, input_log: str, events: str) -> int:
    """--replay: the server stream again from an input log; the report counts what was replayed."""
    with contextlib.redirect_stdout(sys.stderr):
        server = replay(game, input_log, events=events, keep_history=False)
    summary = server.summary
    report = {"mode": "replay", **{k: summary[k] for k in ("ticks", "inputs", "joins", "leaves", "ended")}}
    sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    sys.stdout.write(f"{game.name}: ok\n")
    return 0


def main(game: Game, argv: Optional[List[str]] = None) -> int:
    """The game program contract: plays the match the options describe, prints its report as one
    line of JSON, then "<name>: ok" (exit 0) when every player was predicted and reconciled, no
    bundle was refused and the step replayed the same, or "<name>: FAILED" (exit 1).

    ``--inputs PATH`` also writes the server's input log; ``--replay INPUT_LOG`` plays no match
    but replays the log through the game's step, writing the server stream to ``--events``."""
    parser = argparse.ArgumentParser(prog=game.name, description=f"plays {game.name} (theta_net.prototype)")
    parser.add_argument("--network", default="sim", choices=["sim"], help="prototypes play over SimNet")
    parser.add_argument("--players", type=int, default=2)
    parser.add_argument("--tick-rate", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--events", help="the server's JSONL event stream")
    parser.add_argument("--inputs", help="the server's input log (JSONL)")
    parser.add_argument("--replay", metavar="INPUT_LOG", help="replay this input log instead of playing")
    parser.add_argument("--hash-interval", type=int, default=0)
    parser.add_argument("--scenario", default=game.name)
    args = parser.parse_args(argv)
    if args.replay:
        if not args.events:
            parser.error("--replay writes the server stream to --events")
        return _replay(game, args.replay, args.events)
    if not (1 <= args.players <= 64 and 1 <= args.tick_rate <= 240 and 0 < args.seconds <= 3600):
        parser.error("players 1..64, tick rate 1..240 and seconds up to 3600")
    config = MatchConfig(
        players=args.players,
        tick_rate=args.tick_rate,
        seconds=args.seconds,
        seed=args.seed,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        loss=args.loss,
        events=args.events,
        inputs=args.inputs,
        hash_interval=args.hash_interval,
        scenario=args.scenario,
    )
    # The report must be the first line out: what the game prints goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        report = play(game, config)
    sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    ok = (
        report["nondeterminism"] is None
        and report["server"]["bundles_refused"] == 0
        and all(p["states"] > 0 for p in report["players"])
    )
    sys.stdout.write(f"{game.name}: {'ok' if ok else 'FAILED'}\n")
    return 0 if ok else 1
