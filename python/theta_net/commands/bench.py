"""``theta-net bench``: runs a benchmark program of this source checkout and prints its table.

``theta-net bench codec`` builds ``bench/codec_bench.cpp`` (Google Benchmark) in the release
tree, runs every method on the shared Minecraft corpus and on generated terrain in one run, and
prints per dataset the mean and p90 bytes per 16^3 section and the encode/decode speed (MB/s of
raw uint16 ids, medians of the repetitions, interleaved), then the issue's targets checked against the
baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..errors import Error

ROOT = Path(__file__).resolve().parents[3]

# (benchmark method, label), in table order.
CODEC_ROWS: List[Tuple[str, str]] = [
    ("default", "theta_net default preset"),
    ("best", "theta_net best preset"),
    ("default_avx2", "default preset, AVX2 kernels"),
    ("default_scalar", "default preset, scalar kernels"),
    ("mode_raw", "mode raw"),
    ("mode_bitpacked", "mode bitpacked"),
    ("mode_runs", "mode runs"),
    ("mode_fast", "mode fast"),
    ("mode_zstd", "mode zstd (-3, palette indices)"),
    ("mode_zstd_dictionary", "mode zstd + 16 KiB dictionary"),
    ("mode_context", "mode context"),
    ("zstd_1", "zstd -1 (raw ids)"),
    ("zstd_3", "zstd -3 (raw ids)"),
    ("zstd_9", "zstd -9 (raw ids)"),
    ("zstd_19", "zstd -19 (raw ids)"),
    ("lz4", "lz4 (raw ids)"),
]
DATASETS = [
    ("corpus", "shared corpus (3,157 real Minecraft sections)"),
    ("terrain", "generated terrain (seed 1, hills, non-air sections)"),
]
RAW_SECTION_BYTES = 8192

Result = Dict[str, float]


def _build(build_dir: Path, target: str) -> None:
    if not (build_dir / "CMakeCache.txt").exists():
        configure = ROOT / "scripts" / "configure"
        if not configure.exists() or build_dir != ROOT / "build" / "release":
            raise Error(f"{build_dir} is not a configured build tree", "invalid_argument")
        subprocess.run([str(configure), "release"], check=True)
    proc = subprocess.run(
        ["cmake", "--build", str(build_dir), "--target", target], capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise Error(f"building {target} failed", "io")


def _run_benchmark(binary: Path, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [
            str(binary),
            f"--benchmark_out={out}",
            "--benchmark_out_format=json",
            f"--benchmark_repetitions={args.repetitions}",
            "--benchmark_report_aggregates_only=true",
            f"--benchmark_min_time={args.min_time}",
            # The machine's load from other jobs comes in bursts: interleaving the repetitions
            # of every method spreads it over all of them (in sequence, a burst once put one
            # kernel below a slower one).
            "--benchmark_enable_random_interleaving=true",
        ]
        if args.filter:
            cmd.append(f"--benchmark_filter={args.filter}")
        print(f"running {' '.join(cmd[:1] + cmd[2:])} ...", file=sys.stderr, flush=True)
        quiet = None if args.verbose else subprocess.PIPE
        proc = subprocess.run(cmd, stdout=quiet, stderr=quiet, text=True)
        if proc.returncode != 0:
            sys.stderr.write((proc.stdout or "")[-4000:] + (proc.stderr or "")[-4000:])
            raise Error(f"{binary.name} exited with {proc.returncode}", "io")
        return json.loads(out.read_text())


def _results(report: dict) -> Dict[str, Result]:
    """benchmark name -> the median aggregate (or the single run of a one-repetition benchmark)."""
    found: Dict[str, Result] = {}
    for b in report["benchmarks"]:
        name = re.sub(r"/(iterations|repeats):\d+", "", b.get("run_name", b["name"]))
        if b.get("error_occurred"):
            found[name] = {"error": 1.0}
            print(f"{name}: {b.get('error_message')}", file=sys.stderr)
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if name in found and b.get("run_type") != "aggregate":
            continue
        found[name] = b
    return found


def _fmt_speed(r: Optional[Result]) -> str:
    if not r or "bytes_per_second" not in r:
        return "-"
    return f"{r['bytes_per_second'] / 1e6:,.0f}"


def codec_table(report: dict) -> str:
    res = _results(report)
    lines: List[str] = []
    ctx = report.get("context", {})
    load = ctx.get("load_avg") or []
    lines.append(
        f"{ctx.get('date', '')}: {ctx.get('num_cpus', '?')} CPUs at "
        f"{ctx.get('mhz_per_cpu', '?')} MHz, load average "
        f"{', '.join(f'{x:.2f}' for x in load) or '?'}; medians of the repetitions"
    )
    summary: Dict[Tuple[str, str], Tuple[float, float, float, float]] = {}
    for dataset, title in DATASETS:
        lines += [
            "",
            f"### {title}",
            "",
            "| method | mean B/section | p90 B | reduction vs raw | encode MB/s | decode MB/s |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for method, label in CODEC_ROWS:
            enc = res.get(f"{dataset}/{method}/encode")
            dec = res.get(f"{dataset}/{method}/decode")
            sized = enc if enc and "mean_bytes" in enc else dec
            if not sized or "mean_bytes" not in sized:
                continue
            mean, p90 = sized["mean_bytes"], sized["p90_bytes"]
            enc_mbs = enc["bytes_per_second"] / 1e6 if enc and "bytes_per_second" in enc else 0.0
            dec_mbs = dec["bytes_per_second"] / 1e6 if dec and "bytes_per_second" in dec else 0.0
            summary[(dataset, method)] = (mean, p90, enc_mbs, dec_mbs)
            lines.append(
                f"| {label} | {mean:,.1f} | {p90:,.0f} | "
                f"{100 * (1 - mean / RAW_SECTION_BYTES):.1f}% | {_fmt_speed(enc)} | "
                f"{_fmt_speed(dec)} |"
            )
    lines += ["", "### targets (shared corpus, same run)", ""]

    def target(text: str, ok: bool) -> None:
        lines.append(f"- {text}: {'met' if ok else 'NOT met'}")

    d, z3, z19, best = (summary.get(("corpus", k)) for k in ("default", "zstd_3", "zstd_19", "best"))
    if d and z19:
        target(f"default mean {d[0]:.1f} B < zstd -19's {z19[0]:.1f} B", d[0] < z19[0])
    if d and z3:
        target(
            f"default encode {d[2]:,.0f} MB/s >= zstd -3's {z3[2]:,.0f} MB/s " f"({d[2] / z3[2]:.2f}x)",
            d[2] >= z3[2],
        )
    if d:
        target(f"default decode {d[3]:,.0f} MB/s >= 1,000 MB/s", d[3] >= 1000)
    if best and z19:
        target(
            f"best mean {best[0]:.1f} B <= 0.8 x zstd -19's = {0.8 * z19[0]:.1f} B", best[0] <= 0.8 * z19[0]
        )
    t = summary.get(("terrain", "default"))
    if t:
        target(
            f"generated terrain: default {t[0]:.1f} B/section = "
            f"{100 * (1 - t[0] / RAW_SECTION_BYTES):.1f}% reduction > 80%",
            t[0] < 0.2 * RAW_SECTION_BYTES,
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    build_dir = Path(args.build_dir).resolve()
    target = f"theta_{args.program}_bench"
    if not args.no_build:
        _build(build_dir, target)
    binary = build_dir / "bench" / target
    if not binary.exists():
        raise Error(f"{binary} does not exist (build it, or drop --no-build)", "invalid_argument")
    report = _run_benchmark(binary, args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(codec_table(report))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark program and print its table")
    parser.add_argument("program", choices=["codec"], help="which benchmark (bench/<program>_bench.cpp)")
    parser.add_argument("--repetitions", type=int, default=5, help="repetitions per benchmark (median kept)")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per repetition, at least")
    parser.add_argument(
        "--filter", default="", help="Google Benchmark regex, e.g. 'corpus/(default|zstd_3)/'"
    )
    parser.add_argument(
        "--build-dir",
        default=str(ROOT / "build" / "release"),
        help="CMake build tree (default: this checkout's build/release)",
    )
    parser.add_argument("--no-build", action="store_true", help="run the existing binary as is")
    parser.add_argument("--json", default="", help="also write Google Benchmark's JSON report here")
    parser.add_argument("--verbose", action="store_true", help="show Google Benchmark's own output")
    parser.set_defaults(func=run)
