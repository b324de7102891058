"""BR030 read-modify-write: a field of a stored row changed in Python (`obj.f += n`) and
saved without a lock, so a concurrent change in between is lost."""
from __future__ import annotations

import ast
from typing import Dict, List, Set, Tuple

from ...astutil import dotted_name, iter_nodes, position, short_source
from ...context import Context, FactKey, Frame
from .. import Rule, check
from ._txflow import FLOW_NOTE, FlowFacts, Modification, flow_facts, new_set, unawait
from ._writes import SAVES, is_model_class

RULE = Rule(
    code="BR030",
    symbol="read-modify-write",
    summary="A field is read, changed in Python and saved without a lock",
    default_on=False,
    precision="Off by default. Read blind on two unseen projects: 6 of 19 findings true. Management "
    "commands with a single writer and dead branches were the false ones. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br030-br031-br033-br042-br062.md.",
    message="`{field}` is read, changed in Python and saved by `{save}` without a lock: "
    "a concurrent update in between is lost; use "
    "filter(pk=...).update({attr}=F(\"{attr}\") {op} n) or select_for_update()",
    what="Finds `obj.f += n`, `obj.f -= n` and `obj.f = obj.f +/- n` followed later in "
    "the same function by `obj.save(...)` (also `self` in a model's methods), when "
    "`obj` was not fetched with `select_for_update()` in this function. Reported at "
    "the `save()` call.",
    why="Two requests read stock 5, both subtract 1 in Python and both save 4: one sale "
    "is lost and the shop oversells. The database can do the arithmetic atomically "
    "(`F()`), or the row can be locked for the read.",
    bad="""
        from shop.models import Product


        def sell(product_id, quantity):
            product = Product.objects.get(pk=product_id)
            product.stock -= quantity
            product.save()
        """,
    good="""
        from django.db.models import F

        from shop.models import Product


        class OutOfStock(Exception):
            pass


        def sell(product_id, quantity):
            updated = Product.objects.filter(pk=product_id, stock__gte=quantity).update(
                stock=F("stock") - quantity
            )
            if not updated:
                raise OutOfStock(product_id)
        """,
    notes="Only rows this function read from the database count: `self` in a model "
    "class, a row fetched in the function, a loop variable over a query run in it. An "
    "instance built in the function (`Model(...)`, `form.save(commit=False)`) is nobody "
    "else's yet, and a parameter is left alone: its caller may hold the lock (real "
    "helpers such as `charge_gift_card(gift_card, ...)` are called on locked rows). A row "
    "locked in the function is silent: fetched or iterated with `select_for_update()`, "
    "or named in a `select_for_update()` query's filter (`select_for_update().get(pk="
    "obj.pk)`). Text and collection deltas (`name += \" (copy)\"`) and `F()` "
    "expressions are not reported, nor a save after `obj.pk = None` (a copy inserted, "
    "no stored row changed), nor a field this function reset first (`self.total "
    "= 0` then `self.total += line.price` in a loop computes the value here). "
    "Migrations are not checked. " + FLOW_NOTE,
)

Position = Tuple[int, int]
# Locals an `obj.f += n` / `obj.f = obj.f +/- n` changed, noted as the walk meets them.
_MODIFIED: FactKey[Set[str]] = FactKey("br030.modified")
# The function's reported saves: id of the save() call -> the modification it stores.
_LOST_UPDATES: FactKey[Dict[int, Modification]] = FactKey("br030.lost_updates")


def _is_stored_row(name: str, ctx: Context, frame: Frame, facts: FlowFacts) -> bool:
    """A row this function read from the database without a lock: `self` in a model
    method, a row fetched here (`.get()`, `.first()`, `get_object_or_404()`), or a loop
    variable over a query run here. Not an instance built here (`Model(...)`,
    `form.save(commit=False)`), whose fields nobody else can be changing yet, and not a
    parameter: the caller may hold the lock (saleor's `charge_gift_card(gift_card, ...)`
    is called on a row its caller locked)."""
    if name == frame.self_name:
        return is_model_class(ctx, frame)
    bound = ctx.bindings(frame).get(name, ())
    if not bound:
        iterable = facts.loop_iterables.get(name)
        return iterable is not None and _is_query_here(iterable, facts)
    # every binding a fetched row, or an instance built on the "not found" path
    # (`try: a = user.addresses.get(...) except ObjectDoesNotExist: a = UserAddress(...)`)
    fetched = facts.fetches.get(name, ())
    built = sum(1 for _, value in bound if _is_construction(value))
    return bool(fetched) and len(fetched) + built == len(bound)


