"""The TypeScript client's own checks, run from the Python suite so that `./dev test` runs them:
`npm run typecheck` (tsc strict), `npm run build` (the ESM bundle web/dist/theta_net.js) and
`npm test` (node's test runner: the handshake, full sync, deltas, accepted and refused writes
against a real `theta-net serve`, and the decoders with corrupt bytes). Node and the web packages
are required: a missing one fails the test rather than skipping it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import theta_net

from conftest import REPO

WEB = REPO / "web"


def npm(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(["npm", *args], cwd=WEB, env=env, capture_output=True, text=True, timeout=timeout)
    assert (
        proc.returncode == 0
    ), f"npm {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def cli_under_test(directory: Path) -> Path:
    """An executable `theta-net` running this interpreter and the theta_net package under test."""
    package_root = Path(theta_net.__file__).resolve().parents[1]
    script = directory / "theta-net"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{package_root}" exec "{sys.executable}" -m theta_net "$@"\n')
    script.chmod(0o755)
    return script


def test_typescript_client_typechecks_builds_and_passes_its_node_tests(tmp_path):
    assert shutil.which("node"), "node is required for the TypeScript client (apt-get install nodejs)"
    assert shutil.which("npm"), "npm is required for the TypeScript client (apt-get install npm)"
    if not (WEB / "node_modules").is_dir():
        npm("ci", "--no-audit", "--no-fund")
    npm("run", "typecheck")
    npm("run", "build")
    bundle = WEB / "dist" / "theta_net.js"
    assert bundle.stat().st_size > 10_000
    env = dict(os.environ, THETA_NET_CLI=str(cli_under_test(tmp_path)))
    result = npm("test", env=env)
    summary = result.stdout
    assert "# fail 0" in summary and "# pass 0" not in summary, summary
