"""The registry, the checks, the docs, the fixtures and the pylint adapter agree.

A rule is declared once in the registry; these tests prove every other place that names
rules (checks, fixtures, doc pages, pylint messages) names the same set, that every rule's
documented bad example triggers exactly that rule and its good example nothing, and that
the plugin passes its own lint.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Dict, List, Set

import pytest

from flake8_backend_rules import registry
from flake8_backend_rules.context import Finding
from flake8_backend_rules.engine import Engine
from flake8_backend_rules.project import ProjectModels
from flake8_backend_rules.options import build_options
from flake8_backend_rules.registry import DEFAULT_OFF, FAMILIES, RULES, RULES_BY_SYMBOL, Rule
from flake8_backend_rules.rules import all_checks
from pylint_plugins.backend_rules import BackendRulesChecker
from tests.expectations import codes_with_fixtures

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "rules"
ALL_RULES: List[Rule] = list(registry._RULES)  # the declarations, duplicates included
ENGINE = Engine(None, build_options(), strict=True)
PROJECT_ENGINE = Engine(None, build_options(), strict=True, project=ProjectModels(use_cache=False))

# Where a rule's examples are linted: an ordinary application module unless the rule only
# applies to one module kind (migration rules, settings rules).
_EXAMPLE_PATHS: Dict[str, str] = {
    "BR011": "config/settings.py",
    "BR070": "shop/migrations/0002_example.py",
    "BR072": "shop/migrations/0002_example.py",
}


def example_path(rule: Rule) -> str:
    return _EXAMPLE_PATHS.get(rule.code, "app/services.py")


def run_example(rule: Rule, source: str) -> List[Finding]:
    """The example linted as a module of a project of its own (rules that ask the
    project model about a model find it in the example itself)."""
    path = example_path(rule)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "setup.cfg").write_text("")
        target = Path(folder) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source)
        return PROJECT_ENGINE.run(ast.parse(source, filename=path), path, path=str(target))


def rule_ids(rules: List[Rule]) -> List[str]:
    return [rule.code for rule in rules]


# -- identity --------------------------------------------------------------------------


def test_codes_symbols_and_pylint_ids_are_unique() -> None:
    for attribute in ("code", "symbol", "pylint_id"):
        counts = Counter(getattr(rule, attribute) for rule in ALL_RULES)
        assert [value for value, n in counts.items() if n > 1] == [], attribute
    assert len(RULES) == len(RULES_BY_SYMBOL) == len(ALL_RULES)


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_identity_formats(rule: Rule) -> None:
    assert re.fullmatch(r"BR\d{3}", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.symbol)
    assert re.fullmatch(r"[CRWEF]59\d\d", rule.pylint_id)
    assert rule.pylint_id[-2:] == rule.code[-2:]
    assert rule.code[:4] in FAMILIES
    assert (rule.code in DEFAULT_OFF) is (not rule.default_on)


def test_pylint_checker_declares_every_rule_once() -> None:
    msgs = BackendRulesChecker.msgs
    assert set(msgs) == {rule.pylint_id for rule in ALL_RULES}
    for rule in ALL_RULES:
        template, symbol, _, extra = msgs[rule.pylint_id]
        assert (template, symbol) == (f"{rule.code} %s", rule.symbol)
        assert extra.get("default_enabled", True) is rule.default_on


# -- the same set of codes everywhere --------------------------------------------------


def test_every_rule_has_a_check_and_every_check_a_rule() -> None:
    assert {check.code for check in all_checks()} == set(RULES)


def test_every_rule_has_fixture_expectations_and_no_fixture_names_an_unknown_code() -> None:
    assert codes_with_fixtures() == set(RULES)


def test_every_rule_has_a_doc_page_and_every_page_a_rule() -> None:
    pages: Set[str] = {path.stem for path in DOCS.glob("BR*.md")}
    assert pages == set(RULES)


def test_generated_docs_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flake8_backend_rules.docs", "--check"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")


# -- examples and messages ----------------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_bad_example_triggers_exactly_its_rule(rule: Rule) -> None:
    findings = run_example(rule, rule.bad)
    assert findings, f"{rule.code}'s bad example is silent"
    assert {f.code for f in findings} == {rule.code}, [f.message for f in findings]


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_good_example_is_clean(rule: Rule) -> None:
    assert [f.message for f in run_example(rule, rule.good)] == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_messages_fill_their_template(rule: Rule) -> None:
    """``Rule.format`` falls back to the summary when a check passes the wrong fields:
    every message the bad example produces must be the filled template instead."""
    findings = run_example(rule, rule.bad)
    assert findings
    fixed_text = re.split(r"\{[^}]*\}", rule.message)
    for finding in findings:
        assert finding.message.startswith(f"{rule.code} ")
        text = finding.message[len(rule.code) + 1 :]
        assert text != rule.summary, f"{rule.code} fell back to its summary"
        position = 0
        for part in fixed_text:  # the template's literal parts appear, in order
            found = text.find(part, position)
            assert found >= 0, f"{text!r} does not follow the template {rule.message!r}"
            position = found + len(part)


# -- the plugin lints its own source ----------------------------------------------------


def test_plugin_lints_its_own_source_clean() -> None:
    done = subprocess.run(
        # BR0 names every rule, the opt-in ones too: --select=BR would run BR070 alone
        [sys.executable, "-m", "flake8", "--select", "BR0", "flake8_backend_rules", "pylint_plugins"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
