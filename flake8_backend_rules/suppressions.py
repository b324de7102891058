"""Suppressions the user already wrote for another linter's equivalent finding.

A line marked for ruff, flake8-print, flake8-blind-except or bandit says "I know, this is
intended": the same finding under a BR code must not make the user say it twice. Each rule
lists the codes of other tools that report the same thing (``Rule.equivalents``); a finding
is dropped when its line carries

* ``# noqa: <code>`` naming one of them (flake8/ruff syntax, codes separated by commas or
  spaces: ``# noqa: S608``, ``# noqa: E501,T201``), or
* bandit's ``# nosec`` naming one of them (``# nosec B608``, ``# nosec: B110, B112``), or a
  bare ``# nosec``: it suppresses every BR rule that has a *bandit* equivalent (a ruff
  ``S`` code or a bandit ``B1xx``-``B7xx`` code) and only those, since bandit's bare marker
  means "bandit, be quiet here", not "every linter".

``# noqa`` with no codes and ``# noqa: BR050`` are flake8's own business (it applies them
to every plugin); pylint users write ``# pylint: disable=<symbol>``. The engine applies this
filter for the flake8 plugin, the pylint plugin and ``python -m flake8_backend_rules check``
alike (docs/suppressions.md).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set

if TYPE_CHECKING:  # pragma: no cover
    from .context import Finding

_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_NOSEC = re.compile(r"#\s*nosec\b(?P<rest>[^#]*)", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_BANDIT_CODE = re.compile(r"(?:S[1-7]\d\d|B[1-7]\d\d)$")


def is_bandit_code(code: str) -> bool:
    """A bandit check id (``B608``) or ruff's flake8-bandit code for one (``S608``)."""
    return bool(_BANDIT_CODE.match(code.upper()))


def line_suppressions(line: str) -> Optional[FrozenSet[str]]:
    """The codes a line's comment names for other tools (upper case); ``"*nosec"`` stands
    for a bare ``# nosec``. None when the line has no such comment (the common case)."""
    if "#" not in line:
        return None
    lowered = line.lower()
    if "noqa" not in lowered and "nosec" not in lowered:
        return None
    codes: Set[str] = set()
    for match in _NOQA.finditer(line):
        codes.update(code.upper() for code in _CODE.findall(match.group("codes")))
    for match in _NOSEC.finditer(line):
        named = [code.upper() for code in _CODE.findall(match.group("rest"))]
        codes.update(named or ["*nosec"])
    return frozenset(codes) or None


def suppressed(equivalents: Sequence[str], codes: FrozenSet[str]) -> bool:
    """Do a line's suppressions (:func:`line_suppressions`) cover a rule with these
    equivalents?"""
    if any(code.upper() in codes for code in equivalents):
        return True
    return "*nosec" in codes and any(is_bandit_code(code) for code in equivalents)


def drop_suppressed(findings: List["Finding"], lines: Optional[Sequence[str]]) -> List["Finding"]:
    """``findings`` less those whose line carries an equivalent ``noqa``/``nosec``."""
    if not findings or not lines:
        return findings
    from .registry import RULES

    kept: List["Finding"] = []
    seen: Dict[int, Optional[FrozenSet[str]]] = {}
    for finding in findings:
        rule = RULES.get(finding.code)
        equivalents = rule.equivalents if rule is not None else ()
        if equivalents and 0 < finding.line <= len(lines):
            if finding.line not in seen:
                seen[finding.line] = line_suppressions(lines[finding.line - 1])
            codes = seen[finding.line]
            if codes and suppressed(equivalents, codes):
                continue
        kept.append(finding)
    return kept
