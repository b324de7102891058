"""The rules: one package per family, one module per rule, found by discovery.

A rule module is named for its rule (``integrity/br031_check_then_create.py``) and holds
all of it: ``RULE = Rule(...)`` (code, symbol, pylint category, summary, the page's
text, examples, options, message wording) and the checks that report it. A family's
shared helpers sit beside its rule modules in modules whose names start with ``_``. The
family's package ``__init__`` names the family (``FAMILY = "Data integrity under
concurrency"``). :func:`discover` imports every ``br<NNN>_*.py`` module of every family
package: there is no list to keep.

A check is a small function ``fn(node, ctx)`` registered for the node types it looks at
(``@check(RULE, ast.Call)``); it reports through ``ctx.report(RULE, node, ...)``.
``phase="leave"`` runs it after the node's subtree (a class's properties are all known
then). The engine builds its dispatch table from these registrations, for the selected
rules only.

A check on ``ast.Call`` that can only report on some callees says so,
``@check(RULE, ast.Call, callees={"load", "loads"})``: the engine hands it only calls
whose callee's last name (``f`` of ``f(...)``, ``m`` of ``x.m(...)``, the imported name of
an alias) is one of them. The set must cover every call the check can report on.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import textwrap
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Type

PYLINT_CHECKER_NUMBER = "59"  # one external checker number for every message (51-99)

# (node, context): the node is of one of the registered types, so checks annotate it
# precisely; Any keeps those annotations legal for the registry.
CheckFn = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Rule:
    """A rule's metadata: everything the front ends, the docs and the messages need."""

    code: str
    symbol: str  # the name both flake8 users and pylint users know it by: the bad pattern
    summary: str
    message: str  # the wording of a finding: a str.format template of the rule's own fields
    what: str
    why: str
    bad: str
    good: str
    default_on: bool = True
    category: str = "W"  # pylint category letter
    options: Tuple[str, ...] = ()
    notes: str = ""  # extra page text: exceptions, precision choices
    references: Tuple[str, ...] = ()
    # Other wordings, by name, for findings the main one does not fit (a prefetch the
    # query bypasses, a transitive property): ctx.report(RULE, node, "bypass", ...)
    messages: Mapping[str, str] = field(default_factory=dict)
    # Codes other linters give the same finding (ruff/flake8 plugins, bandit): a line the
    # user already marked `# noqa: S608` or `# nosec B608` is not reported again
    # (suppressions.py, docs/suppressions.md).
    equivalents: Tuple[str, ...] = ()
    # What reading the rule's findings blind on projects its authors never read gave, and
    # for a rule off by default why it is (docs/evaluation/ holds the verdicts)
    precision: str = ""
    family: str = ""  # filled in from the family package at discovery

    @property
    def pylint_id(self) -> str:
        return f"{self.category}{PYLINT_CHECKER_NUMBER}{self.code[-2:]}"

    def template(self, variant: Optional[str] = None) -> str:
        return self.message if variant is None else self.messages[variant]

    def format(self, variant: Optional[str] = None, **fields: object) -> str:
        try:
            return self.template(variant).format(**fields)
        except (KeyError, IndexError, ValueError):
            return self.summary


def dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


class Check(NamedTuple):
    code: str
    node_types: Tuple[Type[ast.AST], ...]
    phase: str  # "enter" | "leave"
    fn: CheckFn
    # For ``ast.Call`` checks: the callee's last names (``f`` of ``f(...)``, ``m`` of
    # ``x.m(...)``) the check can report on, or None for every call. The engine hands a
    # call only to the checks that name its callee, so a check that only cares about
    # ``print`` is not called for the other 99% of calls.
    callees: Optional[FrozenSet[str]] = None


_CHECKS: List[Check] = []


def check(
    rule: Rule,
    *node_types: Type[ast.AST],
    phase: str = "enter",
    callees: Optional[Iterable[str]] = None,
) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` for ``node_types`` as a check of ``rule``. ``callees`` (enter-phase
    ``ast.Call`` checks only) must be a superset of the callee names the check can report
    on: the check never sees other calls."""
    code = rule.code
    if phase not in ("enter", "leave"):
        raise ValueError(phase)
    names = None if callees is None else frozenset(callees)
    if names is not None and (phase != "enter" or tuple(node_types) != (ast.Call,)):
        raise ValueError("callees= applies to enter-phase ast.Call checks only")

    def register(fn: CheckFn) -> CheckFn:
        _CHECKS.append(Check(code, tuple(node_types), phase, fn, names))
        return fn

    return register


# -- discovery -------------------------------------------------------------------------
_RULE_MODULE = re.compile(r"^br\d{3}_[a-z0-9_]+$")
_DISCOVERED: Optional[Tuple[Tuple[Rule, ...], Dict[str, str]]] = None


def _family_packages() -> List[ModuleType]:
    packages = []
    for info in pkgutil.iter_modules(__path__):  # sorted by name
        if info.ispkg:
            packages.append(importlib.import_module(f"{__name__}.{info.name}"))
    return packages


def discover() -> Tuple[Tuple[Rule, ...], Dict[str, str]]:
    """Every rule of every family package (importing a rule module registers its checks),
    sorted by code, and the families by code prefix (``"BR03"`` -> its name)."""
    global _DISCOVERED
    if _DISCOVERED is not None:
        return _DISCOVERED
    rules: List[Rule] = []
    families: Dict[str, str] = {}
    for package in _family_packages():
        family = getattr(package, "FAMILY", "")
        for info in pkgutil.iter_modules(package.__path__):
            if not _RULE_MODULE.match(info.name):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            rule: Rule = module.RULE
            object.__setattr__(rule, "family", family)
            object.__setattr__(rule, "bad", dedent(rule.bad))
            object.__setattr__(rule, "good", dedent(rule.good))
            families[rule.code[:4]] = family
            rules.append(rule)
    _DISCOVERED = (tuple(sorted(rules, key=lambda r: r.code)), dict(sorted(families.items())))
    return _DISCOVERED


def all_checks() -> Tuple[Check, ...]:
    discover()
    return tuple(_CHECKS)
