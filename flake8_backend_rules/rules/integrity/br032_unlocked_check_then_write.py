"""BR032 unlocked-check-then-write: a row fetched without a lock, its state checked by a
guard that returns or raises, then written; two requests pass the guard on the same old
state."""
from __future__ import annotations

import ast
from typing import Dict, List, Set, Tuple

from ...astutil import dotted_name, iter_nodes, names_in, position, short_source
from ...budget import WORK
from ...context import Context, FactKey, Frame
from ...vocabulary import LEAVING_STATEMENTS
from .. import Rule, check
from ._txflow import FLOW_NOTE, Fetch, FlowFacts, Write, ends_with_exit, flow_facts, follows, new_set
from ._writes import ANY_WRITE_NAMES, SAVES, is_write_call

RULE = Rule(
    code="BR032",
    symbol="unlocked-check-then-write",
    summary="A row's state is checked and then written without a lock",
    message="`{row}` is fetched without select_for_update(), checked (`{guard}`) and "
    "then written by `{write}`: a concurrent request can pass the same check; lock the "
    "row inside transaction.atomic() or use a conditional update",
    what="Finds a row fetched without `select_for_update()` (`.get(...)`, `.first()`, "
    "`.last()`, `get_object_or_404(...)`, `self.get_object()`), then a guard on its state "
    "that returns or raises, then an ORM write in the same function, reported at the "
    "first write after the guard. A guard on the state is an ordering comparison "
    "involving the row (`if product.stock < quantity:`, `if account.members.count() >= "
    "account.seats:`), a field compared with a literal or a named constant (`if "
    "order.status != \"pending\":`, `if order.status != Status.PENDING:`) or a truth "
    "test of a field (`if key.revoked:`).",
    why="The guard reads a state that can change before the write: two requests both "
    "see \"pending\" and both charge the card, both see a seat free and both join. The "
    "check and the write must happen under a row lock, or be one conditional UPDATE.",
    bad="""
        from django.shortcuts import get_object_or_404

        from shop.models import Order


        def pay(request, order_id):
            order = get_object_or_404(Order, pk=order_id)
            if order.status != "pending":
                raise ValueError("order already paid")
            order.status = "paid"
            order.save()
        """,
    good="""
        from django.db import transaction
        from django.shortcuts import get_object_or_404

        from shop.models import Order


        def pay(request, order_id):
            with transaction.atomic():
                order = get_object_or_404(Order.objects.select_for_update(), pk=order_id)
                if order.status != "pending":
                    raise ValueError("order already paid")
                order.status = "paid"
                order.save()
        """,
    default_on=False,
    notes="Off by default: whether a guard and the write after it race is a judgement "
    "about the data (can two requests act on one row at once? does running the code "
    "twice do harm, or end the same way?) that the code alone rarely settles. Read "
    "blind on unseen projects, 1 finding in 10 was judged a real race; with the "
    "classes below excluded the rule reports far less, but what is left (pausing a "
    "check twice, a sync job rewriting its own owner field) is still mostly benign. "
    "Turn it on for code that moves money or stock. "
    "Ownership and permission checks are not guards on state: a field compared "
    "with a non-literal (`order.user != request.user`) or a test on `request.user`; "
    "neither is a test of the row itself (`if order is None`) or of its `pk`/`id`. The "
    "writes that count are query writes (`create`, `update`, `delete`, ...) and "
    "`save()`/`delete()` on a fetched row or an instance built in the function, when "
    "they act on the guarded row: they name it or a name its fetch used "
    "(`filter(pk=product_id).update(...)`, `Payment.objects.create(order=order)`); a "
    "write that only records a time (`update(last_used=timezone.now())`, "
    "`save(update_fields=[\"last_seen_at\"])`) is bookkeeping and does not count. A "
    "conditional update (`filter(pk=..., status=\"pending\").update(status=\"paid\")` "
    "and a check of the row count) needs no fetch and is silent. Django ORM only; "
    "migrations are not checked. The write must change what the guard read: a "
    "save of the row that sets a checked field (or names it in `update_fields`), an "
    "`update()` of a checked field that is not itself conditional on the value read "
    "(`filter(pk=p.pk, next_date=p.next_date).update(next_date=...)` is an optimistic "
    "lock), or after a capacity check (`members.count() >= seats`) any write naming the "
    "row. A write of other fields (`if token.expires_at < now: raise` then `token.used "
    "= True`) or of another row (`Payment.objects.create(order=order)`, BR031's business "
    "when it is a create) leaves both requests with the same answer, and a delete ends "
    "the same way however many requests run it. Authorization guards are not state: "
    "a guard that refuses (`raise PermissionDenied`, a 401/403 response), and a row "
    "that is the requester's own (`get(pk=request.user.id)`)." + " " + FLOW_NOTE,
)