def _is_construction(value: ast.AST) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id[:1].isupper()


@check(RULE, ast.AugAssign, ast.Assign)
def note_modified_field(node: ast.AST, ctx: Context) -> None:
    """Remember `obj.f += n` / `obj.f = obj.f +/- n` as the walk meets them, so a later
    `obj.save()` builds the function's flow facts only when something was modified."""
    if isinstance(node, ast.AugAssign):
        target = node.target
    elif len(node.targets) == 1 and isinstance(node.value, ast.BinOp):  # type: ignore[attr-defined]
        target = node.targets[0]  # type: ignore[attr-defined]
    else:
        return
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        ctx.frame_fact(_MODIFIED, new_set).add(target.value.id)


def _is_query_here(expr: ast.AST, facts: FlowFacts) -> bool:
    """A query expression run in this function (directly or through a local)."""
    expr = unawait(expr)
    if isinstance(expr, ast.Call):
        return id(expr) in facts.queries
    return isinstance(expr, ast.Name) and facts.is_query_local(expr.id)


def _is_numeric_delta(delta: ast.AST) -> bool:
    """`+= 1`, `-= quantity`; not text or collections (`name += " (copy)"`), and not an
    `F()` expression, which is the database-side fix itself."""
    if isinstance(delta, ast.Constant):
        return isinstance(delta.value, (int, float)) and not isinstance(delta.value, bool)
    for sub in iter_nodes(delta, into_scopes=False):
        if isinstance(sub, ast.Call) and (dotted_name(sub.func) or "").rsplit(".", 1)[-1] in ("F", "ExpressionWrapper"):
            return False
    # text or a collection, at the top or as an operand (`"-" + suffix`); a string used
    # as a key (`discount["discount"]`) is fine
    stack = [delta]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            return False
        if isinstance(node, (ast.JoinedStr, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp,
                             ast.SetComp, ast.DictComp)):
            return False
        if isinstance(node, ast.BinOp):
            stack.extend((node.left, node.right))
    return True


def _cleared_keys(frame: Frame) -> Dict[str, List[Position]]:
    """Where the function sets a local's primary key to None (`obj.pk = None`, `obj.id =
    None`): the clone idiom, whose next save is an INSERT."""
    cleared: Dict[str, List[Position]] = {}
    for node in iter_nodes(frame.node, into_scopes=False):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is None:
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ("pk", "id") \
                        and isinstance(target.value, ast.Name):
                    cleared.setdefault(target.value.id, []).append(position(node))
    return cleared


def _read_modify_writes(ctx: Context, frame: Frame) -> Dict[int, Modification]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, Modification] = {}
    if facts is None or not facts.modifications:
        return found
    cleared_keys = _cleared_keys(frame)
    for write in facts.writes:
        if write.method not in SAVES or write.receiver is None or "." in write.receiver:
            continue
        obj = write.receiver
        if facts.is_locked(obj) or any(facts.serialized_by_earlier_lock(f.node) for f in facts.fetches.get(obj, ())):
            continue  # locked, or read under a lock this transaction took first
        at = position(write.node)
        if any(p < at for p in cleared_keys.get(obj, ())):
            continue  # `obj.pk = None` first: the save inserts a copy, it changes no stored row
        for mod in facts.modifications:
            if mod.obj != obj or position(mod.node) >= at or not _is_numeric_delta(mod.delta):
                continue
            resets = facts.field_resets.get((obj, mod.attr), ())
            if any(r < position(mod.node) for r in resets):
                continue  # `obj.total = 0` earlier: the sum is computed here, not read
            if not _is_stored_row(obj, ctx, frame, facts):
                break
            found[id(write.node)] = mod
            break
    return found


@check(RULE, ast.Call, callees=SAVES)
def read_modify_write(node: ast.Call, ctx: Context) -> None:
    """`obj.stock -= n; obj.save()` on a row not locked with select_for_update(): two
    concurrent requests read the same value and one decrement is lost (overselling)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in SAVES and isinstance(func.value, ast.Name)):
        return
    if ctx.kind.migration or ctx.frame.kind != "function":
        return
    if func.value.id not in ctx.frame_fact(_MODIFIED, new_set):
        return  # nothing of it was changed earlier in this function (the walk is in order)
    mod = ctx.frame_fact(_LOST_UPDATES, _read_modify_writes).get(id(node))
    if mod is None:
        return
    op = "-" if isinstance(mod.node, ast.AugAssign) and isinstance(mod.node.op, ast.Sub) else "+"
    ctx.report(RULE, node, field=f"{mod.obj}.{mod.attr}", save=short_source(node, 40), attr=mod.attr, op=op)
