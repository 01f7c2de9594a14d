"""Every C++ function returning Result/Status names its error codes (scripts/check_error_docs.py),
and the check itself notices a missing "Errors:" line, a misspelt code and a stale exclusion."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "check_error_docs.py"
_spec = importlib.util.spec_from_file_location("check_error_docs", SCRIPT)
check_error_docs = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = check_error_docs  # (dataclasses look their module up there)
_spec.loader.exec_module(check_error_docs)

RESULT_HPP = """enum class ErrorCode : std::uint16_t {
  kInvalidArgument = 1,  // the caller passed something the API does not accept
  kTruncated,            // input ended before a complete value
};
"""


def run_check(root: Path | None = None) -> subprocess.CompletedProcess:
    args = [sys.executable, str(SCRIPT)] + ([str(root)] if root else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def fake_tree(tmp_path: Path, header: str) -> Path:
    """A tree with result.hpp and one public header."""
    core = tmp_path / "cpp" / "include" / "theta_net" / "core"
    core.mkdir(parents=True)
    (core / "result.hpp").write_text(RESULT_HPP)
    (core / "thing.hpp").write_text(header)
    (tmp_path / "cpp" / "src").mkdir()
    return tmp_path


def test_every_result_and_status_function_names_its_error_codes():
    proc = run_check()
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_documented_declarations_pass(tmp_path):
    header = """
// Reads a thing.
// Errors: kTruncated (the input ends early),
// kInvalidArgument (a bad flag).
Result<std::vector<int>> read_thing(ByteSpan in,
                                    int flags);
// Overloads may share one comment.
// Errors: those of read_thing.
Status a();
Status b();
// Errors: none (it cannot fail today).
template <class T>
Result<T> c();
const Status& status() const { return status_; }
"""
    proc = run_check(fake_tree(tmp_path, header))
    assert proc.returncode == 0, proc.stdout


def test_a_declaration_without_errors_line_fails_naming_file_and_line(tmp_path):
    header = """// Errors: kTruncated (short).
Status fine();

// Reads a thing, but does not say how it fails.
Result<int> undocumented();
  static Status bare();
"""
    proc = run_check(fake_tree(tmp_path, header))
    assert proc.returncode == 1
    assert 'cpp/include/theta_net/core/thing.hpp:5: undocumented has no "Errors:" line' in proc.stdout
    assert "cpp/include/theta_net/core/thing.hpp:6: bare has no" in proc.stdout
    assert "fine" not in proc.stdout


def test_a_code_that_error_code_lacks_fails(tmp_path):
    header = """// Errors: kTruncated (short), kTrunacted (a typo).
Status spelt();
"""
    proc = run_check(fake_tree(tmp_path, header))
    assert proc.returncode == 1
    assert "spelt names codes that ErrorCode does not have: kTrunacted\n" in proc.stdout


def test_an_errors_line_naming_nothing_fails(tmp_path):
    proc = run_check(fake_tree(tmp_path, "// Errors: it may fail.\nStatus vague();\n"))
    assert proc.returncode == 1
    assert 'vague "Errors:" names no ErrorCode' in proc.stdout
