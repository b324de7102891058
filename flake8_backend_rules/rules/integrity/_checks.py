"""Existence checks and creates, as BR031 and BR035 read them: which checks decide what,
and which model a create writes."""
from __future__ import annotations

import ast
from typing import List, Optional, Set, Tuple

from ...context import Context, Frame
from ._txflow import FlowFacts, Write, unawait
from ._writes import SAVES
CREATES = frozenset({"create", "acreate", "bulk_create", "abulk_create"})
EXISTENCE = frozenset({"exists", "aexists"})
ROW_PROBES = frozenset({"first", "afirst", "last", "alast"})
COUNTS = frozenset({"count", "acount"})
GETS = frozenset({"get", "aget"})
CHECK_NAMES = EXISTENCE | ROW_PROBES | COUNTS | GETS


def count_state(op: ast.cmpop, value: object) -> Optional[bool]:
    """What `count() <op> value` says about existence, or None for capacity checks."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if value == 0:
        if isinstance(op, ast.Eq) or isinstance(op, ast.LtE):
            return False
        if isinstance(op, (ast.NotEq, ast.Gt)):
            return True
    if value == 1:
        if isinstance(op, ast.Lt):
            return False
        if isinstance(op, ast.GtE):
            return True
    return None


def binding_before(ctx: Context, frame: Frame, name: str, at: ast.AST) -> Optional[ast.AST]:
    value = ctx.bindings(frame).last_before(name, at)
    return unawait(value) if value is not None else None


def existence_facts(test: ast.AST, truth: bool, facts: FlowFacts, ctx: Context, frame: Frame,
                    depth: int = 0) -> List[Tuple[ast.Call, bool]]:
    """The existence checks whose outcome is known when ``test`` is ``truth``: a list of
    (query call, rows exist). `if not X.objects.filter(..).exists():` gives, for the
    body, [(the exists() call, False)]."""
    if depth > 8:
        return []
    node: ast.AST = test
    if isinstance(node, ast.NamedExpr):
        node = node.value
    node = unawait(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return existence_facts(node.operand, not truth, facts, ctx, frame, depth + 1)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And) is truth:
            out: List[Tuple[ast.Call, bool]] = []
            for value in node.values:
                out.extend(existence_facts(value, truth, facts, ctx, frame, depth + 1))
            return out
        return []
    if isinstance(node, ast.Name):
        bound_value = binding_before(ctx, frame, node.id, test)
        if isinstance(bound_value, ast.Call):
            return existence_facts(bound_value, truth, facts, ctx, frame, depth + 1)
        return []
    if isinstance(node, ast.Call):
        info = facts.queries.get(id(node))
        if info is not None and info.methods[-1] in EXISTENCE | ROW_PROBES:
            return [(node, truth)]
        return []
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op, right = node.ops[0], node.comparators[0]
        left: Optional[ast.AST] = unawait(node.left)
        if isinstance(left, ast.Name):
            bound = binding_before(ctx, frame, left.id, test)
            left = bound if isinstance(bound, ast.Call) else left
        if not isinstance(left, ast.Call):
            return []
        info = facts.queries.get(id(left))
        if info is None:
            return []
        method = info.methods[-1]
        if method in COUNTS and isinstance(right, ast.Constant):
            state = count_state(op, right.value)
            if state is None:
                return []  # a capacity check (`count() >= seats`)
            return [(left, state if truth else not state)]
        if method in ROW_PROBES and isinstance(right, ast.Constant) and right.value is None:
            if isinstance(op, ast.Is):
                return [(left, not truth)]
            if isinstance(op, ast.IsNot):
                return [(left, truth)]
    return []


def creation_base(write: Write, facts: FlowFacts) -> Optional[str]:
    """The model a write creates rows of: `X.objects.create(...)`, `X(...).save()`,
    `obj = X(...); obj.save()`."""
    if write.info is not None:
        return write.base if write.method in CREATES else None
    if write.method not in SAVES:
        return None
    if write.base is not None:
        return write.base
    if write.receiver is not None and "." not in write.receiver:
        return facts.constructed.get(write.receiver)
    return None


# Keyword lookups that name a field exactly: `email=`, `email__exact=`, `owner_id=`,
# `owner__pk=`/`owner__id=` (the relation's key).
_EXACT_SUFFIXES = ("__exact", "__pk", "__id")


def _lookup_field(keyword: str) -> Optional[str]:
    for suffix in _EXACT_SUFFIXES:
        if keyword.endswith(suffix):
            keyword = keyword[: -len(suffix)]
            break
    if "__" in keyword:
        return None  # a transform or another lookup (`email__iexact`, `name__in`)
    return keyword[:-3] if keyword.endswith("_id") else keyword


def checked_fields(call: ast.Call, ctx: Context, frame: Frame, hops: int = 0) -> Optional[Set[str]]:
    """The fields a check's chain filters on, exactly, or None when it filters on
    anything else (positional `Q(...)`, `**kwargs`, other lookups, other methods)."""
    fields: Set[str] = set()
    node: ast.AST = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        method = node.func.attr
        if method in ("filter", "get", "aget"):
            if node.args:
                return None
            for kw in node.keywords:
                name = _lookup_field(kw.arg) if kw.arg else None
                if name is None:
                    return None
                fields.add(name)
        elif method in ("exclude",):
            # `.exclude(pk=self.instance.pk)`: the row being edited, not another key
            if node.args or any(kw.arg not in ("pk", "id") for kw in node.keywords):
                return None
        elif method not in ("all", "exists", "aexists", "count", "acount", "first", "afirst", "last", "alast",
                            "only", "values", "values_list", "using"):
            return None
        node = node.func.value
    if isinstance(node, ast.Name) and hops < 3:  # `qs = X.objects.filter(...)` then `qs.exists()`
        bound = ctx.bindings(frame).last_before(node.id, call)
        if not isinstance(bound, ast.Call):
            return None
        more = checked_fields(bound, ctx, frame, hops + 1)
        return None if more is None else fields | more
    return fields


# Lookups that select a range or a part of a value: a check on them asks whether any row
# falls in the range, never whether "this key" exists.
_NON_KEY_LOOKUPS = frozenset(
    "gt gte lt lte range contains icontains startswith istartswith endswith iendswith isnull "
    "overlap contained_by has_key has_any_keys has_keys regex iregex search year month day "
    "week_day date".split()
)
# Chain links that select no rows: a chain of only these (and the check) is table-wide.
_UNFILTERING = frozenset(
    "all exists aexists count acount first afirst last alast using order_by only defer values values_list "
    "distinct select_related prefetch_related".split()
)


def cannot_be_a_key(call: ast.Call, facts: FlowFacts, ctx: Context, frame: Frame, hops: int = 0) -> bool:
    """Can no concurrent duplicate follow from this check? `X.objects.exists()` with no
    filter asks whether the table is empty (seed defaults once); a range or containment
    lookup (`created__gte=...`, `name__contains=...`) asks whether any row matches, and
    cannot name the one row a create would duplicate."""
    node: ast.AST = call
    filtered = False
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in ("filter", "exclude", "get", "aget"):
            if node.args:
                filtered = True
            for kw in node.keywords:
                filtered = True
                if kw.arg and kw.arg.rsplit("__", 1)[-1] in _NON_KEY_LOOKUPS and "__" in kw.arg:
                    return True
        elif node.func.attr not in _UNFILTERING:
            filtered = True  # a custom manager method (`get_for_model(m)`) selects rows
        node = node.func.value
    if isinstance(node, ast.Name) and hops < 3:
        bound = ctx.bindings(frame).last_before(node.id, call)
        if isinstance(bound, ast.Call):
            return cannot_be_a_key(bound, facts, ctx, frame, hops + 1)
        return False
    if filtered:
        return False
    info = facts.queries.get(id(call))
    # a table-wide check on a manager (not a related manager: `user.addresses` is scoped)
    return info is not None and info.kind == "manager" or (
        isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager")
    )