_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)
_NOT_STATE = frozenset({"pk", "id"})  # the row's identity, not its state

# Whether an `if` that returns or raises on an attribute test was met so far in the
# function (the set holds "if" once one was).
_EXITING_GUARDS: FactKey[Set[str]] = FactKey("br032.exiting_guards")
# The function's reported writes: id of the write call -> (the row, the guard's text).
_GUARDED_WRITES: FactKey[Dict[int, Tuple[str, str]]] = FactKey("br032.guarded_writes")


def _rooted_at(node: ast.AST, name: str) -> bool:
    """`order.status`, `order.members.count()`: an expression reading the row's state."""
    for sub in iter_nodes(node, into_scopes=False):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == name:
            return True
    return False


def _is_field(node: ast.AST, name: str) -> bool:
    """`order.status`, `order.customer.is_active` (attributes only, no calls)."""
    if not isinstance(node, ast.Attribute):
        return False
    attrs: List[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return isinstance(node, ast.Name) and node.id == name and attrs[-1] not in _NOT_STATE


def _is_literal(node: ast.AST) -> bool:
    """A constant, a collection of constants, or a named constant (`OrderStatus.PAID`,
    `STATUS_DRAFT`): not a value of the request such as `request.user`."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    text = dotted_name(node)
    if text is None:
        return False
    last = text.rsplit(".", 1)[-1]
    return (last.isupper() and len(last) > 1) or ("." in text and text[:1].isupper())


def _guards_state_of(test: ast.AST, name: str) -> bool:
    """Does ``test`` check the state of row ``name``: an ordering comparison involving
    the row, a field compared with a literal or a named constant, or a truth test of a
    field?"""
    stack = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)
        elif isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif _is_field(node, name):
            return True
        elif isinstance(node, ast.Compare):
            operands = [node.left] + list(node.comparators)
            for op, left, right in zip(node.ops, operands, operands[1:]):
                if isinstance(op, _ORDERING) and (_rooted_at(left, name) or _rooted_at(right, name)):
                    return True
                if isinstance(op, _EQUALITY) and (
                    (_is_field(left, name) and _is_literal(right)) or (_is_field(right, name) and _is_literal(left))
                ):
                    return True
    return False


class _Checked:
    """What a guard reads of the row: its fields (`order.status` -> "status"), and whether
    it counts a relation (`account.members.count()`: a capacity check)."""

    __slots__ = ("fields", "counts")

    def __init__(self, test: ast.AST, name: str) -> None:
        self.fields: Set[str] = set()
        self.counts = False
        for sub in iter_nodes(test, into_scopes=False):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == name:
                self.fields.add(sub.attr)
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
                receiver = sub.func.value
                if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) \
                        and receiver.value.id == name:
                    self.counts = True


# How a refusal reads: the exception a guard raises, the response it returns.
_REFUSAL_WORDS = ("Permission", "Forbidden", "Denied", "Unauthorized", "Unauthorised", "NotAuthenticated",
                  "AuthenticationFailed")
_REFUSAL_STATUSES = frozenset({401, 403})


def _refuses(body: List[ast.stmt]) -> bool:
    """The guard's exit is an authorization refusal (`raise PermissionDenied`, a 401/403
    response, `abort(403)`): it decides who may act, not a state two requests can both
    see."""
    last = body[-1] if body else None
    if isinstance(last, ast.Raise) and last.exc is not None:
        exc = last.exc.func if isinstance(last.exc, ast.Call) else last.exc
        name = (dotted_name(exc) or "").rsplit(".", 1)[-1]
        return any(word in name for word in _REFUSAL_WORDS)
    if isinstance(last, ast.Return) and last.value is not None:
        for sub in iter_nodes(last.value, into_scopes=False):
            if isinstance(sub, ast.Constant) and sub.value in _REFUSAL_STATUSES and not isinstance(sub.value, bool):
                return True
            text = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else ""
            if text.startswith(("HTTP_401", "HTTP_403")) or any(word in text for word in _REFUSAL_WORDS):
                return True
    return False


def _requesters_own(fetches: List[Fetch]) -> bool:
    """`User.objects.get(pk=request.user.id)`: the caller's own row; concurrent requests
    of one user on it are not the race this rule is about."""
    for fetch in fetches:
        for sub in iter_nodes(fetch.value, into_scopes=False):
            if isinstance(sub, ast.Attribute) and sub.attr == "user" and isinstance(sub.value, ast.Name) \
                    and sub.value.id == "request":
                return True
    return False


_ASSIGNED: FactKey[Dict[str, Set[str]]] = FactKey("br032.assigned_fields")


def _assigned_fields(ctx: Context, frame: Frame) -> Dict[str, Set[str]]:
    """The fields the function assigns on each local (`order.status = "paid"`, `+=`),
    by one walk of the function."""
    out: Dict[str, Set[str]] = {}
    for node in iter_nodes(frame.node, into_scopes=False):
        targets: List[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                out.setdefault(target.value.id, set()).add(target.attr)
    return out


def _touches(write: Write, name: str, checked: _Checked, frame: Frame, ctx: Context) -> bool:
    """Does the write change what the guard read? A save of the row that sets a checked
    field (or names it in `update_fields`), an `update()` setting a checked field; after
    a capacity check (`members.count() >= seats`), any write naming the row (the row a
    second request would also add). A write of other fields or of another row
    (`Payment.objects.create(order=order)`) leaves the checked state as it was, and a
    delete ends the same way however many requests run it."""
    node = write.node
    if write.method in ("delete", "adelete"):
        return False
    if checked.counts:
        return True
    if write.info is None:
        if write.receiver != name:
            return False
        for kw in node.keywords:
            if kw.arg == "update_fields" and isinstance(kw.value, (ast.List, ast.Tuple)):
                named = {e.value for e in kw.value.elts if isinstance(e, ast.Constant)}
                return bool(named & checked.fields)
        return bool(ctx.frame_fact(_ASSIGNED, _assigned_fields, frame).get(name, set()) & checked.fields)
    if write.method in ("update", "aupdate"):
        return any(kw.arg in checked.fields for kw in node.keywords) and not _conditional(node, name, checked, ctx)
    return False


def _conditional(node: ast.Call, name: str, checked: _Checked, ctx: Context) -> bool:
    """`Profile.objects.filter(id=p.id, next_report_date=p.next_report_date).update(...)`:
    the update matches only while the checked field still holds the value read (an
    optimistic lock), directly or through a local queryset."""
    current: ast.AST = node
    for _ in range(4):
        while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
            for kw in current.keywords:
                value = kw.value
                if kw.arg in checked.fields and isinstance(value, ast.Attribute) and value.attr == kw.arg \
                        and isinstance(value.value, ast.Name) and value.value.id == name:
                    return True
            current = current.func.value
        if not isinstance(current, ast.Name):
            return False
        bound = ctx.bindings().last_before(current.id, node)
        if bound is None:
            return False
        current = bound
    return False


def _is_now_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] in ("now", "utcnow")


def _is_timestamp_field(name: str) -> bool:
    return name.startswith("last_") or name.endswith(("_at", "_on", "_time", "_seen"))


def _only_touches_timestamps(write: Write) -> bool:
    """`Token.objects.filter(pk=t.pk).update(last_used=timezone.now())`,
    `session.save(update_fields=["last_seen_at"])`: bookkeeping that records when, not
    a state change the guard protects (netbox's token authentication)."""
    node = write.node
    if write.method in ("update", "aupdate"):
        return bool(node.keywords) and all(kw.arg is not None and _is_now_call(kw.value) for kw in node.keywords) \
            and not node.args
    if write.method in SAVES:
        for kw in node.keywords:
            if kw.arg == "update_fields" and isinstance(kw.value, (ast.List, ast.Tuple)) and kw.value.elts:
                names = [e.value for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                return len(names) == len(kw.value.elts) and all(_is_timestamp_field(n) for n in names)
    return False


def _counts_as_write(write: Write, facts: FlowFacts) -> bool:
    """A write that can change the guarded state: a query write, or `save()`/`delete()`
    on a fetched row or an instance built here; not one that only records a time."""
    if _only_touches_timestamps(write):
        return False
    if write.info is not None:
        return True
    receiver = write.receiver
    return receiver is not None and (receiver in facts.fetches or receiver in facts.constructed)


def _unlocked_check_then_writes(ctx: Context, frame: Frame) -> Dict[int, Tuple[str, str]]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, Tuple[str, str]] = {}
    if facts is None or not facts.fetches:
        return found
    writes = sorted((w for w in facts.writes if _counts_as_write(w, facts)), key=lambda w: position(w.node))
    if not writes:
        return found
    # name -> the writes naming it, in source order: a guard looks only at the writes
    # that can touch its row, not at every write of the function
    touching: Dict[str, List[Write]] = {}
    for write in writes:
        for read in names_in(write.node):
            touching.setdefault(read, []).append(write)
    for stmt, path in facts.ifs:
        if not ends_with_exit(stmt.body, LEAVING_STATEMENTS):
            continue
        tested = names_in(stmt.test)
        for name in [n for n in facts.fetches if n in tested]:
            fetches = facts.fetches[name]
            if facts.is_locked(name) or any(facts.serialized_by_earlier_lock(f.node) for f in fetches):
                continue
            if not any(position(f.node) < position(stmt) for f in fetches):
                continue
            if not _guards_state_of(stmt.test, name) or _refuses(stmt.body) or _requesters_own(fetches):
                continue
            checked = _Checked(stmt.test, name)
            related = _names_of_the_row(name, fetches)
            candidates = {id(w): w for read in related for w in touching.get(read, ())}
            after = position(stmt)
            for write in sorted(candidates.values(), key=lambda w: position(w.node)):
                if position(write.node) <= after:
                    continue
                WORK.lookup()  # a (guard, write) pair: bounded by the work budget
                if not _touches(write, name, checked, frame, ctx):
                    continue
                if follows(path, write.site.path, stmt, facts.owners):
                    found.setdefault(id(write.node), (name, short_source(stmt.test, 50)))
                    break
    return found


def _names_of_the_row(name: str, fetches: List[Fetch]) -> Set[str]:
    """The row's local and the names its fetch used (`order_id`, `Order` in
    `get_object_or_404(Order, pk=order_id)`): a write naming one of them acts on that row
    or its model."""
    names = {name}
    for fetch in fetches:
        names |= names_in(fetch.value)
    return names


@check(RULE, ast.If)
def note_exiting_guard(node: ast.If, ctx: Context) -> None:
    """Remember an `if` whose body returns or raises and whose test reads an attribute,
    so a later write builds the flow facts only when a guard can precede it."""
    if ends_with_exit(node.body, LEAVING_STATEMENTS) and any(
        isinstance(n, ast.Attribute) for n in iter_nodes(node.test)
    ):
        ctx.frame_fact(_EXITING_GUARDS, new_set).add("if")


@check(RULE, ast.Call, callees=ANY_WRITE_NAMES)
def unlocked_check_then_write(node: ast.Call, ctx: Context) -> None:
    """A row fetched without a lock, its state checked, then a write: two requests pass
    the check on the same old state (paying twice, spending a revoked key)."""
    if not is_write_call(node, ANY_WRITE_NAMES):
        return
    if ctx.kind.migration or ctx.frame.kind != "function" or not ctx.frame_fact(_EXITING_GUARDS, new_set):
        return  # no `if` that returns or raises met earlier in this function
    hit = ctx.frame_fact(_GUARDED_WRITES, _unlocked_check_then_writes).get(id(node))
    if hit is not None:
        row, guard = hit
        ctx.report(RULE, node, row=row, guard=guard, write=short_source(node, 40))
