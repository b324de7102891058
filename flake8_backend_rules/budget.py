"""The work budget: no analysis runs on past a bound proportional to the code it reads.

Every analysis that follows names through their bindings, or walks a subtree again, pays
for it here: a *look-up* per binding resolved, a *visit* per node an analysis walk yields
(:func:`astutil.iter_nodes` counts them). The analyses are written to be linear in the
size of the function they read; the budget is the safety valve for a shape nobody
foresaw. Work is charged to a *unit*: the outermost function (or method) the engine's
walk is in, or the module's own top-level code. A unit's allowance is
``BASE + PER_LINE * its lines`` (``BASE + PER_NODE * its nodes`` when that is more: a
thousand-link method chain is one line); when an analysis passes it, :class:`AnalysisAbandoned`
is raised, the engine gives up on the unit and reports nothing inside it (a fact built
halfway never decides a finding), and the walk goes on with the next unit.

The counters are also what the complexity guard of the test suite reads: work per node
must stay flat as generated hostile shapes grow.

One module-level :data:`WORK` serves the process: flake8 and pylint check one file at a
time per process, and the engine resets it for each file.
"""
from __future__ import annotations

import ast
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Tuple

# Calibrated on 171,705 units of real code (23,930 files, bench/scaling.py --real): the
# most any unit spent was 14,444; the most per line, among units over 200 lines, 33.
# A unit may spend BASE plus PER_LINE per line: three times the worst seen per line.
BASE = 20_000
PER_LINE = 100
PER_NODE = 10  # real code has about ten nodes a line


class AnalysisAbandoned(Exception):
    """An analysis passed its unit's work budget: the unit is given up, not reported on."""


class Work:
    """Work counters for one module, and the budget of the unit being walked."""

    __slots__ = ("lookups", "visits", "_unit", "_limit", "_offset", "_units", "abandoned", "_nodes", "_measured")

    def __init__(self) -> None:
        self.lookups = 0  # bindings resolved by name
        self.visits = 0  # nodes yielded by analysis walks
        self._unit: Optional[int] = None
        self._limit = BASE
        self._offset = 0  # work done in the current unit = total - _offset
        self._units: Dict[int, Tuple[int, int]] = {}  # unit -> (work done in it, its limit)
        # units given up: id -> (first line, last line) of the code they cover
        self.abandoned: Dict[int, Tuple[int, int]] = {}
        self._nodes: Dict[int, ast.AST] = {}  # unit -> its node, measured when first over
        self._measured: Dict[int, bool] = {}

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

    def enter_unit(self, node: ast.AST, lines: int) -> Optional[int]:
        """Charge the unit ``node`` (``lines`` long) from now on; returns the unit to go
        back to on leaving it."""
        previous = self._unit
        self._nodes[id(node)] = node
        self._switch(id(node), lines)
        return previous

    def leave_unit(self, previous: Optional[int]) -> None:
        self._switch(previous)

    @property
    def unit(self) -> Optional[int]:
        return self._unit

    def spent(self) -> int:
        """Work charged to the current unit so far."""
        return self.lookups + self.visits - self._offset

    @contextmanager
    def uncharged(self) -> Iterator[None]:
        """Work done inside is nobody's: reading another module for the project model on
        the first file that asks must not spend that file's budget (which findings a
        file gets would then depend on the order files are checked in)."""
        lookups, visits = self.lookups, self.visits
        try:
            yield
        finally:
            self.lookups, self.visits = lookups, visits

    # -- charging --------------------------------------------------------------------
    def lookup(self, count: int = 1) -> None:
        """Charge ``count`` binding look-ups; give up when the unit's budget is spent."""
        self.lookups += count
        if self.lookups + self.visits - self._offset > self._limit:
            self._over()

    def check(self) -> None:
        """Give up when the unit's budget is spent (walks charge their visits as they go)."""
        if self.lookups + self.visits - self._offset > self._limit:
            self._over()

    def _over(self) -> None:
        """Past the allowance by lines: measure the unit by its nodes once (an uncharged
        walk, at most once per unit), and give up only if it is past that too."""
        unit = self._unit
        if unit is not None and not self._measured.get(unit):
            self._measured[unit] = True
            node = self._nodes.get(unit)
            if node is not None:
                self._limit = max(self._limit, BASE + PER_NODE * _count_nodes(node))
                if self.lookups + self.visits - self._offset <= self._limit:
                    return
        raise AnalysisAbandoned(unit)


def _count_nodes(root: ast.AST) -> int:
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(ast.iter_child_nodes(node))
    return count


WORK = Work()
