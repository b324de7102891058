"""A rule is found by its code: its module, its fixtures and its page sit where the code says.

For every registered rule: one module ``flake8_backend_rules/rules/<family>/br<NNN>_<symbol>.py``
holding its metadata (``RULE``) in the package of its family; a fixture folder
``tests/fixtures/BR<NNN>/`` with at least one finding of that code written down; and a
generated page ``docs/rules/BR<NNN>.md`` equal to what ``docs.py`` generates now. There is
no other place rules come from.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Dict, List

import pytest

from flake8_backend_rules import docs, rules
from flake8_backend_rules.registry import RULES, Rule
from tests.expectations import FIXTURES, expected_findings

REPO = Path(__file__).resolve().parent.parent
RULES_DIR = Path(rules.__file__).parent
ALL = sorted(RULES.values(), key=lambda rule: rule.code)


def module_name(rule: Rule) -> str:
    return f"br{rule.code[2:]}_{rule.symbol.replace('-', '_')}"


def rule_modules() -> Dict[str, List[Path]]:
    """File name (without .py) -> where it is, for every ``br*.py`` under a family package."""
    found: Dict[str, List[Path]] = {}
    for path in sorted(RULES_DIR.glob("*/br*.py")):
        found.setdefault(path.stem, []).append(path)
    return found


def test_every_rule_module_is_a_registered_rule() -> None:
    """No module is left over, and no file name misnames its rule."""
    expected = {module_name(rule) for rule in ALL}
    assert set(rule_modules()) == expected
    assert all(len(paths) == 1 for paths in rule_modules().values())


def test_rules_come_only_from_family_packages() -> None:
    """The rules package holds family packages (and its own ``__init__``), nothing else."""
    loose = [info.name for info in pkgutil.iter_modules([str(RULES_DIR)]) if not info.ispkg]
    assert loose == []
    assert not (RULES_DIR.parent / "catalogue").exists()


@pytest.mark.parametrize("rule", ALL, ids=[rule.code for rule in ALL])
def test_rule_lives_in_its_own_module_of_its_family(rule: Rule) -> None:
    paths = rule_modules().get(module_name(rule), [])
    assert len(paths) == 1, f"{rule.code}: expected rules/<family>/{module_name(rule)}.py"
    family_dir = paths[0].parent.name
    module = importlib.import_module(f"flake8_backend_rules.rules.{family_dir}.{paths[0].stem}")
    assert module.RULE is rule
    package = importlib.import_module(f"flake8_backend_rules.rules.{family_dir}")
    assert package.FAMILY == rule.family != ""


@pytest.mark.parametrize("rule", ALL, ids=[rule.code for rule in ALL])
def test_rule_has_a_fixture_folder_where_it_is_reported(rule: Rule) -> None:
    folder = FIXTURES / rule.code
    assert folder.is_dir(), f"no tests/fixtures/{rule.code}/"
    assert (folder / "setup.cfg").is_file()
    reported = [
        path for path in sorted(folder.rglob("*.py"))
        if any(code == rule.code for _, _, code in expected_findings(path))
    ]
    assert reported, f"no file under tests/fixtures/{rule.code}/ expects a {rule.code} finding"


@pytest.mark.parametrize("rule", ALL, ids=[rule.code for rule in ALL])
def test_rule_page_is_the_generated_one(rule: Rule) -> None:
    page = REPO / "docs" / "rules" / f"{rule.code}.md"
    assert page.is_file(), f"no docs/rules/{rule.code}.md: run python -m flake8_backend_rules.docs"
    assert page.read_text(encoding="utf-8") == docs.render_rule_page(rule)
