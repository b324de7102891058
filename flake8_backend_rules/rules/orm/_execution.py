"""When a query expression runs: not at all (a queryset only built, a subquery), once per
row of which loop, and what a prepared statement it executes does. Shared by BR001,
BR002, BR005 and BR006 (and, for subqueries, the queryset flow of BR003/BR004)."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import call_name, iter_nodes, string_value
from ...context import Context, FactKey, Frame, LoopFrame
from ...queries import QUERYSET_RETURNING, QueryInfo

# SQLAlchemy `Query` methods that run it; every other link keeps it lazy.
_QUERY_TERMINALS = frozenset(
    "all first one one_or_none scalar count get delete update exists execute scalars".split()
)
# The first word of the statement a `PREPARE name AS ...` prepares that makes it a write.
_SQL_WRITES = ("insert", "update", "delete", "merge")

_PREPARED_STATEMENTS: FactKey[Dict[str, str]] = FactKey("br00.prepared_statements")


def is_unevaluated(info: QueryInfo, ctx: Context) -> bool:
    """`qs = X.objects.filter(a=row.a)` or a bare `X.objects.filter(...)` statement
    builds a queryset and runs nothing: the query is reported where the local is
    evaluated (`qs.exists()`), once."""
    if info.kind == "sqlalchemy":
        # `q = session.query(X).filter(...)` builds a lazy Query as well
        return info.methods[0] == "query" and info.methods[-1] not in _QUERY_TERMINALS and ctx.is_unevaluated(
            info.node
        )
    if info.methods[-1] not in QUERYSET_RETURNING:
        return False
    return ctx.is_unevaluated(info.node) or is_subquery(info)


def is_subquery(info: QueryInfo) -> bool:
    """`qs.filter(id=OuterRef("pk"))` is SQL inside another query (`Exists(...)`,
    `Subquery(...)`), never run on its own."""
    for _, link in info.links:
        for arg in list(link.args) + [kw.value for kw in link.keywords]:
            for node in iter_nodes(arg, into_scopes=False):
                if isinstance(node, ast.Call) and call_name(node) == "OuterRef":
                    return True
    return False


def prepared_statement(info: QueryInfo, ctx: Context) -> Optional[str]:
    """`cursor.execute("EXECUTE bulk_update_order (%s, %s)", ...)` runs a statement
    prepared elsewhere in the function (`PREPARE bulk_update_order AS UPDATE ...`): judge
    it by what it prepares. "write" or "read"; "unknown" when no PREPARE is in sight
    (neither BR002 nor BR005 guesses); None when the call is not such an EXECUTE."""
    if info.kind != "sqlalchemy":
        return None
    first = info.links[0][1]
    text = string_value(first.args[0]) if first.args else None
    words = (text or "").split()
    if len(words) < 2 or words[0].lower() != "execute":
        return None
    name = words[1].split("(", 1)[0].lower()
    return ctx.frame_fact(_PREPARED_STATEMENTS, _prepared_statements).get(name, "unknown")


def _prepared_statements(ctx: Context, frame: Frame) -> Dict[str, str]:
    """`PREPARE name AS ...` texts bound in the scope: name -> "write" | "read" (the
    first one of each name), read once per scope."""
    found: Dict[str, str] = {}
    for bound in ctx.bindings(frame).values():
        for _, value in bound:
            prepared = (string_value(value) or "").split()
            if len(prepared) > 3 and prepared[0].lower() == "prepare":
                kind = "write" if prepared[3].lower().startswith(_SQL_WRITES) else "read"
                found.setdefault(prepared[1].lower(), kind)
    return found


def _statement_name(info: QueryInfo) -> Optional[str]:
    """`cursor.execute(sql, ...)`: the local holding the statement, if it is one."""
    if info.kind != "sqlalchemy":
        return None
    first = info.links[0][1]
    if first.args and isinstance(first.args[0], ast.Name):
        return first.args[0].id
    return None


def loop_dependency(info: QueryInfo, ctx: Context) -> Optional[Tuple[LoopFrame, str]]:
    """The innermost for-loop/comprehension whose target the call depends on, and the
    loop variables it depends on (for the message)."""
    names = ctx.dependency_names(info.node)
    statement = _statement_name(info)
    for loop in reversed(ctx.frame.loops):
        if loop.kind == "while":
            continue
        if statement is not None and statement in loop.tainted:
            # `for sql in statements: cursor.execute(sql)` runs a batch of different
            # statements, not one statement N times.
            return None
        used = names & loop.tainted
        if used:
            direct = used & loop.targets
            return loop, ", ".join(sorted(direct or loop.targets))
    return None


# -- queries the code only runs when a cache or an annotation is missing -------------------

_SERVED_ELSEWHERE: FactKey[Set[int]] = FactKey("br00.served_elsewhere")
_PREFETCH_CACHE = "_prefetched_objects_cache"
_ATTRIBUTE_PROBES = ("getattr", "hasattr")


def served_elsewhere(node: ast.Call, ctx: Context) -> bool:
    """Is ``node`` a query the code runs only when the value is not already on the object?

    * Inside the branch of a check on the prefetch cache (`if "lines" in
      order._prefetched_objects_cache: return order.lines.all()`): the rows are read from
      the cache, no query runs.
    * After an early return of a value the caller's queryset annotated (`annotated =
      getattr(self, "_annotated_total", None)` / `if annotated is not None: return
      annotated`): the query is the fallback for an object fetched without the
      annotation. The probed attribute is set by the queryset, never in this function
      (a function that stores it itself, `self._total = ...`, memoizes its own query,
      which still runs once per object)."""
    frame = ctx.frame
    if frame.kind not in ("function", "lambda"):
        return False
    return id(node) in ctx.frame_fact(_SERVED_ELSEWHERE, _served_elsewhere)


def _served_elsewhere(ctx: Context, frame: Frame) -> Set[int]:
    served: Set[int] = set()
    stored: Set[str] = set()  # attributes the function sets itself
    probes: Dict[str, str] = {}  # local -> the attribute a getattr(...) bound to it read
    for node in iter_nodes(frame.node, into_scopes=False):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            stored.add(node.attr)
        elif isinstance(node, ast.Call) and call_name(node) == "setattr" and len(node.args) > 1:
            stored.add(string_value(node.args[1]) or "")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            probed = _probed_attribute(node.value)
            if probed is not None:
                probes[node.targets[0].id] = probed

    def annotation_test(test: ast.AST) -> bool:
        for sub in iter_nodes(test, into_scopes=False):
            probed = _probed_attribute(sub) if isinstance(sub, ast.Call) else (
                probes.get(sub.id) if isinstance(sub, ast.Name) else None
            )
            if probed is not None and probed != _PREFETCH_CACHE and probed not in stored:
                return True
        return False

    def add_calls(statements: List[ast.stmt]) -> None:
        for stmt in statements:
            for sub in iter_nodes(stmt, into_scopes=False):
                if isinstance(sub, ast.Call):
                    served.add(id(sub))

    def walk(statements: List[ast.stmt]) -> None:
        for index, stmt in enumerate(statements):
            if isinstance(stmt, ast.If):
                cache = _prefetch_cache_test(stmt.test)
                if cache is not None:
                    add_calls(stmt.body if cache else stmt.orelse)
                elif stmt.body and isinstance(stmt.body[-1], ast.Return) and annotation_test(stmt.test):
                    add_calls(statements[index + 1:])
                    add_calls(stmt.orelse)
                    return
            for field in ("body", "orelse", "finalbody", "handlers"):
                block = getattr(stmt, field, None)
                if isinstance(block, list) and block:
                    if field == "handlers":
                        for handler in block:
                            walk(handler.body)
                    else:
                        walk(block)

    walk(list(getattr(frame.node, "body", [])) if isinstance(getattr(frame.node, "body", None), list) else [])
    return served


def _probed_attribute(node: ast.AST) -> Optional[str]:
    """`getattr(x, "_annotated_total", None)`, `hasattr(x, "_total")`: the attribute."""
    if isinstance(node, ast.Call) and call_name(node) in _ATTRIBUTE_PROBES and len(node.args) >= 2:
        return string_value(node.args[1])
    return None


def _prefetch_cache_test(test: ast.AST) -> Optional[bool]:
    """A test on the prefetch cache: True when its body reads the cache (`if "x" in
    obj._prefetched_objects_cache`), False when its `else` does (`if not ...`), None for
    any other test."""
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negated = not negated
        test = test.operand
    for sub in iter_nodes(test, into_scopes=False):
        if (isinstance(sub, ast.Attribute) and sub.attr == _PREFETCH_CACHE) or (
            isinstance(sub, ast.Call) and _probed_attribute(sub) == _PREFETCH_CACHE
        ):
            return not negated
    return None
