"""The README's first command lints examples/: it must show every default-on rule firing
(opt-in rules once selected), the near-misses written in the example must stay silent, and
pylint must agree. Expected findings are listed per family in ``tests/example_findings/``."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Set, Tuple

from flake8_backend_rules.registry import DEFAULT_OFF, RULES, RULES_BY_SYMBOL

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = ROOT / "tests" / "example_findings"


def _expected() -> Set[Tuple[str, int, str]]:
    """One file per family (``br00.txt`` ...), so families extend the example independently."""
    rows = set()
    for listing in sorted(FINDINGS.glob("*.txt")):
        for line in listing.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                path, row, code = line.strip().rsplit(":", 2)
                rows.add((path, int(row), code))
    return rows


EXPECTED = _expected()
DEFAULT_ON_EXPECTED = {row for row in EXPECTED if row[2] not in DEFAULT_OFF}


def flake8_findings(*extra: str) -> Set[Tuple[str, int, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "BR", "--format=%(path)s:%(row)d:%(code)s",
         *extra, "examples/"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    found = set()
    for line in result.stdout.splitlines():
        path, row, code = line.rsplit(":", 2)
        found.add((path, int(row), code))
    return found


def test_the_example_shows_every_rule_and_only_the_intended_findings() -> None:
    found = flake8_findings()
    assert found == DEFAULT_ON_EXPECTED
    assert {code for _, _, code in found} == set(RULES) - set(DEFAULT_OFF)


def test_opt_in_rules_fire_on_the_example_once_selected() -> None:
    found = flake8_findings("--extend-select=" + ",".join(DEFAULT_OFF or ("BR",)))
    assert found == EXPECTED
    assert {code for _, _, code in found} == set(RULES)


def test_pylint_agrees_on_the_example() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").rglob("*.py"))
    result = subprocess.run(
        [sys.executable, "-m", "pylint", "--rcfile=/dev/null", "--load-plugins=pylint_plugins.backend_rules",
         "--disable=all", "--enable=backend-rules", "--score=n", "--persistent=n",
         "--msg-template={path}:{line}:{symbol}", *files],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    found = set()
    for line in result.stdout.splitlines():
        match = re.match(r"^(.+):(\d+):([a-z-]+)$", line)
        if match:
            found.add((match.group(1), int(match.group(2)), RULES_BY_SYMBOL[match.group(3)].code))
    assert found == EXPECTED, result.stdout + result.stderr
