"""Scenario sweeps on Dask (theta_net.sweep, theta-net sweep): the grid checked before any run,
the same table whatever the workers, failures as rows, a real dask-scheduler with two dask-worker
processes of which one is killed mid-sweep, and Ctrl-C keeping the finished rows."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pandas
import pytest

import theta_net
from theta_net.errors import SweepError
from theta_net.sweeps import parse_key, parse_value
from theta_net.sweeps.task import figures, run_task

from conftest import run_cli

# A short scenario: two players walk on a superflat world over a lossy link.
SMALL = {
    "scenario": {"name": "sweep_small", "duration_ticks": 80, "tick_rate": 20, "seed": 3},
    "world": {"generator": "superflat", "view_radius": 2},
    "network": {"latency": "20ms", "loss": "2%"},
    "players": [
        {"name": "a", "actions": [{"from": 5, "to": 70, "move": ["forward"], "yaw": 90}]},
        {"name": "b", "actions": [{"from": 5, "to": 70, "move": ["left", "jump"]}]},
    ],
    "expect": [{"kind": "reconciliation_error_ms", "max_p95": 1000}],
}
# Long enough (a few tenths of a second a run) that a sweep of a dozen is still going when a
# worker is killed.
LONGER = {**SMALL, "scenario": {**SMALL["scenario"], "duration_ticks": 400}, "world": {"generator": "hills"}}


def without_wall(frame: pandas.DataFrame) -> pandas.DataFrame:
    return frame[[c for c in frame.columns if not c.startswith("wall_")]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the grid, checked before any run ------------------------------------------------------------


def test_keys_and_values_parse():
    assert parse_key("players[1].network.jitter") == ("players", 1, "network", "jitter")
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5 and parse_value("true") is True
    assert parse_value("50ms") == "50ms" and parse_value("2%") == "2%"
    for bad in ("", "network..loss", "players[x].name", "1abc"):
        with pytest.raises(SweepError):
            parse_key(bad)
    with pytest.raises(SweepError, match="seeds"):
        parse_key("scenario.seed")


@pytest.mark.parametrize(
    "grid, message",
    [
        ({"network.latncy": ["10ms"]}, "unknown key.*latncy"),
        ({"world.view_radius": ["x"]}, r"world.view_radius.*expected an integer"),
        ({"players[5].network.loss": [0]}, r"players has 2 entries, no \[5\]"),
        ({"network.loss": []}, "non-empty list"),
        ({"world.view_radius": [2, 99]}, "view_radius=99.*outside"),
    ],
)
def test_bad_grid_is_refused_before_any_run(tmp_path, grid, message):
    with pytest.raises(SweepError, match=message):
        theta_net.sweep(SMALL, grid=grid, out=tmp_path / "out", progress=False, workers=1)
    assert not (tmp_path / "out").exists()


def test_table_values_and_a_missing_program(tmp_path):
    # A value may be a list or a table, as the file's key takes: here the world's size.
    grid = theta_net.sweeps.Grid(SMALL, {"world.size": [[16, 16], [32, 32]]}, 1)
    assert [dict(r.values)["world.size"] for r in grid.runs] == [[16, 16], [32, 32]]
    program = {"scenario": {"name": "g"}, "game": {"name": "g", "program": "./nope.py"}}
    with pytest.raises(SweepError, match="nope.py"):
        theta_net.sweep(program, out=tmp_path / "out", progress=False, workers=1)
    assert not (tmp_path / "out").exists()


def test_bad_seeds_and_scenarios_are_refused(tmp_path):
    with pytest.raises(SweepError, match="seeds"):
        theta_net.sweep(SMALL, seeds=0, out=tmp_path, progress=False)
    with pytest.raises(SweepError, match="twice"):
        theta_net.sweep(SMALL, seeds=[1, 1], out=tmp_path, progress=False)
    with pytest.raises(SweepError, match="built in Python"):
        theta_net.sweep(theta_net.Scenario("scripted"), out=tmp_path, progress=False)
    with pytest.raises(SweepError, match="cannot read"):
        theta_net.sweep(tmp_path / "missing.toml", out=tmp_path, progress=False)
    with pytest.raises(SweepError, match="workers: 0"):
        theta_net.sweep(SMALL, out=tmp_path / "none", progress=False, workers=0)
    assert not (tmp_path / "none").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(SweepError, match="cannot make the folder"):
        theta_net.sweep(SMALL, out=tmp_path / "file" / "out", progress=False, workers=1)


def test_unreachable_scheduler_is_named(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(SweepError, match=f"cannot reach the Dask scheduler at {address}"):
        theta_net.sweep(SMALL, client=address, out=tmp_path, progress=False)
    assert not (tmp_path / "sweep.csv").exists()


# -- one run, in this process --------------------------------------------------------------------


def test_a_run_that_raises_is_a_row(tmp_path):
    task = {
        "run": "0000-x",
        "values": [["scenario.transport", "tcp"]],
        "seed": 1,
        "table": {**SMALL, "scenario": {**SMALL["scenario"], "transport": "tcp"}},
        "source": "<dict>",
        "path": None,
        "transport": None,
        "out": str(tmp_path / "run"),
        "streams": False,
    }
    task["table"]["players"] = [
        {"name": "a", "actions": [{"at": 10, "disconnect_ticks": 5}]},
    ]
    row = run_task(task)
    assert row["passed"] is False
    assert "cutting a client off" in row["error"], row
    assert row["scenario.transport"] == "tcp" and row["seed"] == 1


def test_figures_are_flat_per_client_and_meaned():
    summary = {
        "server": {"ticks": 10, "clients": 2, "entities": 2, "tick_time_us_mean": 5.0},
        "clients": {"a": {"rtt_ms": 10, "x": {"y": 1}, "chat": ["hi"]}, "b": {"rtt_ms": 30, "x": {"y": 3}}},
    }
    out = figures(summary, program=False)
    assert out["a.rtt_ms"] == 10 and out["b.x.y"] == 3 and out["all.mean.rtt_ms"] == 20
    assert out["server.clients"] == 2 and "server.tick_time_us_mean" not in out  # a wall figure
    assert not any("chat" in k for k in out)


# -- sweeps on a LocalCluster ---------------------------------------------------------------------


def test_sweep_table_is_the_same_whatever_the_workers(tmp_path):
    grid = {"network.latency": ["10ms", "60ms"], "players[0].count": [1, 3]}
    one = theta_net.sweep(SMALL, grid=grid, seeds=2, out=tmp_path / "one", progress=False, workers=1)
    two = theta_net.sweep(SMALL, grid=grid, seeds=2, out=tmp_path / "two", progress=False, workers=2)
    assert one.runs == two.runs == 8 and one.errors == 0
    assert list(one.table["run"]) == sorted(one.table["run"])
    pandas.testing.assert_frame_equal(without_wall(one.table), without_wall(two.table))
    assert list(one.table.columns[:6]) == [
        "run",
        "network.latency",
        "players[0].count",
        "seed",
        "passed",
        "error",
    ]
    assert any(c.startswith("wall_") for c in one.table.columns)
    # The player template: count = 3 makes a1..a3 beside b.
    clients = dict(zip(one.table["players[0].count"], one.table["server.clients"]))
    assert clients == {1: 2, 3: 4}
    assert {"a1.rtt_ms", "a3.corrections_per_minute", "b.correction_ms_p95"} <= set(one.table.columns)
    # Seeds: the scenario's own and the one after it.
    assert sorted(set(one.table["seed"])) == [3, 4]
    # Every run's metrics.json is in its folder, and the CSV is the table.
    for run in one.table["run"]:
        assert json.loads((tmp_path / "one" / run / "metrics.json").read_text())["scenario"] == "sweep_small"
        assert not (tmp_path / "one" / run / "server.jsonl").exists()  # streams only on request
    read = pandas.read_csv(one.csv)
    assert list(read["run"]) == list(one.table["run"])
    assert (tmp_path / "one" / "sweep.csv").read_text() != ""


def test_cli_sweep_json_and_exit_codes(tmp_path, repo):
    scenario = repo / "scenarios" / "partition.toml"
    out = tmp_path / "cli"
    done = run_cli(
        "sweep",
        str(scenario),
        "--grid",
        "scenario.transport=sim,tcp",
        "--seeds",
        "1",
        "--workers",
        "2",
        "--out",
        "cli",
        "--json",
        check=False,
        cwd=tmp_path,
    )
    # tcp cannot cut a client off: that run could not run, so the exit code is 1.
    assert done.returncode == 1, done.stderr
    answer = json.loads(done.stdout)
    assert answer == {
        "runs": 2,
        "passed": answer["passed"],
        "failed": answer["failed"],
        "table": "cli/sweep.csv",  # the table's path as the command was given it
    }
    assert answer["passed"] + answer["failed"] == 2 and answer["failed"] >= 1
    table = pandas.read_csv(out / "sweep.csv")
    errors = dict(zip(table["scenario.transport"], table["error"].fillna("")))
    assert errors["sim"] == "" and "cutting a client off" in errors["tcp"]

    bad = run_cli(
        "sweep", str(scenario), "--grid", "world.nope=1", "--out", str(tmp_path / "bad"), check=False
    )
    assert bad.returncode == 2 and "unknown key(s) nope" in bad.stderr
    bad = run_cli(
        "sweep", str(scenario), "--grid", "network.loss", "--out", str(tmp_path / "bad"), check=False
    )
    assert bad.returncode == 2 and "KEY=V1,V2" in bad.stderr


# -- a real dask-scheduler and dask-worker processes ----------------------------------------------


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def wait_for(condition, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def scheduler_and_workers():
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        start(
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            "127.0.0.1:0",
        )
    ]
    workers = [
        start(
            "distributed.cli.dask_worker",
            address,
            "--nthreads",
            "1",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
            "--name",
            f"w{i}",
        )
        for i in range(2)
    ]
    procs += workers
    try:
        from dask.distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def sweep_process(scenario, options, out, *flags, start_new_session=False) -> subprocess.Popen:
    """`theta-net sweep SCENARIO OPTIONS --out OUT FLAGS` as a running process."""
    command = [sys.executable, "-m", "theta_net", "sweep", str(scenario), *options, "--out", str(out), *flags]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=start_new_session,
    )


def test_scheduler_and_workers_survive_a_killed_worker(tmp_path, scheduler_and_workers, repo):
    address, workers = scheduler_and_workers
    scenario = tmp_path / "small.toml"
    scenario.write_text(toml(LONGER))
    out = tmp_path / "cluster"
    sweep = sweep_process(
        scenario,
        ["--grid", "network.latency=10ms,30ms,60ms", "--seeds", "4", "--scheduler", address],
        out,
        "--json",
    )
    try:
        # Once the first run has written its metrics and while worker 0 holds runs of the sweep,
        # kill it outright: the scheduler must give its runs to the other worker.
        wait_for(lambda: any(out.glob("*/metrics.json")) or sweep.poll() is not None, 120, "a first run")
        from dask.distributed import Client

        with Client(address, timeout=30) as client:
            w0 = next(a for a, w in client.scheduler_info()["workers"].items() if w["name"] == "w0")
            held = client.processing(workers=[w0])[w0]
            workers[0].send_signal(signal.SIGKILL)
        assert held, "worker 0 held no run when it was killed"
        stdout, stderr = sweep.communicate(timeout=300)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 0, stderr
    assert json.loads(stdout)["runs"] == 12
    table = pandas.read_csv(out / "sweep.csv")
    assert len(table) == 12 and table["error"].isna().all(), table["error"]
    local = theta_net.sweep(
        scenario,
        grid={"network.latency": ["10ms", "30ms", "60ms"]},
        seeds=4,
        out=tmp_path / "local",
        progress=False,
        workers=1,
    )
    # Through a scheduler, as on a LocalCluster: the same table.
    pandas.testing.assert_frame_equal(without_wall(table), without_wall(pandas.read_csv(local.csv)))


def test_ctrl_c_keeps_the_finished_rows(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(toml(SMALL))
    out = tmp_path / "interrupted"
    # As a terminal does (below): its own process group, so SIGINT reaches the cluster too.
    sweep = sweep_process(scenario, ["--seeds", "60", "--workers", "1"], out, start_new_session=True)
    try:
        wait_for(lambda: len(list(out.glob("*/row.json"))) >= 2 or sweep.poll() is not None, 120, "two runs")
        finished = {p.parent.name for p in out.glob("*/row.json")}
        # As a terminal does: SIGINT to the whole process group, the cluster's workers included.
        os.killpg(sweep.pid, signal.SIGINT)
        _, stderr = sweep.communicate(timeout=120)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    table = pandas.read_csv(out / "sweep.csv")
    # Every run finished before Ctrl-C is a row, whether or not its result had reached the sweep.
    assert 2 <= len(table) < 60
    assert finished - set(table["run"].astype(str)) == set(), (finished, list(table["run"]))
    assert table["error"].isna().all()


def toml(table) -> str:
    """A scenario's tables as TOML (enough of TOML for SMALL)."""

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return str(v)

    lines = []
    for name, body in table.items():
        if isinstance(body, list):
            for entry in body:
                lines.append(f"[[{name}]]")
                lines += [f"{k} = {value(v)}" for k, v in entry.items()]
        else:
            lines.append(f"[{name}]")
            lines += [f"{k} = {value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"
