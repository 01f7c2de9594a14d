"""Every code example in README.md, docs/*.md and the folder READMEs runs as written.

A document's ```python and ```sh blocks run in the order they appear, in one scratch directory
that holds copies of scenarios/ and replays/ (so examples can name them as a user in a checkout
does, and may write into them), is a git work tree and $TMPDIR, and has `theta-net`,
`.venv/bin/theta-net` and `.venv/bin/python` running the theta_net under test. The python blocks
of one document share one namespace, so a later block can use an earlier block's names. A sh
block runs under `bash -e` and fails on the first command that fails.

A block that is deliberately not run says so in its fence, ```python no-run or ```sh no-run: a
command that rebuilds or tests the whole project, runs until Ctrl-C, rewrites tracked files of the
checkout, or plays a scenario over real QUIC in real time. Blocks of other languages (cpp, toml,
json, plain text) are not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List

import pytest

import theta_net

from conftest import REPO

RUNNABLE = {"python", "sh"}
NO_RUN = "no-run"
# Fences that look like one of the runnable languages under another name: they would silently
# never run, so they are refused.
ALIASES = {"py", "python3", "pycon", "bash", "shell", "console", "shell-session", "zsh"}
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
SH_TIMEOUT = 60


@dataclass
class Block:
    doc: str  # path relative to the repository
    line: int  # line of the opening fence
    language: str
    runs: bool
    code: str

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def documents() -> List[Path]:
    docs = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    tracked = subprocess.run(
        ["git", "ls-files", "--", "*/README.md"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.split()
    folders = tracked or [
        p.relative_to(REPO).as_posix()
        for p in REPO.glob("*/**/README.md")
        if not p.relative_to(REPO).parts[0].startswith((".", "build"))
    ]
    docs += [REPO / name for name in sorted(folders)]
    return [p for p in docs if p.exists()]


def blocks_of(path: Path) -> List[Block]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        words = match.group(1).split()
        if not words:
            continue
        language, flags = words[0], words[1:]
        found.append(
            Block(
                doc=path.relative_to(REPO).as_posix(),
                line=text.count("\n", 0, match.start()) + 1,
                language=language,
                runs=language in RUNNABLE and NO_RUN not in flags,
                code=match.group(2),
            )
        )
    return found


ALL_BLOCKS = {p.relative_to(REPO).as_posix(): blocks_of(p) for p in documents()}
RUN_DOCS = sorted(doc for doc, blocks in ALL_BLOCKS.items() if any(b.runs for b in blocks))


def _write_script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A directory laid out like a checkout for the examples, with the theta_net under test."""
    for folder in ("scenarios", "replays"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    package_root = str(Path(theta_net.__file__).resolve().parents[1])
    pythonpath = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    cli = f'#!/bin/sh\nexec "{sys.executable}" -m theta_net "$@"\n'
    _write_script(tmp_path / "bin" / "theta-net", cli)
    _write_script(tmp_path / ".venv" / "bin" / "theta-net", cli)
    _write_script(tmp_path / ".venv" / "bin" / "python", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (tmp_path / "tmp").mkdir()
    env = dict(
        os.environ,
        PYTHONPATH=pythonpath,
        PYTHONUNBUFFERED="1",
        TMPDIR=str(tmp_path / "tmp"),
        PATH=os.pathsep.join([str(tmp_path / "bin"), os.environ.get("PATH", "")]),
        GIT_AUTHOR_NAME="docs",
        GIT_AUTHOR_EMAIL="docs@example.invalid",
        GIT_COMMITTER_NAME="docs",
        GIT_COMMITTER_EMAIL="docs@example.invalid",
    )
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(tmp_path)], env=env, check=True)
    monkeypatch.chdir(tmp_path)
    return env


def _run_python(block: Block, namespace: dict) -> None:
    # Padding keeps the line numbers of a traceback those of the document.
    code = compile("\n" * block.line + block.code, block.where, "exec")
    try:
        exec(code, namespace)
    except Exception as error:  # the test names the block, then pytest shows the traceback
        raise AssertionError(
            f"the python example at {block.where} failed: " f"{type(error).__name__}: {error}"
        ) from error


def _run_sh(block: Block, env: dict) -> None:
    proc = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.code],
        env=env,
        capture_output=True,
        text=True,
        timeout=SH_TIMEOUT,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"the sh example at {block.where} exited {proc.returncode}:\n"
            f"{block.code}\n--- stdout\n{proc.stdout[-4000:]}\n"
            f"--- stderr\n{proc.stderr[-4000:]}"
        )


@pytest.mark.parametrize("doc", RUN_DOCS)
def test_the_examples_of_a_document_run_as_written(doc, scratch):
    namespace = {"__name__": "__doc_example__"}
    for block in ALL_BLOCKS[doc]:
        if not block.runs:
            continue
        if block.language == "python":
            _run_python(block, namespace)
        else:
            _run_sh(block, scratch)


def test_examples_are_found_in_the_readme_and_the_docs():
    # Guards the extraction itself: if the fences changed shape, nothing would run and every
    # test above would pass on nothing.
    python_docs = {
        doc for doc, blocks in ALL_BLOCKS.items() if any(b.runs and b.language == "python" for b in blocks)
    }
    assert {"README.md", "docs/game.md", "docs/replay.md"} <= python_docs
    assert sum(b.runs for blocks in ALL_BLOCKS.values() for b in blocks) >= 10


def test_every_fence_names_a_language_the_test_understands():
    wrong = [
        f"{b.where}: ```{b.language}"
        for blocks in ALL_BLOCKS.values()
        for b in blocks
        if b.language in ALIASES
    ]
    assert not wrong, "write ```python or ```sh (with no-run if it must not run): " + ", ".join(wrong)


def test_no_run_is_the_exception():
    python = [b for blocks in ALL_BLOCKS.values() for b in blocks if b.language == "python"]
    skipped = [b.where for b in python if not b.runs]
    assert len(skipped) * 4 <= len(python), f"too many python examples marked no-run: {skipped}"
