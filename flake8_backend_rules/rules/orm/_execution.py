"""When a query expression runs: not at all (a queryset only built, a subquery), once per
row of which loop, and what a prepared statement it executes does. Shared by BR001,
BR002, BR005 and BR006 (and, for subqueries, the queryset flow of BR003/BR004)."""
from __future__ import annotations

import ast
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

from ...astutil import call_name, iter_nodes, string_value
from ...budget import WORK
from ...context import Context, FactKey, Frame, LoopFrame
from ...vocabulary import LOOP_LEAVING_STATEMENTS, LOOP_TYPES, SCOPE_TYPES
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

    def annotation_guard(stmt: ast.If) -> bool:
        """The `if` tests a probed attribute and its body returns that value."""
        for sub in iter_nodes(stmt.test, into_scopes=False):
            local = sub.id if isinstance(sub, ast.Name) and sub.id in probes else None
            probed = _probed_attribute(sub) if isinstance(sub, ast.Call) else (probes.get(local or ""))
            if probed is None or probed == _PREFETCH_CACHE or probed in stored:
                continue
            for inner in stmt.body:
                for node in iter_nodes(inner, into_scopes=False):
                    if isinstance(node, ast.Return) and node.value is not None and any(
                        _reads_probe(n, local, probed) for n in iter_nodes(node.value, into_scopes=False)
                    ):
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
                elif stmt.body and isinstance(stmt.body[-1], ast.Return) and annotation_guard(stmt):
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


def _reads_probe(node: ast.AST, local: Optional[str], probed: str) -> bool:
    """`annotated` (the local a probe was bound to), `self._total`, `getattr(self, "_total")`."""
    if isinstance(node, ast.Name):
        return node.id == local
    if isinstance(node, ast.Attribute):
        return node.attr == probed
    return isinstance(node, ast.Call) and _probed_attribute(node) == probed


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


# -- where in a loop a call stands ---------------------------------------------------------

_RUN_ONCE: FactKey[Set[int]] = FactKey("br00.run_once")


def runs_once(node: ast.Call, ctx: Context) -> bool:
    """The call sits in a block, inside a loop, that ends with `return`, `break` or
    `raise`: it runs at most once per loop, not once per row."""
    return id(node) in ctx.frame_fact(_RUN_ONCE, _calls_run_once)


def walk_loop_regions(root: ast.AST) -> Iterator[Tuple[ast.AST, bool, bool]]:
    """Every node of a scope (nested scopes yielded, not entered), once, with whether it
    sits in a loop's body and whether it has a loop around it (in its header or `else`
    too): one walk, however deep the loops nest."""
    stack: List[Tuple[ast.AST, bool, bool]] = [(root, False, False)]
    visited = 0
    try:
        while stack:
            node, in_body, in_loop = stack.pop()
            visited += 1
            is_loop = isinstance(node, LOOP_TYPES)
            yield node, in_body, in_loop
            if node is not root and isinstance(node, SCOPE_TYPES):
                continue
            for field, value in ast.iter_fields(node):
                children = value if isinstance(value, list) else [value]
                body = in_body or (is_loop and field == "body")
                for child in reversed(children):
                    if isinstance(child, ast.AST):
                        stack.append((child, body, in_loop or is_loop))
    finally:
        WORK.visits += visited


def add_calls_of_block(statements: Iterable[ast.AST], found: Set[int]) -> None:
    """Add the ids of the calls in ``statements`` to ``found``, not those of a nested loop
    or scope: a nested loop's writes still run once per row."""
    stack: List[ast.AST] = list(statements)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Call):
            found.add(id(item))
        if isinstance(item, LOOP_TYPES + SCOPE_TYPES):
            continue
        stack.extend(ast.iter_child_nodes(item))


def _calls_run_once(ctx: Context, frame: Frame) -> Set[int]:
    """Calls in a block (inside a loop) that ends with `return`, `break` or `raise`: that
    block runs at most once per loop, so a write there is not one per row (`for p in
    plugins: if p.id == wanted: ...get_or_create(...); return`). An outermost loop's own
    `else` is not inside a loop. A block with a `continue` of its own before the end
    (`if response is None: continue` then `return ...`) runs again for the next row."""
    once: Set[int] = set()
    for node, _, in_loop in walk_loop_regions(frame.node):
        if not in_loop and not isinstance(node, LOOP_TYPES):
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[-1], LOOP_LEAVING_STATEMENTS):
                continue
            if field == "orelse" and not in_loop:
                continue  # the outermost loop's own `else` runs once, after it
            if _continues(block):
                continue
            if field == "body" and any(
                not h.body or not isinstance(h.body[-1], LOOP_LEAVING_STATEMENTS) for h in getattr(node, "handlers", ())
            ):
                continue  # `try: X.objects.get(...); return x` / `except DoesNotExist: pass`: next row
            add_calls_of_block(block, once)
    return once


