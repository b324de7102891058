"""What kind of program a module is, as the code shows it: a migration the module kinds do
not name, or a one-off program (a management command, a script run from the command
line). Shared by the ORM, integrity and security families, whose per-row and injection
findings are about code that serves requests, not about code run once by an operator.

Read from the module itself, once per module:

* a migration: the module kinds say so (a Django `migrations/` module, a module importing
  Alembic), or the module binds Alembic's `revision`/`down_revision` at module level, or
  it defines numbered migration steps (`def m0012_backfill(apps, schema_editor):`, the
  functions a `migrations.py` registry runs in order);
* a one-off program: a Django management command (:meth:`Context.in_command`), or a
  module with a top-level ``if __name__ == "__main__":`` block, or one that reads its
  command line (an `argparse.ArgumentParser`, `sys.argv[...]`).
"""
from __future__ import annotations

import ast
import re

from ...astutil import call_name, dotted_name, iter_nodes
from ...context import Context, FactKey, Frame

_NUMBERED_STEP = re.compile(r"^m\d{3,4}_")
_REVISION_NAMES = frozenset({"revision", "down_revision"})

_MIGRATION: FactKey[bool] = FactKey("programs.migration")
_SCRIPT: FactKey[bool] = FactKey("programs.script")


def _module_migration(ctx: Context, frame: Frame) -> bool:
    revision = set()
    for stmt in getattr(ctx.tree, "body", ()):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and _NUMBERED_STEP.match(stmt.name):
            return True
        targets = stmt.targets if isinstance(stmt, ast.Assign) else (
            [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _REVISION_NAMES:
                revision.add(target.id)
    return revision == _REVISION_NAMES


def in_migration(ctx: Context) -> bool:
    """A migration module: by its kind, Alembic's revision names or numbered steps."""
    return ctx.kind.migration or ctx.frame_fact(_MIGRATION, _module_migration, ctx.module_frame)


def _is_main_guard(stmt: ast.stmt) -> bool:
    test = stmt.test if isinstance(stmt, ast.If) else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


def _module_script(ctx: Context, frame: Frame) -> bool:
    """A `__main__` block, an `argparse.ArgumentParser(...)`, or `sys.argv[...]` read as
    the program's arguments (a membership test such as `"test" in sys.argv` is a library
    asking how it was started, not a program reading its command line)."""
    if any(_is_main_guard(stmt) for stmt in getattr(ctx.tree, "body", ())):
        return True
    uses_argparse = any(target.split(".", 1)[0] == "argparse" for target in ctx.imports.values())
    if not uses_argparse and "sys" not in ctx.imports:
        return False
    for node in iter_nodes(ctx.tree):
        if uses_argparse and isinstance(node, ast.Call) and call_name(node) == "ArgumentParser":
            return True
        if isinstance(node, ast.Subscript) and dotted_name(node.value) == "sys.argv":
            return True
    return False


def in_one_off_program(ctx: Context) -> bool:
    """A management command, or a script: a `__main__` block, an `ArgumentParser`, or
    `sys.argv[...]`."""
    return ctx.in_command() or ctx.frame_fact(_SCRIPT, _module_script, ctx.module_frame)
