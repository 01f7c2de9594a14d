"""The command line: `python -m theta_net`, the `theta-net` script and the self-test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import theta_net

from conftest import run_cli


def test_module_version_matches_package(tmp_path):
    proc = run_cli("--version", cwd=tmp_path)
    assert proc.stdout.strip() == f"theta-net {theta_net.__version__}"


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "theta-net"
    assert script.exists(), "pip install should create the theta-net console script"
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert theta_net.__version__ in proc.stdout


def test_selftest_passes_published_vectors():
    proc = run_cli("selftest")
    assert "0 failed" in proc.stdout
    assert "FAIL " not in proc.stdout


def test_no_subcommand_prints_help_and_fails():
    proc = run_cli(check=False)
    assert proc.returncode == 2
    assert "usage: theta-net" in proc.stdout
