"""The README's first command lints examples/: it must show every shipped rule firing,
the near-misses written in the example must stay silent, and pylint must agree."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Set, Tuple

from flake8_backend_rules.registry import RULES, RULES_BY_SYMBOL

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    ("examples/catalog_api/routers/products.py", 11, "BR010"),
    ("examples/catalog_api/routers/products.py", 20, "BR002"),
    ("examples/shop/models.py", 20, "BR001"),
    ("examples/shop/models.py", 25, "BR001"),
    ("examples/shop/notifications.py", 12, "BR020"),
    ("examples/shop/notifications.py", 19, "BR010"),
    ("examples/shop/views.py", 11, "BR002"),
    ("examples/shop/views.py", 23, "BR002"),
    ("examples/shop/views.py", 33, "BR021"),
}


def flake8_findings() -> Set[Tuple[str, int, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "BR", "--format=%(path)s:%(row)d:%(code)s",
         "examples/"],
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
