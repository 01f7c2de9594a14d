"""The scenario and replay commands: theta-net run, theta-net connect against theta-net serve,
theta-net replay record and replay run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, run_cli


def test_run_prints_a_summary_and_writes_metrics(tmp_path):
    proc = run_cli(
        "run",
        str(REPO / "scenarios" / "partition.toml"),
        "--transport",
        "sim",
        "--out",
        str(tmp_path),
        "--progress",
    )
    assert "partition over sim: passed (10/10 expectations)" in proc.stdout
    assert "ok   b reconnects and resumes its session" in proc.stdout
    assert "tick 480/480" in proc.stderr  # the progress bar reached the end
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["passed"] and metrics["summary"]["clients"]["b"]["resumes"] == 1


@pytest.mark.parametrize("transport", ["tcp", "ws"])
def test_run_plays_a_scenario_file_over_a_byte_stream(transport, tmp_path):
    scenario = tmp_path / "over_tcp.toml"
    scenario.write_text(
        "[scenario]\nname='over_tcp'\nduration_ticks=80\n"
        "[world]\ngenerator='superflat'\nview_radius=2\n"
        "[network]\nlatency='20ms'\n"
        "[[players]]\nname='a'\nactions=[{at=10, place=[0,3,2], block='planks'}]\n"
        "[[players]]\nname='b'\n"
        "[[expect]]\nkind='block'\nclient='b'\nat=[0,4,2]\nblock='planks'\n"
    )
    proc = run_cli("run", str(scenario), "--transport", transport, "--out", str(tmp_path / "out"))
    assert f"over_tcp over {transport}: passed (1/1 expectations)" in proc.stdout
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["transport"] == transport
    assert 30 <= metrics["summary"]["clients"]["b"]["rtt_ms"] <= 200  # 20 ms each way, relayed


def test_run_exits_1_when_an_expectation_fails_and_2_on_a_bad_file(tmp_path):
    failing = tmp_path / "failing.toml"
    failing.write_text(
        "[scenario]\nname='failing'\nduration_ticks=40\n[[players]]\nname='a'\n"
        "[[expect]]\nkind='block'\nclient='a'\nat=[0,4,2]\nblock='glass'\n"
    )
    proc = run_cli("run", str(failing), "--out", str(tmp_path / "out"), check=False)
    assert proc.returncode == 1 and "FAIL a sees glass at (0, 4, 2)" in proc.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname='bad'\n[[players]]\nname='a'\nactions=[{at=1, move='fly'}]\n")
    proc = run_cli("run", str(bad), check=False)
    assert proc.returncode == 2 and "players[0].actions[0].move: 'fly'" in proc.stderr


def test_connect_plays_against_serve():
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "theta_net",
            "serve",
            "--port",
            "0",
            "--duration",
            "20",
            "--terrain",
            "superflat",
            "--view-radius",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = serve.stdout.readline()
        port = int(first.split("127.0.0.1:")[1].split()[0])
        proc = run_cli("connect", f"127.0.0.1:{port}", "--name", "bot", "--duration", "8", timeout=60)
        assert f"joined 127.0.0.1:{port} as 'bot'" in proc.stdout
        assert "[   1.0] joined" in proc.stdout
    finally:
        serve.terminate()
        out = serve.communicate(timeout=30)[0]
    assert "client 'bot'" in out


@pytest.mark.parametrize("tls", [False, True])
def test_serve_with_a_stream_port_takes_tcp_and_websocket_players(tls):
    """One server: QUIC on --port, theta/1 records and WebSocket on --stream-port, a player of
    each kind in the same world; with --stream-tls both over TLS, the players pinning the
    certificate the server printed."""
    serve = subprocess.Popen(
        [
            sys.executable, "-m", "theta_net", "serve", "--port", "0", "--stream-port", "0",
            "--duration", "25", "--terrain", "superflat", "--view-radius", "2",
        ] + (["--stream-tls"] if tls else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        first = serve.stdout.readline()
        assert first.startswith("theta-net serve: listening on"), first
        lines = [serve.stdout.readline() for _ in range(4 if tls else 3)]
        stream = [line for line in lines if "also on TCP" in line]
        assert stream, lines
        stream_port = int(stream[0].split("also on TCP 127.0.0.1:")[1].split()[0])
        pin = [line.split()[-1] for line in lines if "stream certificate sha256" in line]
        assert bool(pin) == tls, lines
        secure = ["--tls", "--pin", pin[0]] if tls else []
        players = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "theta_net",
                    "connect",
                    f"127.0.0.1:{stream_port}",
                    "--transport",
                    transport,
                    "--name",
                    f"over-{transport}",
                    "--duration",
                    "6",
                ]
                + secure,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            for transport in ("tcp", "ws")
        ]
        outputs = [p.communicate(timeout=60)[0] for p in players]
        for transport, out, p in zip(("tcp", "ws"), outputs, players):
            assert p.returncode == 0, out
            assert f"as 'over-{transport}'" in out, out
            assert "[   1.0] joined" in out, out
    finally:
        serve.terminate()
        out = serve.communicate(timeout=30)[0]
    assert "client 'over-tcp'" in out and "client 'over-ws'" in out, out


def test_connect_suspended_past_the_idle_timeout_resumes_and_counts_its_whole_run():
    """`theta-net connect` stopped with SIGSTOP for 12 s (past the 10 s idle timeout) as a laptop
    lid or a debugger would: on waking it notices at once that the server let go, resumes its
    session on a new connection, prints one status line for the gap, and its summary covers the
    whole run."""
    serve = subprocess.Popen(
        [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--duration", "40"]
        + ["--terrain", "superflat", "--view-radius", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        port = int(serve.stdout.readline().split("127.0.0.1:")[1].split()[0])
        bot = subprocess.Popen(
            [sys.executable, "-m", "theta_net", "connect", f"127.0.0.1:{port}", "--duration", "22"]
            + ["--no-walk", "--no-build"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = []
        for line in bot.stdout:  # wait until it has played for a while
            lines.append(line)
            if line.startswith("[   3.0]"):
                break
        bot.send_signal(signal.SIGSTOP)
        time.sleep(12)
        bot.send_signal(signal.SIGCONT)
        rest = bot.communicate(timeout=60)[0]
        lines += rest.splitlines(keepends=True)
    finally:
        if "bot" in locals() and bot.poll() is None:
            bot.kill()
        serve.terminate()
        serve.communicate(timeout=30)
    out = "".join(lines)
    assert bot.returncode == 0, out
    assert f"joined 2 times (1 resumed) 127.0.0.1:{port}" in out, out
    assert "1 pauses" in out, out
    status = [line for line in lines if line.startswith("[")]
    assert len(status) <= 22 - 12 + 2, out  # no screenful of lines for the seconds it slept
    received_kib = int(out.rsplit("ms, 1 pauses, ", 1)[1].split(" KiB")[0])
    assert received_kib > 0
    # Rejoined within a second or two of waking: the status lines after the gap say joined.
    woke = next(i for i, line in enumerate(status) if float(line[1:7]) >= 15.0)
    assert all(" joined," in line for line in status[woke + 2 :]), out


def test_connect_to_nobody_fails_cleanly():
    proc = run_cli("connect", "127.0.0.1:9", "--duration", "2", check=False, timeout=60)
    assert proc.returncode == 1 and "never joined 127.0.0.1:9" in proc.stdout


def test_replay_record_then_run_reproduces_the_server_stream(tmp_path):
    out = tmp_path / "golden"
    proc = run_cli("replay", "record", str(REPO / "scenarios" / "lossy.toml"), "--out", str(out))
    assert "lossy over sim: passed" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["inputs.jsonl", "server.jsonl"]
    proc = run_cli(
        "replay",
        "run",
        str(out / "inputs.jsonl"),
        "--expect",
        str(out / "server.jsonl"),
        "--out",
        str(tmp_path / "again.jsonl"),
    )
    assert "byte-identical to" in proc.stdout
    # A stream that is not the one recorded is reported as different (exit code 1).
    other = tmp_path / "other.jsonl"
    lines = (out / "server.jsonl").read_text().splitlines(keepends=True)
    other.write_text("".join(lines[:-2]))
    proc = run_cli("replay", "run", str(out / "inputs.jsonl"), "--expect", str(other), check=False)
    assert proc.returncode == 1 and "different:" in proc.stdout
