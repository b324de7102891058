"""Every rule's metadata, declared once.

The registry drives the flake8 plugin (codes, default-ignore of opt-in rules), the pylint
checker (message ids, symbols, options), the generated rule pages, the README table and
``python -m flake8_backend_rules list``. Each family declares its rules in
``catalogue/brNN.py``; rule *logic* lives in ``rules/``, tied to its metadata by the code.
"""
from __future__ import annotations

from typing import Dict, Tuple

from .catalogue import br00, br01, br02, br03, br04, br05, br06, br07, br08
from .catalogue.rule import FAMILIES, PYLINT_CHECKER_NUMBER, Rule, _dedent

__all__ = ["DEFAULT_OFF", "FAMILIES", "PYLINT_CHECKER_NUMBER", "RULES", "RULES_BY_SYMBOL", "Rule"]

_RULES: Tuple[Rule, ...] = tuple(
    sorted(
        (*br00.RULES, *br01.RULES, *br02.RULES, *br03.RULES, *br04.RULES, *br05.RULES, *br06.RULES,
         *br07.RULES, *br08.RULES),
        key=lambda rule: rule.code,
    )
)

RULES: Dict[str, Rule] = {rule.code: rule for rule in _RULES}
RULES_BY_SYMBOL: Dict[str, Rule] = {rule.symbol: rule for rule in _RULES}

# Normalise the examples once so every consumer sees the same text.
for _rule in _RULES:
    object.__setattr__(_rule, "bad", _dedent(_rule.bad))
    object.__setattr__(_rule, "good", _dedent(_rule.good))

DEFAULT_OFF = tuple(code for code, rule in RULES.items() if not rule.default_on)
