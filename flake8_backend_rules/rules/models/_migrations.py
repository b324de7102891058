"""Django's reversible migration operations, recognised through the module's imports, for
BR070 (their reverse argument) and BR072 (the functions ``RunPython`` hands over)."""
from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

from ...astutil import call_name
from ...context import Context, FactKey, Frame

# operation -> (name of its reverse parameter, its position)
REVERSIBLE_OPERATIONS: Dict[str, Tuple[str, int]] = {
    "RunPython": ("reverse_code", 1),
    "RunSQL": ("reverse_sql", 1),
}


def migration_operation(call: ast.Call, ctx: Context) -> Optional[str]:
    """`RunPython`/`RunSQL` when the call builds Django's operation (through
    `migrations.RunPython`, `from django.db.migrations import RunPython`, ...)."""
    name = call_name(call)
    if name not in REVERSIBLE_OPERATIONS:
        return None
    resolved = ctx.resolve(call.func)
    if resolved is None or not resolved.startswith("django.db.migrations"):
        return None
    return name


_REPLACED: FactKey[bool] = FactKey("migrations.replaced_by_squash")
_INITIAL: FactKey[bool] = FactKey("migrations.initial")


def replaced_by_squash(ctx: Context) -> bool:
    """Is this migration file replaced by a squashed migration of its app (a fact of the
    project model: another migration's ``replaces``)? Django never runs it again where the
    squash is applied; it is history, kept until deleted, and not worth a change."""
    return ctx.frame_fact(_REPLACED, _replaced, ctx.module_frame)


def _replaced(ctx: Context, frame: Frame) -> bool:
    project = ctx.project
    return project is not None and project.is_replaced_migration(ctx.path)


def initial_migration(ctx: Context) -> bool:
    """``class Migration: initial = True``: the migration that creates the app's tables."""
    return ctx.frame_fact(_INITIAL, _initial, ctx.module_frame)


def _initial(ctx: Context, frame: Frame) -> bool:
    tree = frame.node
    for stmt in getattr(tree, "body", ()):
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Migration":
            for item in stmt.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "initial"
                                                        for t in item.targets):
                    return isinstance(item.value, ast.Constant) and item.value.value is True
    return False
