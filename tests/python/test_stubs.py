"""The type stubs of the extension are generated from it and must be in sync."""

from __future__ import annotations

import subprocess
import sys


def test_core_stubs_are_in_sync(repo):
    proc = subprocess.run(
        [sys.executable, str(repo / "scripts" / "gen_stubs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


def test_stubs_name_every_public_symbol(repo):
    import theta_net._core as core

    stub = (repo / "python" / "theta_net" / "_core.pyi").read_text()
    for name in dir(core):
        if not name.startswith("_"):
            assert f"def {name}(" in stub or f"class {name}" in stub or f"{name}:" in stub, name


def test_stubs_are_valid_python(repo):
    """A type checker reads the stub as Python: no required argument may follow one with a default
    (pybind11 accepts such signatures; Python does not)."""
    import ast

    ast.parse((repo / "python" / "theta_net" / "_core.pyi").read_text())
