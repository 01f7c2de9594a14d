"""``theta-net replay``: event streams. ``replay diff A B`` compares two streams structurally
(exit code 0 equal, 1 different, 2 bad input). ``record`` and ``run`` join it with the replay
runner."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict

from .. import replay


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
        what = f"{who}  position {d['index_a']} -> {d['index_b']} in the tick  " \
               f"(lines {d['line_a']}/{d['line_b']})"
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
    counts = ", ".join(f"{name} {result.counts[name]:,}" for name in replay.DIFFERENCE_TYPES
                       if result.counts[name])
    total = sum(result.counts.values())
    print(f"different: {total:,} difference{'s' if total != 1 else ''} ({counts})")
    if result.first_divergent_tick is not None:
        print(f"first divergent tick: {result.first_divergent_tick}")
    if result.counts["schema"]:
        print("schema drift: the headers differ (protocol, schema hash or scenario)")
    shd = result.first_state_hash_divergence
    if shd:
        print(f"state hash first diverged at tick {shd['tick']} in section "
              f"{', '.join(shd['sections'])}")
    shown = result.differences[: args.show]
    if shown:
        print(f"first {len(shown)}:")
        for d in shown:
            print(_describe(d))
    rest = total - len(shown)
    if rest > 0:
        print(f"... and {rest:,} more (--show N to see more, --json for the kept ones)")


def run_diff(args: argparse.Namespace) -> int:
    result = replay.diff(args.a, args.b, float_tol=args.float_tol, ignore=args.ignore_field,
                         ignore_kinds=args.ignore_kind, max_differences=args.max_differences)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, separators=(",", ":"))
        sys.stdout.write("\n")
    else:
        _print_human(args, result)
    return 0 if result.equal else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("replay", help="event streams: diff (record, run: see docs)")
    commands = parser.add_subparsers(dest="replay_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    d = commands.add_parser(
        "diff", help="compare two event streams structurally",
        description="Compares event stream B with the reference A tick by tick, aligning events "
                    "by (tick, kind, entity/key, occurrence). Exit code: 0 equal, 1 different, "
                    "2 bad input.")
    d.add_argument("a", help="the reference stream (e.g. the golden one)")
    d.add_argument("b", help="the stream to check")
    d.add_argument("--json", action="store_true", help="print the result as JSON")
    d.add_argument("--float-tol", type=float, default=0.0, metavar="X",
                   help="floats within X are equal (integers compare exactly); default 0")
    d.add_argument("--ignore-field", action="append", default=[], metavar="F",
                   help="a field pattern not to compare: a.b, a[*].b, *.b (repeatable)")
    d.add_argument("--ignore-kind", action="append", default=[], metavar="K",
                   help="an event kind to leave out (repeatable)")
    d.add_argument("--max-differences", type=int, default=1000, metavar="N",
                   help="differences kept in the result (all are counted); default 1000")
    d.add_argument("--show", type=int, default=20, metavar="N",
                   help="differences printed without --json; default 20")
    d.set_defaults(func=run_diff)
