"""Packaging: versions agree, and a plain (non-editable) pip install works in a new venv."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from importlib import metadata

import theta_net


def test_versions_agree(repo):
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    cmake = re.search(r"project\(theta_net VERSION (\S+)", (repo / "CMakeLists.txt").read_text())
    assert cmake and cmake.group(1) == pyproject
    assert theta_net.__version__ == pyproject
    assert metadata.version("theta-net") == pyproject


def test_non_editable_install_in_a_fresh_venv(repo, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(
        ["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120
    )
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    proc = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-build-isolation", str(repo)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    # Import from an unrelated folder: the installed copy, not the checkout, must be found.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import theta_net, sys; "
        "assert 'site-packages' in theta_net.__file__, theta_net.__file__; "
        "print(theta_net.__version__, theta_net.crc32c(b'123456789'))"
    )
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], cwd=elsewhere, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [theta_net.__version__, str(0xE3069283)]
    proc = subprocess.run(
        [str(venv / "bin" / "theta-net"), "--version"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and theta_net.__version__ in proc.stdout
