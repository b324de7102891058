"""Every rule's metadata, found by discovery (:func:`rules.discover`).

The registry drives the flake8 plugin (codes, default-ignore of opt-in rules), the pylint
checker (message ids, symbols, options), the generated rule pages, the README table and
``python -m flake8_backend_rules list``, and the one selection policy of the front ends
(:func:`opt_in_named`).
"""
from __future__ import annotations

from typing import Dict, Iterable, Optional

from .rules import PYLINT_CHECKER_NUMBER, Rule, discover

__all__ = [
    "DEFAULT_OFF", "FAMILIES", "PYLINT_CHECKER_NUMBER", "RULES", "RULES_BY_PYLINT_ID", "RULES_BY_SYMBOL", "Rule",
    "find_rule", "opt_in_named",
]

_RULES, FAMILIES = discover()

RULES: Dict[str, Rule] = {rule.code: rule for rule in _RULES}
RULES_BY_SYMBOL: Dict[str, Rule] = {rule.symbol: rule for rule in _RULES}
DEFAULT_OFF = tuple(code for code, rule in RULES.items() if not rule.default_on)
RULES_BY_PYLINT_ID: Dict[str, Rule] = {rule.pylint_id: rule for rule in _RULES}


def find_rule(name: str) -> Optional[Rule]:
    """The rule a user names by its flake8 code (``BR002``), its pylint id (``W5902``) or
    its symbol (``query-in-loop``); codes and ids in either case."""
    name = name.strip()
    return RULES.get(name.upper()) or RULES_BY_PYLINT_ID.get(name.upper()) or RULES_BY_SYMBOL.get(name.lower())


# The plugin's own code prefix: selecting it selects the plugin, not its opt-in rules.
_PLUGIN_PREFIX = "BR"


def opt_in_named(code: str, entries: Iterable[str]) -> bool:
    """Whether a selection names the rule ``code``: one of ``entries`` (``--select``,
    ``--extend-select``) is its code or a prefix of it more precise than the plugin's
    ``BR`` (the family ``BR03``). The selection policy: a default-on rule runs unless it is
    deselected; an opt-in rule runs only when named, so ``--select=BR`` (the pre-commit
    hook's) keeps the opt-in rules off."""
    return any(code.startswith(entry) and len(entry) > len(_PLUGIN_PREFIX) for entry in entries)
