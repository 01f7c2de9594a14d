"""``theta-net replay``: event streams. ``replay diff A B`` compares two streams structurally
(exit code 0 equal, 1 different, 2 bad input); ``replay record SCENARIO`` plays a scenario over
SimNet and keeps its input log and server stream; ``replay run INPUT_LOG`` replays an input log on
a headless server (the reference game's, or with ``--program`` your own game's) and, given the
original stream, diffs the two."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict

from .. import replay
from ..errors import ReplayError
from ..scenario import Scenario
from ..scenario.game_program import replay_program
from ..scenario.spec import TRANSPORTS


def _value(v: Any, limit: int = 60) -> str:
    text = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(d: Dict[str, Any]) -> str:
    """One difference on one line."""
    tick = "-" if d["tick"] is None else str(d["tick"])
    kind = d["type"]
    if kind == "schema":
        what = f"header {d['field']}: {_change(d)}"
        return f"  tick {tick:>8}  {kind:<9}  {what}"
    who = d["kind"]
    if "entity" in d:
        who += f" entity={_value(d['entity'])}"
    if "key" in d:
        who += f" key={_value(d['key'])}"
    if d.get("occurrence"):
        who += f" #{d['occurrence']}"
    if kind == "changed":
        section = f" [section {d['section']}]" if d.get("section") else ""
        what = f"{who}  {d['field']}: {_change(d)}{section}  (lines {d['line_a']}/{d['line_b']})"
    elif kind == "reordered":
        what = (
            f"{who}  position {d['index_a']} -> {d['index_b']} in the tick  "
            f"(lines {d['line_a']}/{d['line_b']})"
        )
    elif kind == "missing":
        what = f"{who}  (a line {d['line_a']}, not in b)"
    else:
        what = f"{who}  (b line {d['line_b']}, not in a)"
    return f"  tick {tick:>8}  {kind:<9}  {what}"


def _change(d: Dict[str, Any]) -> str:
    a = _value(d["a"]) if "a" in d else "(absent)"
    b = _value(d["b"]) if "b" in d else "(absent)"
    return f"{a} -> {b}"


def _print_human(args: argparse.Namespace, result: replay.DiffResult) -> None:
    events = result.events
    print(f"a: {args.a} ({events.get('a', 0):,} events)")
    print(f"b: {args.b} ({events.get('b', 0):,} events)")
    if result.equal:
        print("equal: no differences")
        return
    counts = ", ".join(
        f"{name} {result.counts[name]:,}" for name in replay.DIFFERENCE_TYPES if result.counts[name]
    )
    total = sum(result.counts.values())
    print(f"different: {total:,} difference{'s' if total != 1 else ''} ({counts})")
    if result.first_divergent_tick is not None:
        print(f"first divergent tick: {result.first_divergent_tick}")
    if result.counts["schema"]:
        print("schema drift: the headers differ (protocol, schema hash or scenario)")
    shd = result.first_state_hash_divergence
    if shd:
        print(f"state hash first diverged at tick {shd['tick']} in section " f"{', '.join(shd['sections'])}")
    shown = result.differences[: args.show]
    if shown:
        print(f"first {len(shown)}:")
        for d in shown:
            print(_describe(d))
    rest = total - len(shown)
    if rest > 0:
        print(f"... and {rest:,} more (--show N to see more, --json for the kept ones)")


def run_diff(args: argparse.Namespace) -> int:
    result = replay.diff(
        args.a,
        args.b,
        float_tol=args.float_tol,
        ignore=args.ignore_field,
        ignore_kinds=args.ignore_kind,
        max_differences=args.max_differences,
    )
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, separators=(",", ":"))
        sys.stdout.write("\n")
    else:
        _print_human(args, result)
    return 0 if result.equal else 1


def run_record(args: argparse.Namespace) -> int:
    scenario = Scenario.load(args.scenario)
    out = Path(args.out) if args.out else Path("replays") / scenario.name
    result = scenario.run(transport=args.transport, out=out)
    kept = {"inputs.jsonl", "server.jsonl"}
    if not args.keep_all:
        # A golden replay is the input log and the server stream; the rest is rerun on demand.
        for path in sorted(out.rglob("*"), reverse=True):
            rel = path.relative_to(out).as_posix()
            if path.is_file() and rel not in kept:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    # A game program's scenario (a [game] table) records its server stream alone.
    for name in sorted(kept):
        path = out / name
        if path.exists():
            lines = sum(1 for _ in path.open())
            print(f"recorded {path} ({lines:,} lines, {path.stat().st_size:,} bytes)")
    failed = [e for e in result.expectations if not e.passed]
    for e in failed:
        print(f"FAIL {e.what}: {e.detail}")
    print(f"{scenario.name} over {result.transport}: {'passed' if result.passed else 'FAILED'}")
    return 0 if result.passed else 1


def run_replay(args: argparse.Namespace) -> int:
    source = Path(args.input_log)
    out = Path(args.out) if args.out else source.with_name("replayed.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)  # as `run --out` and `replay record --out` do
    if args.program:
        report = replay_program(Path(args.program), source, out)
        print(f"replayed {source} with {args.program}: {report.get('ticks', 0):,} ticks -> {out}")
    elif "input_schema" in replay.read_header(source):
        raise ReplayError(
            f"{source} is the input log of a game of your own (its header names an input_schema): "
            "replay it with --program, the game's program",
            "invalid_argument",
        )
    else:
        ran = replay.run(source, out)
        print(
            f"replayed {source}: {ran.ticks:,} ticks, {ran.inputs:,} inputs -> {out} "
            f"({ran.events:,} events)"
        )
    if args.expect is None:
        return 0
    result = replay.diff(args.expect, out)
    if result.equal and Path(args.expect).read_bytes() == out.read_bytes():
        print(f"byte-identical to {args.expect}")
        return 0
    args.a, args.b, args.show = args.expect, str(out), 20
    _print_human(args, result)
    return 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("replay", help="event streams: diff, record, run")
    commands = parser.add_subparsers(dest="replay_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    d = commands.add_parser(
        "diff",
        help="compare two event streams structurally",
        description="Compares event stream B with the reference A tick by tick, aligning events "
        "by (tick, kind, entity/key, occurrence). Exit code: 0 equal, 1 different, "
        "2 bad input.",
    )
    d.add_argument("a", help="the reference stream (e.g. the golden one)")
    d.add_argument("b", help="the stream to check")
    d.add_argument("--json", action="store_true", help="print the result as JSON")
    d.add_argument(
        "--float-tol",
        type=float,
        default=0.0,
        metavar="X",
        help="floats within X are equal (integers compare exactly); default 0",
    )
    d.add_argument(
        "--ignore-field",
        action="append",
        default=[],
        metavar="F",
        help="a field pattern not to compare: a.b, a[*].b, *.b (repeatable)",
    )
    d.add_argument(
        "--ignore-kind",
        action="append",
        default=[],
        metavar="K",
        help="an event kind to leave out (repeatable)",
    )
    d.add_argument(
        "--max-differences",
        type=int,
        default=1000,
        metavar="N",
        help="differences kept in the result (all are counted); default 1000",
    )
    d.add_argument(
        "--show", type=int, default=20, metavar="N", help="differences printed without --json; default 20"
    )
    d.set_defaults(func=run_diff)

    rec = commands.add_parser(
        "record",
        help="play a scenario and keep its input log and server stream",
        description="Plays SCENARIO (over SimNet unless --transport names another) and writes "
        "OUT/inputs.jsonl and OUT/server.jsonl: a golden replay when OUT is "
        "replays/NAME. Exit code 0 when the scenario's expectations held.",
    )
    rec.add_argument("scenario", help="a scenario file (scenarios/*.toml)")
    rec.add_argument("--out", metavar="DIR", help="default replays/NAME")
    rec.add_argument("--transport", choices=TRANSPORTS, default="sim")
    rec.add_argument("--keep-all", action="store_true", help="keep client streams and metrics.json too")
    rec.set_defaults(func=run_record)

    r = commands.add_parser(
        "run",
        help="replay an input log on a headless server",
        description="Replays INPUT_LOG on a headless server and writes the server's event "
        "stream again. With --expect, diffs it against the original (exit code 1 "
        "when they differ).",
    )
    r.add_argument("input_log", help="an input log (inputs.jsonl)")
    r.add_argument("--out", metavar="FILE", help="default: replayed.jsonl beside the input log")
    r.add_argument("--expect", metavar="STREAM", help="the original server stream to compare with")
    r.add_argument(
        "--program",
        metavar="PROGRAM",
        help="a game program (the [game] table's) to replay its own input log with (PROGRAM --replay)",
    )
    r.set_defaults(func=run_replay)
