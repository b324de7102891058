"""Rule checks, one module per family.

A check is a small function ``fn(node, ctx)`` registered for the node types it looks at
(``@check("BR010", ast.Call)``); it reports through ``ctx.report``. ``phase="leave"``
runs it after the node's subtree (a class's properties are all known then). The engine
builds its dispatch table from these registrations, for the selected rules only.
"""
from __future__ import annotations

import ast
from typing import Any, Callable, List, NamedTuple, Tuple, Type

# (node, context): the node is of one of the registered types, so checks annotate it
# precisely; Any keeps those annotations legal for the registry.
CheckFn = Callable[[Any, Any], None]


class Check(NamedTuple):
    code: str
    node_types: Tuple[Type[ast.AST], ...]
    phase: str  # "enter" | "leave"
    fn: CheckFn


_CHECKS: List[Check] = []


def check(code: str, *node_types: Type[ast.AST], phase: str = "enter") -> Callable[[CheckFn], CheckFn]:
    if phase not in ("enter", "leave"):
        raise ValueError(phase)

    def register(fn: CheckFn) -> CheckFn:
        _CHECKS.append(Check(code, tuple(node_types), phase, fn))
        return fn

    return register


def all_checks() -> Tuple[Check, ...]:
    # Importing the family modules registers their checks.
    from . import api, blocking, errors, integrity, maintainability, models, orm, security, settings  # noqa: F401

    return tuple(_CHECKS)
