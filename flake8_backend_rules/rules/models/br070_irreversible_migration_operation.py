"""BR070 irreversible-migration-operation: `RunPython` without `reverse_code`, `RunSQL`
without `reverse_sql`, in a migration module."""
from __future__ import annotations

import ast
from typing import Optional

from ...astutil import short_source
from ...context import Context
from .. import Rule, check
from ._migrations import REVERSIBLE_OPERATIONS, initial_migration, migration_operation, replaced_by_squash

RULE = Rule(
    code="BR070",
    symbol="irreversible-migration-operation",
    summary="A migration operation cannot be reversed",
    precision="Read blind on four projects its authors never read (round 2, after migrations behind "
    "a squash and initial migrations were made silent): 30 of 30 findings judged true. "
    "Before that fix, 14 of 30 on five other unseen projects. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round2-misc.md, 2026-12-04-blind-stable-rules.md.",
    message="`{expr}` has no {reverse}: the migration cannot be unapplied; give a "
    "reverse (or `migrations.RunPython.noop` / `migrations.RunSQL.noop` when undoing "
    "needs nothing)",
    what="In a migration module (`*/migrations/*.py`), finds `migrations.RunPython(...)` "
    "without a `reverse_code` and `migrations.RunSQL(...)` without a `reverse_sql`, "
    "given by keyword or as the second positional argument; an explicit `None` counts "
    "as missing.",
    why="An operation without a reverse makes the whole migration irreversible: "
    "`migrate app 0041` fails with IrreversibleError, so a bad deploy cannot be rolled "
    "back and a developer cannot step back to test a migration again. Most data "
    "migrations can be undone, or need nothing to undo (`RunPython.noop`).",
    bad="""
        from django.db import migrations


        def fill_slugs(apps, schema_editor):
            Product = apps.get_model("shop", "Product")
            for product in Product.objects.filter(slug=""):
                product.slug = str(product.pk)
                product.save(update_fields=["slug"])


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [migrations.RunPython(fill_slugs)]
        """,
    good="""
        from django.db import migrations


        def fill_slugs(apps, schema_editor):
            Product = apps.get_model("shop", "Product")
            for product in Product.objects.filter(slug=""):
                product.slug = str(product.pk)
                product.save(update_fields=["slug"])


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [migrations.RunPython(fill_slugs, migrations.RunPython.noop)]
        """,
    notes="Migration modules are recognised by path, not content: a module directly "
    "inside a `migrations/` package (not a subpackage such as `migrations/tasks/`, nor "
    "Django's own `django/db/migrations/`); an operation built in a helper module "
    "elsewhere is not checked. A call that passes "
    "`*args` or `**kwargs` may carry the reverse and stays silent. Only Django's "
    "operations are matched, through the module's imports (`migrations.RunPython`, "
    "`from django.db.migrations import RunSQL`). Silent in an initial migration "
    "(`initial = True`: unapplying it drops the app's tables, no deploy rolls back past it) "
    "and in a migration a squashed migration `replaces` (a fact of the project model: "
    "Django never runs it again where the squash is applied).",
    references=("https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython",),
)


def _may_hide_arguments(call: ast.Call) -> bool:
    """`*args`/`**kwargs` in the call may carry any argument."""
    return any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords)


def _argument(call: ast.Call, keyword: str, position: int) -> Optional[ast.AST]:
    """The argument given by keyword or at its position, or None."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _is_none(node: Optional[ast.AST]) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


@check(RULE, ast.Call, callees=REVERSIBLE_OPERATIONS)
def irreversible_migration_operation(node: ast.Call, ctx: Context) -> None:
    """`RunPython(forwards)` without `reverse_code`, `RunSQL(sql)` without `reverse_sql`
    (or with `None`): the migration cannot be unapplied, so a failed deploy cannot be
    rolled back past it. `RunPython.noop`/`RunSQL.noop` as reverse is a deliberate no-op."""
    if not ctx.kind.migration or initial_migration(ctx) or replaced_by_squash(ctx):
        return
    operation = migration_operation(node, ctx)
    if operation is None:
        return
    keyword, position = REVERSIBLE_OPERATIONS[operation]
    if _may_hide_arguments(node) or not _is_none(_argument(node, keyword, position)):
        return
    ctx.report(RULE, node, expr=short_source(node, 50), reverse=keyword)
