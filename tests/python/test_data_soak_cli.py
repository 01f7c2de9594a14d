"""`theta-net data soak`, the data layer's soak tool: its contract (the JSON keys, the exit codes)
over SimNet and over QUIC on loopback, run small."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli

CONTRACT_KEYS = {
    "converged",
    "clients",
    "server_version",
    "broadcast_latency_ms",
    "full_sync_s",
    "catchups",
    "peak_queue_bytes",
    "wire_bytes_per_client",
}


def soak(*args: str, check: bool = True):
    proc = run_cli("data", "soak", *args, "--json", check=check, timeout=240)
    return proc, (json.loads(proc.stdout) if proc.returncode in (0, 1) else None)


def assert_contract_shape(report: dict, clients: int) -> None:
    assert CONTRACT_KEYS <= set(report), sorted(CONTRACT_KEYS - set(report))
    assert isinstance(report["converged"], bool)
    assert report["clients"] == clients
    assert set(report["broadcast_latency_ms"]) >= {"p50", "p99"}
    assert set(report["full_sync_s"]) >= {"p50", "max"}
    assert set(report["catchups"]) >= {"archive", "full"}
    for key in ("server_version", "peak_queue_bytes", "wire_bytes_per_client"):
        assert isinstance(report[key], int) and report[key] >= 0, key


def test_a_small_sim_soak_converges_and_prints_the_contract_keys():
    proc, report = soak(
        "--clients", "3", "--entities", "200", "--seconds", "3", "--writes-per-second", "50",
        "--transport", "sim", "--latency", "20ms", "--seed", "7",
    )  # fmt: skip
    assert proc.returncode == 0
    assert_contract_shape(report, 3)
    assert report["converged"] is True
    assert report["server_version"] > 0
    assert report["full_sync_s"]["syncs"] >= 3
    assert report["broadcast_latency_ms"]["samples"] > 0
    assert (report["divergences"], report["table_resyncs"]) == (0, 0)  # state hashes all agreed
    # Every batch crosses a 20 ms one-way link: no client applies one sooner.
    assert report["broadcast_latency_ms"]["p50"] >= 20.0


def test_the_same_seed_gives_the_same_sim_report():
    args = ("--clients", "2", "--entities", "100", "--seconds", "2", "--writes-per-second", "40",
            "--loss", "5%", "--seed", "11")  # fmt: skip
    assert soak(*args)[1] == soak(*args)[1]


def test_a_partitioned_client_catches_up_from_the_archive():
    # c1 is cut off for 15 s (past the 10 s idle timeout): its session ends, it resumes after the
    # partition and resubscribes from the version it held.
    proc, report = soak(
        "--clients", "2", "--entities", "100", "--seconds", "20", "--writes-per-second", "20",
        "--partition", "c1:2s:15s", "--seed", "3",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert report["converged"] is True
    assert report["catchups"]["archive"] >= 1
    assert report["resumes"] >= 1


def test_a_run_that_does_not_converge_exits_1_with_its_report():
    # No drain at all behind a 200 ms link: the last writes are still on their way at the end.
    proc, report = soak(
        "--clients", "2", "--entities", "50", "--seconds", "2", "--writes-per-second", "50",
        "--latency", "200ms", "--drain-timeout", "0", check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert report["converged"] is False
    assert report["settled"] is False
    assert report["clients_converged"] < 2


@pytest.mark.parametrize("transport", ["quic", "tcp", "ws"])
def test_a_small_soak_over_sockets_converges(transport):
    proc, report = soak(
        "--clients", "2", "--entities", "100", "--seconds", "2", "--writes-per-second", "50",
        "--transport", transport, "--latency", "10ms",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert_contract_shape(report, 2)
    assert report["converged"] is True
    assert report["transport"] == transport


@pytest.mark.parametrize(
    "args",
    [
        ("--latency", "50parsecs"),
        ("--loss", "lots"),
        ("--loss", "150%"),
        ("--partition", "c3:20s"),
        ("--partition", "c9:1s:2s"),
        ("--partition", "x1:1s:2s"),
        ("--partition", "c1:soon:2s"),
        ("--seconds", "forever"),
        ("--transport", "carrier-pigeon"),
        ("--clients", "many"),
        ("--server-share", "2"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args):
    base = {"--clients": "3", "--entities": "10", "--seconds": "1", "--writes-per-second": "10"}
    base.update(dict([args]))
    flat = [part for pair in base.items() for part in pair]
    proc = run_cli("data", "soak", *flat, "--json", check=False, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip(), "a bad argument is explained on stderr"
    assert proc.stdout.strip() == ""


def test_a_missing_required_argument_exits_2():
    proc = run_cli("data", "soak", "--clients", "2", "--json", check=False, timeout=60)
    assert proc.returncode == 2
    assert "required" in proc.stderr
