"""BR002 query-in-loop: a query in a for-loop or comprehension body that depends on the
loop target (N+1), or that bypasses the prefetch cache of the loop's rows."""
from __future__ import annotations

import ast
from typing import Set

from ...astutil import iter_nodes, short_source
from ...context import Context, FactKey, Frame
from ...queries import ANY_LOOKUP, lookup_covers
from .. import Rule, check
from ._execution import (
    in_subquery_expression, is_schema_statement, is_unevaluated, is_write, loop_dependency, over_words,
    prepared_statement, runs_once, served_elsewhere,
)
from ._prefetches import CACHE_SERVED, loop_prefetches, relation

RULE = Rule(
    code="BR002",
    symbol="query-in-loop",
    summary="A query runs once per loop iteration (N+1)",
    default_on=False,
    precision="Off by default. Read blind on eighteen unseen projects: 4 of 30 findings true. Loops "
    "over rows few by construction, one-off and maintenance jobs, loops that write a row "
    "per iteration anyway, and staff-only reports were the false ones: whether a loop is "
    "long, and who runs it, is rarely in the loop. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br001-br002-br006.md.",
    message="query `{expr}` runs once per `{var}` in the loop (N+1); fetch in one query "
    "before the loop (select_related/prefetch_related, in_bulk, a join)",
    messages={
        # a method the prefetch cache cannot answer, on a relation the loop prefetched
        "bypass": "`.{method}()` on prefetched `{relation}` bypasses the prefetch cache and "
        "queries once per row: `{expr}`; use Prefetch(\"{lookup}\", queryset=..., "
        "to_attr=...) and read the attribute",
    },
    what="Finds query expressions inside a `for` loop or comprehension body that depend "
    "on the loop target, directly or through a local derived from it in the loop. "
    "When the loop's iterable visibly carries `prefetch_related(\"<rel>\")` or "
    "`Prefetch(\"<rel>\", ...)` in the same function, `.all()`, `.count()` and "
    "`.exists()` on `<loopvar>.<rel>` are served from the prefetch cache and stay "
    "silent, while `.filter()`, `.order_by()`, `.first()` and friends bypass the cache "
    "and are reported as such.",
    why="One query per row is the classic N+1: 100 products means 101 round-trips, "
    "and the page gets slower as the data grows.",
    bad="""
        from shop.models import Price


        def price_list(products):
            return [Price.objects.get(sku=p.sku) for p in products]
        """,
    good="""
        from shop.models import Price


        def price_list(products):
            prices = Price.objects.in_bulk([p.sku for p in products], field_name="sku")
            return [prices[p.sku] for p in products]
        """,
    notes="Silent for queries that do not depend on the loop target, for `while` "
    "loops (polling workers), for writes (BR005's business: `save()`, `create()`, "
    "`update()`, `delete()`, SQL `INSERT/UPDATE/DELETE`), for loops over a literal "
    "list/tuple/set, and in migration modules. Also silent, because they are not "
    "one query shape repeated per row: a batch of different statements (`for sql in "
    "statements: cursor.execute(sql)`); a manager chain whose model varies with the "
    "loop (`for model, ids in by_model: model.objects.in_bulk(ids)`, one query per "
    "table); a lazy queryset that is only built (a bare `qs.filter(...)` statement, "
    "or one kept in a local: it is reported where the local is evaluated); a custom "
    "manager method alone (`ContentType.objects.get_for_model(obj)` caches); an `EXECUTE` "
    "of a prepared statement that the function prepares as a write (BR005's) or "
    "whose `PREPARE` is not in sight; a queryset passed straight to another query's "
    "filter (a subquery, part of that query); a query memoized under a guard that skips "
    "known keys (`if key not in cache: cache[key] = ...`: once per distinct key); a lazy "
    "SQLAlchemy `Query` kept in a local (`q = session.query(...)`, run later); a query in a "
    "block that ends with `return`/`break`/`raise` (it runs once); a queryset inside "
    "`Subquery(...)`/`Exists(...)`; DDL and session settings (`CREATE INDEX`, `ALTER`, "
    "`SET`, `DO $$`); a loop over the words of a text (`for term in query.split():`, a "
    "search per typed word); a query in the branch of a check on the prefetch cache "
    "(`if \"lines\" in order._prefetched_objects_cache:`); a SQLAlchemy `Query` ended by "
    "`.delete()`/`.update()` and a statement kept in a local whose text writes (BR005's); "
    "migrations, also Alembic revisions and modules of numbered steps "
    "(`def m0012_backfill(...)`).",
)

_MEMOIZED: FactKey[Set[int]] = FactKey("br002.memoized")


def _memoized_queries(ctx: Context, frame: Frame) -> Set[int]:
    """Queries stored in a cache under a guard that skips known keys (`if key not in
    cache: cache[key] = X.objects.filter(...)`): they run once per distinct key, not once
    per row."""
    memoized: Set[int] = set()
    for node in iter_nodes(frame.node, into_scopes=False):
        if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
            continue
        if not any(isinstance(op, ast.NotIn) for op in node.test.ops):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Subscript) for t in stmt.targets):
                for inner in iter_nodes(stmt.value, into_scopes=False):
                    if isinstance(inner, ast.Call):
                        memoized.add(id(inner))
    return memoized


@check(RULE, ast.Call)
def query_in_loop(node: ast.Call, ctx: Context) -> None:
    """A query inside a loop body that depends on the loop target: N+1."""
    if not ctx.frame.loops or ctx.in_migration():
        return
    info = ctx.outer_query(node)
    if info is None or is_write(info, ctx) or is_unevaluated(info, ctx) or ctx.is_per_model_query(node):
        return
    if is_schema_statement(info, ctx) or in_subquery_expression(node, ctx):
        return  # DDL or a session setting; SQL inside another query
    if prepared_statement(info, ctx) in ("write", "unknown"):
        return  # BR005's, or a prepared statement we cannot see
    dependency = loop_dependency(info, ctx)
    if dependency is None:
        return
    if id(node) in ctx.frame_fact(_MEMOIZED, _memoized_queries):
        return
    loop, var = dependency
    if over_words(loop, ctx) or runs_once(node, ctx) or served_elsewhere(node, ctx):
        return  # per typed word; once per loop; read from the prefetch cache
    expr = short_source(node)
    on_relation = relation(info, loop)
    if on_relation is not None:
        loop_var, path = on_relation
        prefetched = loop_prefetches(ctx, loop)
        methods = info.methods
        if all(m in CACHE_SERVED for m in methods) and lookup_covers(prefetched, path):
            return  # served from the prefetch cache (or one whose lookups we cannot see)
        if lookup_covers(prefetched - {ANY_LOOKUP}, path):
            bypass = next((m for m in methods if m not in CACHE_SERVED), methods[-1])
            ctx.report(RULE, node, "bypass", method=bypass, relation=f"{loop_var}.{'.'.join(path)}",
                       expr=expr, lookup="__".join(path))
            return
    ctx.report(RULE, node, expr=expr, var=var)
