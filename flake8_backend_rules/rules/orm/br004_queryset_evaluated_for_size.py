"""BR004 queryset-evaluated-for-size: `len(qs)`, `bool(qs)`, `not qs` or `if qs:` fetch
every row of a queryset only to count them or to learn whether there is one."""
from __future__ import annotations

import ast
from typing import List, Optional, Union

from ...context import Context
from .. import Rule, check
from ._queryflow import note_chain_assignment, rows_of

RULE = Rule(
    code="BR004",
    symbol="queryset-evaluated-for-size",
    summary="A queryset is fetched only to measure or test it",
    default_on=False,
    precision="Off by default. Read blind: 7 of 14 findings true on four projects (model methods "
    "and helpers written for callers that prefetch the relation), 28 of 30 on three more: "
    "35 of 44 (80%), below the 90% a default-on rule needs. Verdicts: "
    "docs/evaluation/2026-12-04-blind-stable-rules.md, 2026-12-04-blind-round2-orm.md.",
    message="`bool()` fetches every row of `{expr}` only to test for one; use `.exists()`",
    messages={
        "len": "`len()` fetches every row of `{expr}` only to count them; use `.count()`",
        "not": "`not` fetches every row of `{expr}` only to test for one; use `.exists()`",
        # the queryset is the test of an `if` or a conditional expression
        "test": "testing it fetches every row of `{expr}` only to test for one; use `.exists()`",
    },
    what="Finds `len(<queryset>)` (use `.count()`) and `bool(<queryset>)`, "
    "`not <queryset>` and `if <queryset>:` (use `.exists()`) where the queryset is an "
    "inline Django chain ending in a queryset-returning method (`all filter exclude "
    "order_by annotate values values_list distinct` or a builder) or a local bound to "
    "one that has no other use in the function.",
    why="Evaluating a queryset loads and builds every row; `.count()` and `.exists()` ask "
    "the database for one number or one row instead.",
    bad="""
        from shop.models import Order


        def has_open_orders(customer):
            return bool(Order.objects.filter(customer=customer, status="open"))
        """,
    good="""
        from shop.models import Order


        def has_open_orders(customer):
            return Order.objects.filter(customer=customer, status="open").exists()
        """,
    notes="A local that is also iterated, indexed, passed on, returned, or read in a "
    "nested function needs its rows anyway (the first evaluation fills the queryset's "
    "cache), so `len()` on it is right and silent; so is a local with several "
    "measuring uses, or one bound anywhere to something else than a queryset. Silent "
    "for single rows (`.first()`, `.get()`, `session.get`, `.scalar()`), for the "
    "results of `.exists()`, `.count()` and `.update()`, for SQLAlchemy lists "
    "(`session.scalars(...).all()`), for a relation prefetched for the enclosing "
    "loop, and in migrations. `if`/`not` findings are reported at the tested queryset, `len()`/`bool()` "
    "findings at the call.",
)

# The queryset locals the checks judge are noted as the walk meets their assignments.
check(RULE, ast.Assign, ast.AnnAssign, ast.NamedExpr)(note_chain_assignment)


def _measured_queryset(expr: ast.AST, ctx: Context) -> Optional[str]:
    if ctx.kind.migration:
        return None
    return rows_of(expr, ctx)


@check(RULE, ast.Call, callees=("len", "bool"))
def queryset_measured_by_builtin(node: ast.Call, ctx: Context) -> None:
    """`len(qs)` / `bool(qs)`: every row fetched to count them or test for one."""
    func = node.func
    if not isinstance(func, ast.Name) or func.id not in ("len", "bool"):
        return
    if len(node.args) != 1 or node.keywords or ctx.resolve(func) != func.id:
        return
    expr = _measured_queryset(node.args[0], ctx)
    if expr is None:
        return
    if func.id == "len":
        ctx.report(RULE, node, "len", expr=expr)
    else:
        ctx.report(RULE, node, expr=expr)


def _tested_operands(test: ast.AST) -> List[ast.AST]:
    operands: List[ast.AST] = []
    stack = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        else:
            operands.append(node)
    return operands


@check(RULE, ast.If, ast.IfExp)
def queryset_tested_for_truth(node: Union[ast.If, ast.IfExp], ctx: Context) -> None:
    """`if qs:`: every row fetched to learn whether there is one."""
    for operand in _tested_operands(node.test):
        if isinstance(operand, (ast.Call, ast.Name)):
            expr = _measured_queryset(operand, ctx)
            if expr is not None:
                ctx.report(RULE, operand, "test", expr=expr)


@check(RULE, ast.UnaryOp)
def queryset_negated(node: ast.UnaryOp, ctx: Context) -> None:
    """`not qs`: the same test, negated."""
    if not isinstance(node.op, ast.Not) or not isinstance(node.operand, (ast.Call, ast.Name)):
        return
    expr = _measured_queryset(node.operand, ctx)
    if expr is not None:
        ctx.report(RULE, node.operand, "not", expr=expr)
