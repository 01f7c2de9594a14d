"""`theta-net collab fuzz`, the collaboration layer's convergence fuzz: its contract (the JSON
keys, the exit codes, the same seed giving the same JSON) over SimNet, run small."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli

STRATEGIES = ["server", "lww", "merge:counter", "merge:set", "merge:text"]


def fuzz(*args: str):
    proc = run_cli("collab", "fuzz", *args, check=False, timeout=240)
    return proc, (json.loads(proc.stdout) if proc.returncode in (0, 1) and "--json" in args else None)


def test_a_lossy_run_converges_and_prints_the_contract_keys():
    proc, report = fuzz("--clients", "4", "--ops", "120", "--seed", "3", "--loss", "5%", "--json")
    assert proc.returncode == 0, proc.stderr
    assert isinstance(report["converged"], bool) and report["converged"] is True
    assert list(report["conflicts"]) == STRATEGIES
    assert all(isinstance(n, int) and n >= 0 for n in report["conflicts"].values())
    assert isinstance(report["log_entries"], int) and report["log_entries"] > 0
    assert len(report["state_hash"]) == 64 and int(report["state_hash"], 16) >= 0
    assert report["clients"] == 4 and report["clients_converged"] == 4
    # Every accepted write is a logged command.
    assert report["log_entries"] >= report["writes"]["accepted"] > 0


def test_the_same_seed_gives_the_same_json_and_another_seed_another():
    args = [
        "--clients",
        "4",
        "--ops",
        "150",
        "--loss",
        "5%",
        "--reorder",
        "10%",
        "--duplicate",
        "2%",
        "--json",
    ]
    first = run_cli("collab", "fuzz", *args, "--seed", "11").stdout
    second = run_cli("collab", "fuzz", *args, "--seed", "11").stdout
    other = run_cli("collab", "fuzz", *args, "--seed", "12").stdout
    assert first == second
    assert json.loads(first)["state_hash"] != json.loads(other)["state_hash"]


def test_every_strategy_meets_conflicts_with_eight_writers_and_a_partition():
    proc, report = fuzz(
        "--clients", "8", "--ops", "600", "--seed", "2", "--loss", "5%", "--reorder", "10%",
        "--duplicate", "2%", "--partition", "c0:4s:10s", "--seconds", "20", "--entities", "2", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
    assert all(report["conflicts"][s] > 0 for s in STRATEGIES), report["conflicts"]
    assert report["reconnects"] >= 1  # the partitioned client came back


def test_a_run_cut_short_before_it_settles_exits_1():
    # c0 is cut off until the writes end and the run may not drain: its mirror is behind.
    proc, report = fuzz(
        "--clients", "3", "--ops", "60", "--partition", "c0:1s:9s", "--drain-timeout", "0", "--json"
    )
    assert proc.returncode == 1, proc.stderr
    assert report["converged"] is False and report["settled"] is False


def test_without_json_it_prints_a_summary():
    proc, _ = fuzz("--clients", "2", "--ops", "20")
    assert proc.returncode == 0
    assert "converged: True" in proc.stdout and "state hash:" in proc.stdout


@pytest.mark.parametrize(
    "args, named",
    [
        (["--clients", "0", "--ops", "5"], "--clients"),
        (["--clients", "two", "--ops", "5"], "--clients"),
        (["--clients", "2", "--ops", "-1"], "--ops"),
        (["--clients", "2", "--ops", "5", "--loss", "120%"], "--loss"),
        (["--clients", "2", "--ops", "5", "--loss", "lots"], "--loss"),
        (["--clients", "2", "--ops", "5", "--reorder", "x"], "--reorder"),
        (["--clients", "2", "--ops", "5", "--partition", "c9:1s:1s"], "partition"),
        (["--clients", "2", "--ops", "5", "--seconds", "0"], "--seconds"),
        (["--ops", "5"], "--clients"),
    ],
)
def test_a_bad_argument_exits_2_naming_it(args, named):
    proc, _ = fuzz(*args, "--json")
    assert proc.returncode == 2
    assert named in proc.stderr, proc.stderr
    assert proc.stdout == ""
