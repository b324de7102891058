"""Every fixture, through the engine in-process, gives exactly the findings written on its lines.

The fixture's path below ``tests/fixtures`` is the filename the rules see, so module kinds
(settings, migrations, tests...) come from the fixture tree's layout. Strict mode makes a
rule that raises fail the test instead of being skipped silently, and every rule is on,
opt-in ones included, so an unexpected finding of any rule fails too.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import List, Tuple

import pytest

from flake8_backend_rules.engine import Engine
from flake8_backend_rules.options import build_options
from tests.expectations import display_path, expected_findings, fixture_files

Finding = Tuple[int, int, str]

FIXTURES: List[Path] = fixture_files()
ENGINE = Engine(None, build_options({"backend_check_tests": False}), strict=True)


def engine_findings(path: Path) -> List[Finding]:
    """(line, 1-based column, code) as flake8 would print them, sorted."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    return sorted((f.line, f.col + 1, f.code) for f in ENGINE.run(tree, display_path(path)))


def test_fixture_tree_is_not_empty() -> None:
    # An empty parametrization would make the suite pass vacuously.
    assert FIXTURES, "no fixtures found under tests/fixtures"


@pytest.mark.parametrize("path", FIXTURES, ids=[display_path(p) for p in FIXTURES])
def test_fixture_findings_are_exactly_the_written_expectations(path: Path) -> None:
    actual = engine_findings(path)
    expected = expected_findings(path)
    unexpected = sorted(set(actual) - set(expected))
    missing = sorted(set(expected) - set(actual))
    assert actual == expected, (
        f"{display_path(path)}: unexpected (line, col, code) {unexpected}; missing {missing}"
    )