def _continues(block: List[ast.stmt]) -> bool:
    """Does the block hold a `continue` of the loop around it (not of a nested loop)?"""
    stack: List[ast.AST] = list(block)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Continue):
            return True
        if isinstance(item, LOOP_TYPES + SCOPE_TYPES) or not isinstance(item, ast.stmt):
            continue
        stack.extend(ast.iter_child_nodes(item))
    return False


# -- queries that are not one query shape run per row --------------------------------------

# Expressions that embed a queryset as SQL inside another query.
_SUBQUERY_WRAPPERS = frozenset({"Subquery", "Exists", "ArraySubquery"})
# Statements that define or change the schema, or a session setting: no rows to batch.
_DDL_VERBS = frozenset({"create", "alter", "drop", "truncate", "comment", "grant", "revoke", "set", "reset",
                        "vacuum", "analyze", "reindex", "cluster", "refresh", "do", "pragma"})
_SQLALCHEMY_QUERY_WRITES = frozenset({"delete", "update"})
_WRAPPED: FactKey[Set[int]] = FactKey("br00.wrapped_subqueries")


def in_subquery_expression(node: ast.Call, ctx: Context) -> bool:
    """`Subquery(Price.objects.filter(...).values("amount")[:1])`, `Exists(qs)`: SQL inside
    another query, never run on its own."""
    if ctx.frame.kind not in ("function", "lambda"):
        return False
    return id(node) in ctx.frame_fact(_WRAPPED, _wrapped_subqueries)


def _wrapped_subqueries(ctx: Context, frame: Frame) -> Set[int]:
    found: Set[int] = set()
    for node in iter_nodes(frame.node, into_scopes=False):
        if isinstance(node, ast.Call) and call_name(node) in _SUBQUERY_WRAPPERS:
            for arg in list(node.args) + [kw.value for kw in node.keywords]:
                found.update(id(sub) for sub in iter_nodes(arg, into_scopes=False) if isinstance(sub, ast.Call))
    return found


def is_write(info: QueryInfo, ctx: Context) -> bool:
    """A write, also where the chain's own flag cannot tell: a SQLAlchemy `Query` ended by
    `.delete()`/`.update()`, or a statement kept in a local whose literal text writes
    (`cursor.execute(insert_sql, row)`)."""
    if info.is_write:
        return True
    if info.kind != "sqlalchemy":
        return False
    if info.methods[0] == "query" and info.methods[-1] in _SQLALCHEMY_QUERY_WRITES:
        return True
    return statement_verb(info, ctx) in _SQL_WRITES


def is_schema_statement(info: QueryInfo, ctx: Context) -> bool:
    """`cursor.execute("CREATE INDEX ...")`, `ALTER`, `SET`, `DO $$ ... $$`: DDL and
    session settings, run once per object they define, not a query per row."""
    return info.kind == "sqlalchemy" and statement_verb(info, ctx) in _DDL_VERBS


def statement_verb(info: QueryInfo, ctx: Context) -> Optional[str]:
    """The first word of the SQL text an `execute(...)` runs, lowercased: from a literal,
    an f-string's first piece, `text("...")`, or a local bound once before to one."""
    if info.kind != "sqlalchemy" or info.methods[0] not in ("execute", "executemany"):
        return None
    first = info.links[0][1]
    arg: Optional[ast.AST] = first.args[0] if first.args else None
    for _ in range(3):
        if isinstance(arg, ast.Name):
            arg = ctx.bindings().last_before(arg.id, first)
        elif isinstance(arg, ast.Call) and call_name(arg) == "text" and arg.args:
            arg = arg.args[0]
        else:
            break
    text = string_value(arg) if arg is not None else None
    if text is None and isinstance(arg, ast.JoinedStr) and arg.values:
        text = string_value(arg.values[0])
    words = (text or "").split()
    return words[0].lower().rstrip(";") if words else None


def over_words(loop: LoopFrame, ctx: Context) -> bool:
    """`for term in query.split():`: a loop over the words of a text the user typed, a
    handful of searches, not one per row. Not a split on commas (`ids.split(",")`): that
    is a list of keys, one query per key."""
    iterable = loop.iterable
    if isinstance(iterable, ast.Name):
        iterable = ctx.bindings().last_before(iterable.id, loop.node)
    if not (isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute)):
        return False
    if iterable.func.attr not in ("split", "rsplit") or iterable.keywords:
        return False
    # words split on white space; a list split on commas is a batch of keys, N+1 again
    return not iterable.args or string_value(iterable.args[0]) in (" ", None) and isinstance(
        iterable.args[0], ast.Constant)
