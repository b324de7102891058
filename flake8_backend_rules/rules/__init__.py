"""Rule checks, one module per family.

A check is a small function ``fn(node, ctx)`` registered for the node types it looks at
(``@check("BR010", ast.Call)``); it reports through ``ctx.report``. ``phase="leave"``
runs it after the node's subtree (a class's properties are all known then). The engine
builds its dispatch table from these registrations, for the selected rules only.

A check on ``ast.Call`` that can only report on some callees says so,
``@check("BR052", ast.Call, callees={"load", "loads"})``: the engine hands it only calls
whose callee's last name (``f`` of ``f(...)``, ``m`` of ``x.m(...)``, the imported name of
an alias) is one of them. The set must cover every call the check can report on.
"""
from __future__ import annotations

import ast
from typing import Any, Callable, FrozenSet, Iterable, List, NamedTuple, Optional, Tuple, Type

# (node, context): the node is of one of the registered types, so checks annotate it
# precisely; Any keeps those annotations legal for the registry.
CheckFn = Callable[[Any, Any], None]


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
    code: str,
    *node_types: Type[ast.AST],
    phase: str = "enter",
    callees: Optional[Iterable[str]] = None,
) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` for ``node_types``. ``callees`` (enter-phase ``ast.Call`` checks
    only) must be a superset of the callee names the check can report on: the check
    never sees other calls."""
    if phase not in ("enter", "leave"):
        raise ValueError(phase)
    names = None if callees is None else frozenset(callees)
    if names is not None and (phase != "enter" or tuple(node_types) != (ast.Call,)):
        raise ValueError("callees= applies to enter-phase ast.Call checks only")

    def register(fn: CheckFn) -> CheckFn:
        _CHECKS.append(Check(code, tuple(node_types), phase, fn, names))
        return fn

    return register


def all_checks() -> Tuple[Check, ...]:
    # Importing the family modules registers their checks.
    from . import api, blocking, errors, integrity, maintainability, models, orm, security, settings  # noqa: F401

    return tuple(_CHECKS)
