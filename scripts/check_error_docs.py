#!/usr/bin/env python3
"""Checks that every C++ function returning Result<...> or Status names its error codes.

    check_error_docs.py [--summary] [ROOT]

Every declaration in a header under cpp/include/theta_net/ or cpp/src/ whose return type is
`Result<...>` or `Status` must have, in the comment block right above it, a line that starts with
"Errors:" listing the ErrorCode values it can return, each with its condition, e.g.

    // Errors: kTruncated (fewer bytes than the header says), kCorrupt (a bad tag),
    // and those of read_frame.

(as ngtcp2 documents every function's error returns). Adjacent declarations with no blank line
or other code between them (overloads, u8/u16le/...) may share one comment. "Errors: none" says a
function cannot fail today. Every `kName (` in an Errors: text must be an ErrorCode enumerator
(cpp/include/theta_net/core/result.hpp), so a renamed or misspelt code is caught too.

Exits 1 naming file:line for each declaration that breaks the rule; --summary also prints how many
declarations each module documents. Standard library only.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Set

# Headers not checked: none since issue 13 (every module documents its errors). An entry that
# no longer exists (a header moved) is reported, so the list cannot go stale.
EXCLUDED: tuple = ()  # headers not checked (none: every module documents its errors)

HEADER_DIRS = ("cpp/include/theta_net", "cpp/src")
RESULT_HPP = "cpp/include/theta_net/core/result.hpp"

SPECIFIERS = re.compile(r"^(?:(?:static|virtual|inline|constexpr|friend|\[\[nodiscard\]\])\s+)*")
NAME_AND_PAREN = re.compile(r"\s+(~?[A-Za-z_]\w*(?:::\w+)*)\s*\(")
CODE_IN_ERRORS = re.compile(r"\b(k[A-Z]\w*)\s*\(")
NO_CODE_NEEDED = re.compile(r"\bnone\b|\bthose of\b")


@dataclass
class Declaration:
    path: str
    line: int  # 1-based
    name: str
    first: int  # 0-based index of its first line
    last: int  # 0-based index of the line where its parameter list closes


def error_codes(root: Path) -> Set[str]:
    """The enumerators of theta_net::ErrorCode."""
    text = (root / RESULT_HPP).read_text()
    body = re.search(r"enum class ErrorCode[^{]*\{(.*?)\};", text, re.S)
    if body is None:
        raise SystemExit(f"{RESULT_HPP}: enum class ErrorCode not found")
    return set(re.findall(r"^\s*(k\w+)", body.group(1), re.M))


def return_type_end(code: str) -> Optional[int]:
    """Where a leading `Result<...>` or `Status` return type ends in code, or None."""
    if code.startswith("Status"):
        return len("Status")
    if not code.startswith("Result<"):
        return None
    depth = 0
    for i, ch in enumerate(code):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def strip_comment(line: str) -> str:
    return line.split("//", 1)[0].strip()


def find_declarations(rel: str, lines: List[str]) -> List[Declaration]:
    found = []
    for i, line in enumerate(lines):
        code = SPECIFIERS.sub("", strip_comment(line), count=1)
        end = return_type_end(code)
        if end is None:
            continue
        match = NAME_AND_PAREN.match(code, end)
        if match is None:
            continue  # a variable or a reference-returning accessor, not a call that can fail
        last, depth = i, 0
        for j in range(i, len(lines)):
            text = strip_comment(lines[j])
            depth += text.count("(") - text.count(")")
            last = j
            if depth <= 0:
                break
        found.append(Declaration(rel, i + 1, match.group(1), i, last))
    return found


def comment_text(line: str) -> Optional[str]:
    stripped = line.strip()
    return stripped[2:].strip() if stripped.startswith("//") else None


def doc_block(lines: List[str], decl: Declaration, spans: Set[int]) -> Optional[List[str]]:
    """The comment block documenting decl: right above it, above any template<> line and above
    adjacent Result/Status declarations it is grouped with. None when there is none."""
    i = decl.first - 1
    while i >= 0:
        if comment_text(lines[i]) is not None:
            block = []
            while i >= 0 and comment_text(lines[i]) is not None:
                block.append(comment_text(lines[i]))
                i -= 1
            return block[::-1]
        if lines[i].strip().startswith("template") or i in spans:
            i -= 1
            continue
        return None  # a blank line, a brace, an access specifier or other code
    return None


def errors_problem(block: Optional[List[str]], codes: Set[str]) -> Optional[str]:
    """What is wrong with a declaration's comment block, or None when it names its errors."""
    if block is None:
        return "has no comment above it"
    starts = [n for n, text in enumerate(block) if text.startswith("Errors:")]
    if not starts:
        return 'has no "Errors:" line in the comment above it'
    first = starts[0]
    text = " ".join(block[first:])
    named = CODE_IN_ERRORS.findall(text)
    unknown = sorted(set(named) - codes)
    if unknown:
        return f"names codes that ErrorCode does not have: {', '.join(unknown)}"
    if not named and not NO_CODE_NEEDED.search(text):
        return '"Errors:" names no ErrorCode, "none" or "those of" a callee'
    return None


def headers(root: Path) -> List[Path]:
    paths = []
    for top in HEADER_DIRS:
        paths += sorted((root / top).rglob("*.hpp")) + sorted((root / top).rglob("*.h"))
    return paths


def module_of(rel: str) -> str:
    parts = rel.split("/")
    return parts[3] if parts[1] == "include" else parts[2] + " (private)"


def check(root: Path, summary: bool = False) -> int:
    codes = error_codes(root)
    problems, documented = [], Counter()
    for path in headers(root):
        rel = path.relative_to(root).as_posix()
        if rel == RESULT_HPP:
            continue
        lines = path.read_text().splitlines()
        decls = find_declarations(rel, lines)
        spans = {j for d in decls for j in range(d.first, d.last + 1)}
        for decl in decls:
            problem = errors_problem(doc_block(lines, decl, spans), codes)
            if problem:
                problems.append(f"{decl.path}:{decl.line}: {decl.name} {problem}")
            else:
                documented[module_of(rel)] += 1
    for problem in problems:
        print(problem)
    if summary:
        for module, count in sorted(documented.items()):
            print(f"{module}: {count} documented")
        print(f"total: {sum(documented.values())} documented, {len(problems)} not")
    if problems:
        print(
            f"{len(problems)} problem(s): every function returning Result/Status names its error "
            'codes in an "Errors:" line of the comment above it (scripts/check_error_docs.py)'
        )
        return 1
    return 0


def main(argv: List[str]) -> int:
    args = [a for a in argv if a != "--summary"]
    root = Path(args[0]) if args else Path(__file__).resolve().parents[1]
    return check(root.resolve(), summary="--summary" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
