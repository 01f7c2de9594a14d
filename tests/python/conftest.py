"""Shared fixtures for the Python suite."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def venv_python() -> str:
    """The interpreter running the tests (the repository's .venv)."""
    return sys.executable


def pump(endpoints, done, timeout=10.0):
    """Polls every transport endpoint until done() is true or the timeout passes; returns done()."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            return False
        for e in endpoints:
            e.poll(0.001)
    return True


@pytest.fixture(scope="session")
def gen_protocol(repo):
    """scripts/gen_protocol.py as a module (the schema generator's Python API)."""
    sys.path.insert(0, str(repo / "scripts"))
    try:
        import gen_protocol as module
    finally:
        sys.path.pop(0)
    return module


def run_cli(*args: str, cwd: Path | None = None, check: bool = True, timeout: float = 300):
    """Runs `python -m theta_net ARGS` in a subprocess and returns the CompletedProcess."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.run(
        [sys.executable, "-m", "theta_net", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"theta-net {' '.join(args)} exited {proc.returncode}:\n" f"{proc.stdout}\n{proc.stderr}"
        )
    return proc
