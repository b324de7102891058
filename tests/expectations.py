"""Fixture expectations: the expected findings are written on the offending line.

    x = Price.objects.get(pk=p.pk)  # error: BR002:9
    y = 1  # error: BR010:5, BR020:1

Each entry is ``CODE:COLUMN`` with the 1-based column flake8 prints. A fixture's path
relative to ``tests/fixtures`` is the path the rules see (so ``config/settings.py`` is a
settings module and ``shop/migrations/0001_initial.py`` a migration). Comparisons are
exact: a finding not written down fails the test, as does one written down and missing.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

FIXTURES = Path(__file__).parent / "fixtures"
_EXPECT = re.compile(r"#\s*error:\s*(?P<items>BR\d{3}:\d+(?:\s*,\s*BR\d{3}:\d+)*)")

Expectation = Tuple[int, int, str]  # (line, 1-based column, code)


def fixture_files() -> List[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py"))


def display_path(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def expected_findings(path: Path) -> List[Expectation]:
    found: List[Expectation] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if not match:
            continue
        for item in match.group("items").split(","):
            code, column = item.strip().split(":")
            found.append((number, int(column), code))
    return sorted(found)


def all_expectations() -> Dict[str, List[Expectation]]:
    return {display_path(p): expected_findings(p) for p in fixture_files()}


def codes_with_fixtures() -> Set[str]:
    return {code for items in all_expectations().values() for _, _, code in items}
