#!/usr/bin/env python3
"""Reads the JUnit XML files of a test run and prints one line per suite, then the final
`N passed, N failed` line CI reads. Stages that failed without a report count as failures."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(path: Path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = skipped = 0
    for suite in suites:
        for case in suite.iter("testcase"):
            total += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
    return total, failed, skipped


def main() -> int:
    results = Path(sys.argv[1])
    failed_stages = [s for s in sys.argv[2:] if s]
    passed = failed = skipped = 0
    print("summary:")
    for path in sorted(results.glob("*.xml")):
        t, f, s = count(path)
        passed += t - f - s
        failed += f
        skipped += s
        print(f"  {path.stem:<16} {t - f - s:>5} passed {f:>4} failed {s:>4} skipped")
    for stage in failed_stages:
        print(f"  stage failed: {stage}")
    failed += len(failed_stages)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
