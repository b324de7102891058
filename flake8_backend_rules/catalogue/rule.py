"""The shape of a rule's metadata; each family declares its rules in a module beside this."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

PYLINT_CHECKER_NUMBER = "59"  # one external checker number for every message (51-99)

FAMILIES = {
    "BR00": "Query efficiency",
    "BR01": "Configuration and settings",
    "BR02": "Error handling",
    "BR03": "Data integrity under concurrency",
    "BR04": "Blocking work in the request path",
    "BR05": "Security",
    "BR06": "API design",
    "BR07": "Django models and migrations",
    "BR08": "Maintainability",
}


@dataclass(frozen=True)
class Rule:
    code: str
    symbol: str
    summary: str
    message: str  # str.format template; the fields are the rule's own
    what: str
    why: str
    bad: str
    good: str
    default_on: bool = True
    category: str = "W"  # pylint category letter
    options: Tuple[str, ...] = ()
    notes: str = ""  # extra doc text: exceptions, precision choices
    references: Tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return FAMILIES[self.code[:4]]

    @property
    def pylint_id(self) -> str:
        return f"{self.category}{PYLINT_CHECKER_NUMBER}{self.code[-2:]}"

    def format(self, **fields: object) -> str:
        try:
            return self.message.format(**fields)
        except (KeyError, IndexError, ValueError):
            return self.summary


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n") + "\n"
