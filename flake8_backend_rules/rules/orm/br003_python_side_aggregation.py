"""BR003 python-side-aggregation: `sum()`/`max()`/`min()` over the rows of a queryset, or a
loop over them that only accumulates, where the database would return the one value."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Union

from ...astutil import call_name, iter_nodes, names_in, target_names
from ...context import Context
from .. import Rule, check
from ._queryflow import note_chain_assignment, queryset_info, rows_of

RULE = Rule(
    code="BR003",
    symbol="python-side-aggregation",
    summary="Query rows are aggregated in Python",
    default_on=False,
    precision="Off by default. Read blind: 2 of 6 findings true on two projects (the others read a "
    "relation a caller had prefetched, which a per-function reading cannot see), 3 of 3 "
    "on two more: 9 findings in 19 unseen projects, too few and too mixed for a "
    "default-on rule. Verdicts: docs/evaluation/2026-12-04-blind-stable-rules.md, "
    "2026-12-04-blind-round2-orm.md.",
    message="`{func}()` over the rows of `{expr}` fetches every row to compute one value; "
    "use `.aggregate({aggregate}(...))` or `annotate(...)` in the query",
    messages={
        # `max(qs, key=...)`/`min(qs, key=...)` picks a row: the database orders and returns it
        "pick_row": "`{func}()` over the rows of `{expr}` fetches every row to compute one "
        "value; use `.order_by(...).first()` (or `.latest()`/`.earliest()`) in the query",
        # a loop over the rows that only adds a value of each row into a number
        "loop": "`{name} {operator}` in a loop over the rows of `{expr}` fetches every row to "
        "compute one value; use `.aggregate(Sum(...))` or `annotate(...)` in the query",
        # ... or a constant: it counts them
        "loop_count": "`{name} {operator}` in a loop over the rows of `{expr}` fetches every "
        "row to compute one value; use `.count()` in the query",
    },
    what="Finds `sum(...)`, `max(...)` and `min(...)` over the rows of a Django queryset "
    "(`sum(i.quantity for i in order.items.all())`, `max(qs.values_list(\"price\", "
    "flat=True))`), and `for` loops over one whose body only accumulates "
    "(`for i in self.items.all(): total += i.price * i.quantity`, reported at the `+=`).",
    why="The database returns one number with `aggregate(Sum(...))` or `annotate(...)`; "
    "summing in Python fetches and builds a model instance for every row first, which "
    "grows with the data.",
    bad="""
        def order_total(order):
            return sum(i.price * i.quantity for i in order.items.all())
        """,
    good="""
        from django.db.models import F, Sum


        def order_total(order):
            return order.items.aggregate(total=Sum(F("price") * F("quantity")))["total"]
        """,
    notes="The rows must be a queryset evaluated only for the aggregation: an inline "
    "chain, or a local bound to one and read nowhere else in the function (a list, or "
    "`.values_list()` results also iterated, indexed, passed on or returned, were "
    "fetched for another use and are silent). A loop is reported only when its body "
    "does nothing but accumulate (assignments, `if`, `+=`/`-=` into a local initialised "
    "to a number before the loop): a loop that also renders, appends or calls needs "
    "the rows anyway. Silent inside properties (BR001 reports the query there) and on "
    "a relation prefetched for the enclosing loop (summing the prefetch cache costs no "
    "query), and in migrations (Django's and Alembic's: one-off backfills). Only sums "
    "of the row's own columns are reported (`line.price * line.quantity`, a constant "
    "for counting): a value Python computes per row (a dict lookup, a method call, "
    "another object's attribute) is not something `aggregate()` could compute.",
)

# The builtin and the database aggregate that computes the same value.
_AGGREGATES = {"sum": "Sum", "max": "Max", "min": "Min"}
_ACCUMULATING_OPS = (ast.Add, ast.Sub)
_NUMERIC_FACTORIES = frozenset({"Decimal", "int", "float", "Money"})
# Nodes of an expression SQL could compute from the row's columns.
_ROW_ARITHMETIC = (ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.BoolOp, ast.operator,
                   ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context, ast.Constant, ast.Attribute,
                   ast.keyword)

# The queryset locals the checks judge are noted as the walk meets their assignments.
check(RULE, ast.Assign, ast.AnnAssign, ast.NamedExpr)(note_chain_assignment)


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    return isinstance(node, ast.Call) and call_name(node) in _NUMERIC_FACTORIES


@check(RULE, ast.Call, callees=_AGGREGATES)
def aggregation_builtin_over_rows(node: ast.Call, ctx: Context) -> None:
    """`sum(i.quantity for i in order.items.all())`, `max(qs.values_list(...))`: every row
    fetched to compute one number the database would return."""
    func = node.func
    if not isinstance(func, ast.Name) or func.id not in _AGGREGATES or not node.args:
        return
    if ctx.frame.is_property or ctx.kind.migration or ctx.resolve(func) != func.id:
        return
    if len(node.args) > (2 if func.id == "sum" else 1):
        return  # `max(a, b)` compares values, it does not aggregate rows
    arg = node.args[0]
    rows: ast.AST = arg
    if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
        if len(arg.generators) != 1:
            return
        gen = arg.generators[0]
        if not _row_arithmetic(arg.elt, set(target_names(gen.target))):
            return
        rows = gen.iter
    expr = rows_of(rows, ctx)
    if expr is None:
        return
    if func.id != "sum" and rows is arg and not _yields_values(arg, ctx):
        ctx.report(RULE, node, "pick_row", func=func.id, expr=expr)
    else:
        ctx.report(RULE, node, func=func.id, expr=expr, aggregate=_AGGREGATES[func.id])


def _yields_values(expr: ast.AST, ctx: Context) -> bool:
    """A `.values()`/`.values_list()` queryset (or a local bound to one) yields values,
    not model rows."""
    values: List[ast.AST] = [expr]
    if isinstance(expr, ast.Name):
        values = [value for _, value in ctx.bindings().get(expr.id, ())]
    for value in values:
        info = queryset_info(ctx, value)
        if info is not None and any(m in ("values", "values_list") for m in info.methods):
            return True
    return False


def _row_arithmetic(expr: ast.AST, rows: Set[str]) -> bool:
    """``expr`` computes from the row's own columns only (``line.price * line.quantity``,
    ``row["total"]``, ``Decimal(line.amount)``, a constant): SQL could compute it. A
    method call, a dict lookup or another object's value makes it Python's business."""
    for node in iter_nodes(expr, into_scopes=False):
        if isinstance(node, ast.Name):
            if node.id not in rows:
                return False
        elif isinstance(node, ast.Call):
            if call_name(node) not in _NUMERIC_FACTORIES or not isinstance(node.func, ast.Name):
                return False
        elif isinstance(node, ast.Subscript):
            if not isinstance(node.slice, ast.Constant):
                return False
        elif not isinstance(node, _ROW_ARITHMETIC):
            return False
    return bool(names_in(expr) & rows) or _is_number(expr)


def _accumulations(body: List[ast.stmt], targets: Set[str]) -> Optional[List[ast.AugAssign]]:
    """The `+=`/`-=` statements of a loop body that does nothing else (assignments to
    locals, `if`, `continue`, `pass` aside) and that add a value read from the row (or a
    count); None when the body also uses the rows for something (a call, an append, a
    nested loop, a return...). ``targets`` grows by the locals derived from the row."""
    found: List[ast.AugAssign] = []
    assigns: List[ast.Assign] = []
    stack: List[ast.stmt] = list(body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.AugAssign):
            if not isinstance(stmt.target, ast.Name) or not isinstance(stmt.op, _ACCUMULATING_OPS):
                return None
            found.append(stmt)
        elif isinstance(stmt, ast.Assign):
            if not all(isinstance(t, ast.Name) for t in stmt.targets):
                return None
            assigns.append(stmt)
        elif isinstance(stmt, ast.If):
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
        elif not isinstance(stmt, (ast.Continue, ast.Pass)):
            return None
    # `amount = line.price * line.quantity; total += amount`: a local every assignment of
    # which computes from the row is part of the row
    bound: Dict[str, List[ast.AST]] = {}
    for assign in assigns:
        for target in assign.targets:
            bound.setdefault(target.id, []).append(assign.value)  # type: ignore[attr-defined]
    changed = True
    while changed:
        changed = False
        for name, values in bound.items():
            if name not in targets and all(_row_arithmetic(v, targets) for v in values):
                targets.add(name)
                changed = True
    found = [s for s in found if _row_arithmetic(s.value, targets)]
    found.sort(key=lambda s: (s.lineno, s.col_offset))
    return found


def _target_name(stmt: ast.AugAssign) -> str:
    return stmt.target.id if isinstance(stmt.target, ast.Name) else ""


def _numeric_accumulator(name: str, loop: ast.AST, ctx: Context) -> bool:
    value = ctx.bindings().last_before(name, loop)
    return value is not None and _is_number(value)


@check(RULE, ast.For, ast.AsyncFor)
def accumulation_loop_over_rows(node: Union[ast.For, ast.AsyncFor], ctx: Context) -> None:
    """`for i in self.items.all(): total += i.price * i.quantity`: a Python-side SUM."""
    if ctx.frame.is_property or ctx.kind.migration or ctx.frame.kind not in ("function", "lambda"):
        return
    iterable = node.iter
    if not isinstance(iterable, (ast.Call, ast.Name)):
        return
    targets = set(target_names(node.target))
    accumulations = _accumulations(node.body, targets)
    if not accumulations:
        return
    hits = [s for s in accumulations if _numeric_accumulator(_target_name(s), node, ctx)]
    if not hits:
        return
    expr = rows_of(iterable, ctx)
    if expr is None:
        return
    for stmt in hits:
        variant = "loop_count" if _is_number(stmt.value) else "loop"
        operator = "+=" if isinstance(stmt.op, ast.Add) else "-="
        ctx.report(RULE, stmt, variant, name=_target_name(stmt), operator=operator, expr=expr)
