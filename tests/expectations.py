"""Fixture expectations: the expected findings are written on the offending line.

    x = Price.objects.get(pk=p.pk)  # error: BR002:9
    y = 1  # error: BR010:5, BR020:1

Each entry is ``CODE:COLUMN`` with the 1-based column flake8 prints. Fixtures sit in a
folder per rule (``tests/fixtures/BR031/``) or in ``tests/fixtures/shared/``; a fixture's
path relative to ``tests/fixtures`` is the path the rules see (so
``BR011/config/settings.py`` is a settings module and
``BR070/shop/migrations/0001_initial.py`` a migration). Comparisons are exact: a finding
not written down fails the test, as does one written down and missing. The messages are
pinned by each folder's snapshot (``messages.txt``, see ``tests/test_fixtures.py``).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

FIXTURES = Path(__file__).parent / "fixtures"
_EXPECT = re.compile(r"#\s*error:\s*(?P<items>BR\d{3}:\d+(?:\s*,\s*BR\d{3}:\d+)*)")

Expectation = Tuple[int, int, str]  # (line, 1-based column, code)


SNAPSHOT_NAME = "messages.txt"


def fixture_files() -> List[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py"))


def fixture_folders() -> List[Path]:
    """The folder of each rule (named for its code) and the shared one."""
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir())


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
