"""The work budget: no analysis runs on past a bound proportional to the code it reads.

Every analysis that follows names through their bindings, or walks a subtree again, pays
for it here: a *look-up* per binding resolved, a *visit* per node an analysis walk yields
(:func:`astutil.iter_nodes` counts them). The analyses are written to be linear in the
size of the function they read; the budget is the safety valve for a shape nobody
foresaw. Work is charged to a *unit*: the outermost function (or method) the engine's
walk is in, or the module's own top-level code. A unit's allowance is
``BASE + PER_LINE * its lines``; when an analysis passes it, :class:`AnalysisAbandoned`
is raised, the engine gives up on the unit and reports nothing inside it (a fact built
halfway never decides a finding), and the walk goes on with the next unit.

The counters are also what the complexity guard of the test suite reads: work per node
must stay flat as generated hostile shapes grow.

One module-level :data:`WORK` serves the process: flake8 and pylint check one file at a
time per process, and the engine resets it for each file.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

# A function's analyses normally cost a few dozen units per line; these allow about a
# hundred times that before giving up (calibrated on real code: see bench/worst_files.py).
BASE = 20_000
PER_LINE = 2_000


class AnalysisAbandoned(Exception):
    """An analysis passed its unit's work budget: the unit is given up, not reported on."""


class Work:
    """Work counters for one module, and the budget of the unit being walked."""

    __slots__ = ("lookups", "visits", "_unit", "_limit", "_offset", "_units", "abandoned")

    def __init__(self) -> None:
        self.lookups = 0  # bindings resolved by name
        self.visits = 0  # nodes yielded by analysis walks
        self._unit: Optional[int] = None
        self._limit = BASE
        self._offset = 0  # work done in the current unit = total - _offset
        self._units: Dict[int, Tuple[int, int]] = {}  # unit -> (work done in it, its limit)
        # units given up: id -> (first line, last line) of the code they cover
        self.abandoned: Dict[int, Tuple[int, int]] = {}

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    @property
    def total(self) -> int:
        return self.lookups + self.visits

    # -- units -----------------------------------------------------------------------
    def _switch(self, key: Optional[int], lines: int = 0) -> None:
        total = self.lookups + self.visits
        if self._unit is not None:
            self._units[self._unit] = (total - self._offset, self._limit)
        spent, limit = self._units.get(key, (0, BASE + PER_LINE * max(lines, 1))) if key is not None \
            else (0, BASE)
        self._unit = key
        self._limit = limit
        self._offset = total - spent

    def enter_unit(self, key: int, lines: int) -> Optional[int]:
        """Charge the unit ``key`` (``lines`` long) from now on; returns the unit to go
        back to on leaving it."""
        previous = self._unit
        self._switch(key, lines)
        return previous

    def leave_unit(self, previous: Optional[int]) -> None:
        self._switch(previous)

    @property
    def unit(self) -> Optional[int]:
        return self._unit

    def spent(self) -> int:
        """Work charged to the current unit so far."""
        return self.lookups + self.visits - self._offset

    # -- charging --------------------------------------------------------------------
    def lookup(self, count: int = 1) -> None:
        """Charge ``count`` binding look-ups; give up when the unit's budget is spent."""
        self.lookups += count
        if self.lookups + self.visits - self._offset > self._limit:
            raise AnalysisAbandoned(self._unit)

    def check(self) -> None:
        """Give up when the unit's budget is spent (walks charge their visits as they go)."""
        if self.lookups + self.visits - self._offset > self._limit:
            raise AnalysisAbandoned(self._unit)


WORK = Work()
