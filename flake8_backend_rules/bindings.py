"""The simple bindings of one scope, and facts resolved over them once each.

``qs = qs.filter(...)`` under twelve ``if`` branches is one name with thirteen bindings.
An analysis that answers "what does ``qs`` hold here?" by re-resolving every earlier
binding, each of which re-resolves every binding before it, costs exponential time in
the number of rebindings. Two tools here keep every such question linear:

* :meth:`ScopeBindings.before` / :meth:`ScopeBindings.last_before` find the bindings of a
  name before a point by bisection, never by scanning.
* A :class:`Fold` computes a fact for *each binding* exactly once, in source order: a
  binding's fact may use the facts of the bindings before it (``qs = qs.filter(...)``
  reads the previous ``qs``), which are already known, so there is no recursion through
  names, no cycle, and no depth limit that would leave a fact half-built.

Look-ups are charged to the work budget (:mod:`budget`).
"""
from __future__ import annotations

import ast
from bisect import bisect_left
from typing import Callable, Dict, Generic, List, Optional, Tuple, TypeVar

from .astutil import position
from .budget import WORK

Position = Tuple[int, int]
Binding = Tuple[Position, ast.AST]
T = TypeVar("T")


class ScopeBindings(Dict[str, List[Binding]]):
    """name -> [(position, value)] in source order (a ``dict``, so existing readers keep
    working), with look-ups by position that cost a bisection."""

    __slots__ = ("_positions", "_statement_of", "_folds")

    def __init__(self) -> None:
        super().__init__()
        self._positions: Dict[str, List[Position]] = {}
        # a bound value -> the position of its binding: "before this value" means before
        # the statement that binds it (`qs = qs.filter()` reads the previous `qs`)
        self._statement_of: Dict[int, Position] = {}
        self._folds: Dict[str, "Fold"] = {}

    def add(self, name: str, where: Position, value: ast.AST) -> None:
        self.setdefault(name, []).append((where, value))
        self._statement_of[id(value)] = where

    def seal(self) -> None:
        """Sort each name's bindings by position (the walk meets them almost sorted)."""
        for name, bound in self.items():
            bound.sort(key=lambda item: item[0])
            self._positions[name] = [where for where, _ in bound]

    def cutoff(self, at: ast.AST) -> Position:
        """The position "before ``at``" is measured from: a bound value's binding
        statement, else the node's own position."""
        return self._statement_of.get(id(at)) or position(at)

    def before(self, name: str, at: ast.AST) -> List[Binding]:
        """The bindings of ``name`` before ``at``, in source order."""
        positions = self._positions.get(name)
        if not positions:
            WORK.lookup()
            return []
        k = bisect_left(positions, self.cutoff(at))
        WORK.lookup(k or 1)
        return self[name][:k]

    def last_before(self, name: str, at: ast.AST) -> Optional[ast.AST]:
        """The value of the latest binding of ``name`` before ``at``, or None."""
        WORK.lookup()
        positions = self._positions.get(name)
        if not positions:
            return None
        k = bisect_left(positions, self.cutoff(at))
        return self[name][k - 1][1] if k else None

    def count_before(self, name: str, at: ast.AST) -> int:
        WORK.lookup()
        positions = self._positions.get(name)
        return bisect_left(positions, self.cutoff(at)) if positions else 0

    def fold(self, key: str, step: Callable[["Fold[T]", ast.AST], T], join: Callable[[T, T], T],
             empty: T) -> "Fold[T]":
        """The fold ``key`` over these bindings (created on first use, then shared)."""
        fold = self._folds.get(key)
        if fold is None:
            fold = self._folds[key] = Fold(self, step, join, empty)
        return fold  # type: ignore[return-value]


class Fold(Generic[T]):
    """A fact of every binding, computed once each, in source order.

    ``step(fold, value)`` computes the fact of one bound value; to learn what another
    name holds there it asks ``fold.before(name, value)``, the ``join`` of the facts of
    that name's bindings before the binding being computed (all already known).
    ``fold.before(name, node)`` answers the same for any node of the scope."""

    __slots__ = ("bindings", "step", "join", "empty", "_order", "_done", "_prefix", "_busy")

    def __init__(self, bindings: ScopeBindings, step: Callable[["Fold[T]", ast.AST], T],
                 join: Callable[[T, T], T], empty: T) -> None:
        self.bindings = bindings
        self.step = step
        self.join = join
        self.empty = empty
        order = [(where, name, value) for name, bound in bindings.items() for where, value in bound]
        order.sort(key=lambda item: item[0])
        self._order = order
        self._done = 0
        self._prefix: Dict[str, List[T]] = {}  # name -> joins of its first k facts
        self._busy = False

    def _advance(self, where: Position) -> None:
        if self._busy:
            return  # a step asking further ahead than its own binding sees what is done
        order = self._order
        self._busy = True
        try:
            while self._done < len(order) and order[self._done][0] < where:
                _, name, value = order[self._done]
                WORK.lookup()
                fact = self.step(self, value)
                prefix = self._prefix.setdefault(name, [])
                prefix.append(self.join(prefix[-1], fact) if prefix else fact)
                self._done += 1
        finally:
            self._busy = False

    def before(self, name: str, at: ast.AST) -> T:
        """The join of the facts of ``name``'s bindings before ``at`` (``empty`` if none)."""
        bindings = self.bindings
        positions = bindings._positions.get(name)
        WORK.lookup()
        if not positions:
            return self.empty
        where = bindings.cutoff(at)
        self._advance(where)
        k = bisect_left(positions, where)
        prefix = self._prefix.get(name, ())
        k = min(k, len(prefix))  # a step looking ahead of itself sees only what is known
        return prefix[k - 1] if k else self.empty

    def all(self, name: str) -> T:
        """The join of the facts of every binding of ``name`` in the scope."""
        bound = self.bindings.get(name)
        if not bound:
            WORK.lookup()
            return self.empty
        last = bound[-1][0]
        self._advance((last[0], last[1] + 1))
        prefix = self._prefix.get(name, ())
        WORK.lookup()
        return prefix[-1] if prefix else self.empty
