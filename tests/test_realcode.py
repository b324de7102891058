"""Smoke test on real code: the Django source distribution from PyPI.

The sdist is downloaded once into ``.cache/realcode/`` (``tests/realcode.py``); without
network and without a cached copy the tests are skipped, not failed.

* Every module that parses goes through the engine in strict mode (a check's exception
  is re-raised instead of skipped), test modules included: not one exception is allowed.
* Real flake8 runs end to end as a subprocess and must neither crash nor report a
  plugin error, and must report exactly what the engine finds on the same files.
"""
from __future__ import annotations

import re
import subprocess
import sys
import traceback
from pathlib import Path
from typing import List, Set, Tuple

import pytest

from flake8_backend_rules.engine import Engine
from flake8_backend_rules.options import DEFAULT_OPTIONS, build_options
from flake8_backend_rules.registry import DEFAULT_OFF, RULES
from tests.realcode import ParsedModule, RealCodeUnavailable, fetch_source, parse_all

pytestmark = pytest.mark.slow

PACKAGE = "django"  # pinned in tests/realcode.py
# flake8 runs every installed plugin (pycodestyle, pyflakes, bugbear...) whatever
# --select says. On 2 cores the whole sdist (2,822 files, 492k lines) took 62 s with the
# machine otherwise idle and 118 s with the other core busy, as it is under
# `pytest -n 2`; the `django/` package alone (885 files, 159k lines) took 20-40 s. And
# with default options the rest of the sdist is Django's test suite, which the plugin
# skips: the whole run reported the same 50 findings as `django/` alone. So flake8 runs
# on `django/`; the strict engine test covers every file, test suite included.
FLAKE8_SUBTREE = "django"

FLAKE8_LINE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<row>\d+):(?P<col>\d+): (?P<code>BR\d{3}) \S.*$")

Key = Tuple[str, int, int, str]  # (path, line, 1-based column, code), as flake8 prints


@pytest.fixture(scope="module")
def source_root() -> Path:
    try:
        return fetch_source(PACKAGE)
    except RealCodeUnavailable as exc:
        pytest.skip(f"the {PACKAGE} sdist is not cached and cannot be downloaded: {exc}")


@pytest.fixture(scope="module")
def parsed(source_root: Path) -> List[ParsedModule]:
    modules, failed = parse_all(source_root)
    # Django ships one file with a deliberate syntax error for its own test runner.
    assert len(failed) <= 5, failed
    assert len(modules) > 1000
    return modules


def test_strict_engine_raises_on_no_real_module(parsed: List[ParsedModule]) -> None:
    engine = Engine(None, build_options({"backend_check_tests": True}), strict=True)
    failures: List[str] = []
    codes: Set[str] = set()
    test_modules_with_findings = 0
    for module in parsed:
        try:
            findings = engine.run(module.tree, module.path)
        except Exception:  # collected, so one run names every failing file
            failures.append(f"{module.path}:\n{traceback.format_exc()}")
            continue
        for finding in findings:
            codes.add(finding.code)
            assert finding.code in RULES
            assert 1 <= finding.line <= max(1, len(module.lines)), (module.path, finding)
            assert finding.col >= 0 and finding.message.startswith(finding.code + " ")
        if findings and ("/tests/" in f"/{module.path}" or module.path.rsplit("/", 1)[-1].startswith("test")):
            test_modules_with_findings += 1
    assert not failures, f"{len(failures)} module(s) raised in strict mode:\n\n" + "\n".join(failures[:5])
    # Django reads the environment and catches broad exceptions in places: the rules
    # are live on real code, and test modules really were checked.
    assert {"BR010", "BR020"} <= codes, codes
    assert test_modules_with_findings > 0


def _engine_keys(parsed: List[ParsedModule], prefix: str, root: Path) -> Set[Key]:
    """What flake8 should print for the modules under ``prefix``: the engine's findings
    (default options, as ``--isolated`` gives, and the project model of ``root``, as
    flake8 builds it) less those a ``# noqa`` comment silences, decided by flake8's own rule."""
    from flake8.violation import Violation

    from flake8_backend_rules.project import ProjectModels

    engine = Engine(None, DEFAULT_OPTIONS, strict=True, project=ProjectModels(use_cache=False))
    keys: Set[Key] = set()
    for module in parsed:
        if not module.path.startswith(prefix + "/"):
            continue
        for finding in engine.run(module.tree, module.path, path=str(root / module.path), lines=module.lines):
            physical = module.lines[finding.line - 1] if finding.line <= len(module.lines) else ""
            violation = Violation(finding.code, module.path, finding.line, finding.col + 1,
                                  finding.message, physical)
            if not violation.is_inline_ignored(disable_noqa=False):
                keys.add((module.path, finding.line, finding.col + 1, finding.code))
    return keys


def test_flake8_end_to_end_on_django(source_root: Path, parsed: List[ParsedModule]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "BR",
         *(["--extend-select", ",".join(DEFAULT_OFF)] if DEFAULT_OFF else []), "-j", "2", FLAKE8_SUBTREE],
        cwd=source_root, capture_output=True, text=True, timeout=1800,
    )
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    assert "flake8-backend-rules" not in result.stderr, result.stderr[-5000:]
    assert result.returncode in (0, 1), result.stderr[-5000:]

    lines = result.stdout.splitlines()
    assert lines, "no finding on Django: the plugin did not run"
    bad = [line for line in lines if not FLAKE8_LINE.match(line)]
    assert not bad, bad[:10]

    reported: Set[Key] = set()
    for line in lines:
        match = FLAKE8_LINE.match(line)
        assert match is not None
        path = match["path"][2:] if match["path"].startswith("./") else match["path"]
        reported.add((path, int(match["row"]), int(match["col"]), match["code"]))
    assert len(reported) == len(lines), "a finding was printed twice"
    assert result.returncode == 1
    # Through flake8's option parsing, plugin loading, multiprocessing and noqa handling,
    # the same findings as the engine run in-process over the same trees.
    expected = _engine_keys(parsed, FLAKE8_SUBTREE, source_root)
    assert reported == expected, {"only flake8": sorted(reported - expected)[:10],
                                  "only engine": sorted(expected - reported)[:10]}
