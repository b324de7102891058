"""BR034 multi-write-without-atomic (off by default): several ORM writes in one function
with no transaction around them, so a failure after the first leaves the data
half-changed."""
from __future__ import annotations

import ast
from typing import Dict, List, Set, Tuple

from ...astutil import position, short_source
from ...budget import WORK
from ...context import Context, FactKey, Frame
from ...vocabulary import looks_non_orm
from .. import Rule, check
from ._txflow import FLOW_NOTE, FlowFacts, Write, can_run_after, flow_facts
from ._writes import ANY_WRITE_NAMES, is_model_class

RULE = Rule(
    code="BR034",
    symbol="multi-write-without-atomic",
    summary="Several ORM writes in one function outside transaction.atomic()",
    message="`{write}` is write number {n} of this function (the first: `{first}`) "
    "outside transaction.atomic(): a failure in between leaves partial data; wrap "
    "the writes in `with transaction.atomic():`",
    what="Finds two or more Django ORM writes (counted by source location) in one "
    "function outside any atomic block or atomic decorator, and reports each write "
    "after the first.",
    why="If the second write fails (a constraint, a timeout, a deploy), the first is "
    "already committed: an order without its lines, stock taken for a payment that "
    "never happened.",
    bad="""
        from shop.models import Order, OrderLine


        def place_order(customer, product, quantity):
            order = Order.objects.create(customer=customer)
            OrderLine.objects.create(order=order, product=product, quantity=quantity)
            return order
        """,
    good="""
        from django.db import transaction

        from shop.models import Order, OrderLine


        def place_order(customer, product, quantity):
            with transaction.atomic():
                order = Order.objects.create(customer=customer)
                OrderLine.objects.create(order=order, product=product, quantity=quantity)
            return order
        """,
    default_on=False,
    category="R",
    notes="Off by default: many functions write twice on purpose (a log row, a "
    "counter) and many run inside a caller's transaction or `ATOMIC_REQUESTS`, which "
    "a per-function analysis cannot see. Writes are query writes and `save()`/"
    "`delete()` on model instances (a fetched row, an instance built here, a "
    "parameter, a loop variable, `self` in a model, `super().save()`). Migrations are "
    "not checked, nor are test modules when `backend-check-tests` is on: Django's "
    "`TestCase` and pytest-django run each test inside a transaction, and fixtures "
    "that create several rows are the norm there. " + FLOW_NOTE,
)

# Django's query writes take keyword arguments only: `d.update(other)` and
# `cache.delete(key)` are not theirs.
_KEYWORD_ONLY_WRITES = frozenset({"update", "aupdate", "delete", "adelete", "create", "acreate",
                                  "get_or_create", "aget_or_create", "update_or_create",
                                  "aupdate_or_create"})

# The calls of the function that may be ORM writes, noted as the walk meets them.
_WRITE_CANDIDATES: FactKey[List[ast.Call]] = FactKey("br034.write_candidates")
# The function's reported writes: id of the write -> (the first write's text, its number).
_UNGUARDED_WRITES: FactKey[Dict[int, Tuple[str, int]]] = FactKey("br034.unguarded_writes")


def _counts_as_write(write: Write, facts: FlowFacts, ctx: Context, frame: Frame) -> bool:
    """A write of a model row: a query write, `Model(...).save()`, `super().save()`, or
    `save()`/`delete()` on `self` in a model, a query local, an instance built here, a
    loop variable or a parameter whose name does not say it is something else."""
    if write.info is not None or write.base is not None or write.receiver == "super()":
        return True
    receiver = write.receiver
    if receiver is None or "." in receiver:
        return False
    if receiver == frame.self_name:
        return is_model_class(ctx, frame)
    if facts.is_query_local(receiver) or receiver in facts.constructed:
        return True
    return (receiver in facts.loop_targets or receiver in facts.params) and not looks_non_orm(receiver)


def _unguarded_writes(ctx: Context, frame: Frame) -> Dict[int, Tuple[str, int]]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, Tuple[str, int]] = {}
    if facts is None or facts.covered:
        return found
    seen: Set[Tuple[int, int]] = set()
    writes: List[Write] = []
    for write in sorted(facts.writes, key=lambda w: position(w.node)):
        if write.site.atomic or not _counts_as_write(write, facts, ctx, frame):
            continue
        where = position(write.node)
        if where in seen:
            continue
        seen.add(where)
        writes.append(write)
    for index, write in enumerate(writes):
        WORK.lookup(index or 1)  # pairs of writes: bounded by the work budget
        before = [w for w in writes[:index] if can_run_after(w.site.path, write.site.path, facts.owners)]
        if before:
            found[id(write.node)] = (short_source(before[0].node, 40), len(before) + 1)
    return found


@check(RULE, ast.Call, callees=ANY_WRITE_NAMES)
def note_write_candidate(node: ast.Call, ctx: Context) -> None:
    """Remember the calls of a function that may be ORM writes; the function's flow facts
    are only built (when it ends) if it has two or more: most functions have none or one,
    and one write needs no transaction."""
    func = node.func
    if not isinstance(func, ast.Attribute) or ctx.kind.migration or ctx.kind.test:
        return  # a test runs inside the test case's transaction
    if func.attr in _KEYWORD_ONLY_WRITES and any(not isinstance(a, ast.Starred) for a in node.args):
        return  # `d.update(other)`, `cache.delete(key)`: Django's take no positional argument
    frame = ctx.frame
    if frame.kind == "function":
        frame.facts.setdefault(_WRITE_CANDIDATES, []).append(node)


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef, phase="leave")
def multi_write_without_atomic(node: ast.AST, ctx: Context) -> None:
    """Several ORM writes with no atomic block: a failure after the first leaves the
    data half-changed (an order without its lines, stock taken for a failed payment)."""
    frame = ctx.frame
    candidates = frame.facts.get(_WRITE_CANDIDATES)
    if frame.node is not node or not candidates or len(candidates) < 2:
        return
    hits = ctx.frame_fact(_UNGUARDED_WRITES, _unguarded_writes, frame)
    for call in candidates:
        hit = hits.get(id(call))
        if hit is not None:
            first, n = hit
            ctx.report(RULE, call, write=short_source(call, 40), first=first, n=n)
