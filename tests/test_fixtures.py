"""Every fixture, through the engine in-process, gives exactly the findings written on its
lines, with exactly the messages of its folder's snapshot.

Fixtures live in a folder per rule (``tests/fixtures/BR031/...``) and near-misses shared
by several rules in ``tests/fixtures/shared/``. The path below ``tests/fixtures`` is the
filename the rules see, so module kinds (settings, migrations, tests...) come from the
layout under the folder. Each folder is a small project of its own (its ``setup.cfg``
marks the root) that the project model reads: a model in ``models.py``, used by views,
serializers and services in other modules. Strict mode makes a rule that raises fail the test instead of
being skipped silently, and every rule is on, opt-in ones included, so an unexpected
finding of any rule fails too.

The expected ``(line, column, code)`` of each finding is written on its line
(``# error: BR031:9``); the messages are pinned by a snapshot per folder,
``tests/fixtures/<folder>/messages.txt``, one ``path:line:col: message`` per finding.
After an intended change of wording, rewrite the snapshots and review the diff::

    BACKEND_RULES_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_fixtures.py
"""
from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import List, Tuple

import pytest

from flake8_backend_rules.engine import Engine
from flake8_backend_rules.options import build_options
from flake8_backend_rules.project import ProjectModels
from tests.expectations import (
    SNAPSHOT_NAME,
    display_path,
    expected_findings,
    fixture_files,
    fixture_folders,
)

Finding = Tuple[int, int, str]

FIXTURES: List[Path] = fixture_files()
FOLDERS: List[Path] = fixture_folders()
# Each fixture folder is a project of its own (a setup.cfg marks its root) for the project
# model; the path the rules see is relative to tests/fixtures, the model finds the file.
ENGINE = Engine(None, build_options({"backend_check_tests": False}), strict=True,
                project=ProjectModels(use_cache=False))
UPDATE = os.environ.get("BACKEND_RULES_UPDATE_SNAPSHOTS") == "1"


def _run(path: Path):
    tree = ast.parse(path.read_bytes(), filename=str(path))
    return ENGINE.run(tree, display_path(path), path=str(path))


def engine_findings(path: Path) -> List[Finding]:
    """(line, 1-based column, code) as flake8 would print them, sorted."""
    return sorted((f.line, f.col + 1, f.code) for f in _run(path))


def test_fixture_tree_is_not_empty() -> None:
    # An empty parametrization would make the suite pass vacuously.
    assert FIXTURES, "no fixtures found under tests/fixtures"
    assert FOLDERS


@pytest.mark.parametrize("folder", FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_each_fixture_folder_is_a_project_of_its_own(folder: Path) -> None:
    """Without its marker the model would read the whole repository as one project."""
    assert (folder / "setup.cfg").is_file(), f"{folder.name} needs a setup.cfg marking it as a project root"


@pytest.mark.parametrize("path", FIXTURES, ids=[display_path(p) for p in FIXTURES])
def test_fixture_findings_are_exactly_the_written_expectations(path: Path) -> None:
    actual = engine_findings(path)
    expected = expected_findings(path)
    unexpected = sorted(set(actual) - set(expected))
    missing = sorted(set(expected) - set(actual))
    assert actual == expected, (
        f"{display_path(path)}: unexpected (line, col, code) {unexpected}; missing {missing}"
    )


def snapshot_of(folder: Path) -> str:
    lines = []
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).as_posix()
        for finding in sorted(_run(path), key=lambda f: (f.line, f.col, f.code)):
            lines.append(f"{relative}:{finding.line}:{finding.col + 1}: {finding.message}")
    return "\n".join(lines) + "\n" if lines else ""


@pytest.mark.parametrize("folder", FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_fixture_messages_are_exactly_the_snapshot(folder: Path) -> None:
    actual = snapshot_of(folder)
    snapshot = folder / SNAPSHOT_NAME
    if UPDATE:
        if actual:
            snapshot.write_text(actual, encoding="utf-8")
        elif snapshot.exists():
            snapshot.unlink()
    expected = snapshot.read_text(encoding="utf-8") if snapshot.exists() else ""
    assert actual == expected, (
        f"{folder.name}: the messages differ from {SNAPSHOT_NAME}; if the change is intended, rerun with "
        "BACKEND_RULES_UPDATE_SNAPSHOTS=1 and review the diff"
    )
