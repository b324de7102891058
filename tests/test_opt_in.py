"""Opt-in rules under flake8: an explicit `--select=BR` (the pre-commit hook, the README's
first command) must not turn them on; naming them (`--extend-select=BR034`, or the family
`BR03`) does."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Set

import pytest

SOURCE = '''
from shop.models import Order, OrderLine


def place_order(customer):
    order = Order.objects.create(customer=customer)
    OrderLine.objects.create(order=order)
'''


def codes(tmp_path: Path, *args: str) -> Set[str]:
    target = tmp_path / "orders.py"
    target.write_text(SOURCE)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--format=%(code)s", *args, str(target)],
        capture_output=True, text=True, timeout=120,
    )
    return {line.strip() for line in result.stdout.splitlines() if line.strip().startswith("BR")}


@pytest.mark.parametrize(
    "args, shown",
    [
        (["--select=BR"], False),
        ([], False),
        (["--select=BR", "--extend-select=BR034"], True),
        (["--select=BR03"], True),
        (["--extend-select=BR034"], True),
        (["--extend-select=BR0"], True),
        (["--select=BR0"], True),
        (["--select=BR", "--extend-select=BR034", "--extend-ignore=BR034"], False),
    ],
)
def test_opt_in_rule_needs_to_be_named(tmp_path: Path, args: List[str], shown: bool) -> None:
    assert ("BR034" in codes(tmp_path, *args)) is shown


@pytest.mark.parametrize(
    "entries, named",
    [
        ([], False),
        (["BR"], False),
        (["BR03"], True),
        (["BR034"], True),
        (["BR", "BR034"], True),
        (["BR0"], True),
        (["BR05", "BR0340"], False),
        (["E9"], False),
    ],
)
def test_the_registry_policy_names_an_opt_in_rule_by_code_or_family(entries: List[str], named: bool) -> None:
    """One policy for every front end (flake8 asks it on top of its own selection)."""
    from flake8_backend_rules.registry import opt_in_named

    assert opt_in_named("BR034", entries) is named


def test_br0_names_every_rule_and_br_none() -> None:
    """``BR0`` is a prefix of every code longer than the plugin's ``BR``: it turns every
    opt-in rule on (``--extend-select=BR0``), while ``BR`` alone names none of them."""
    from flake8_backend_rules.registry import RULES, opt_in_named

    assert all(opt_in_named(code, ["BR0"]) for code in RULES)
    assert not any(opt_in_named(code, ["BR"]) for code in RULES)
