"""BR00x: query efficiency (N+1 in properties and loops)."""
from __future__ import annotations

import ast
from typing import Optional, Tuple

from ..astutil import call_name, iter_nodes, short_source
from ..context import Context, LoopFrame
from ..queries import ANY_LOOKUP, QUERYSET_RETURNING, QueryInfo, lookup_covers
from . import check

# Views, forms, serializers and admin classes are built once per request, not per row.
_NOT_ROW_BASES = ("View", "ViewSet", "APIView", "Form", "Serializer", "Admin", "Panel")
# On a prefetched relation these are answered from the prefetch cache.
_CACHE_SERVED = frozenset({"all", "count", "exists", "acount", "aexists"})


def _represents_rows(info: QueryInfo, ctx: Context) -> bool:
    """Is the property's class one whose instances are listed and serialized?

    A model (a class in a models module, or with a base named `...Model`), or any class
    whose property queries a related manager of `self` (only model instances have
    those). A cached property on a connection, features or service object runs once
    per object, not once per row: not the N+1 this rule is about."""
    frame = ctx.frame
    cls = frame.class_frame
    bases = cls.base_names if cls is not None else []
    if any(base.endswith(_NOT_ROW_BASES) for base in bases):
        return False
    if ctx.kind.models or any(base.endswith("Model") for base in bases):
        return True
    # `self.items.all()`: a related manager of self itself (not `self.object.items`,
    # nor a queryset attribute such as `self.qs`/`self.queryset`)
    if info.kind != "related" or info.base_name != frame.self_name or len(info.rel_path) != 1:
        return False
    attr = info.rel_path[0].lower()
    return not (attr in ("qs", "queryset") or attr.endswith(("_qs", "_queryset")))


@check("BR001", ast.Call)
def query_in_property(node: ast.Call, ctx: Context) -> None:
    """A query run by a property getter: once per object when a list is serialized."""
    frame = ctx.frame
    if not frame.is_property:
        return
    info = ctx.outer_query(node)
    if info is None or _is_unevaluated(info, ctx) or not _represents_rows(info, ctx):
        return
    prop = getattr(frame.node, "name", "?")
    expr = short_source(node)
    cls = frame.class_frame
    if cls is not None:
        cls.querying_props.setdefault(prop, expr)
    ctx.report("BR001", node, prop=prop, via="", expr=expr)


@check("BR001", ast.Attribute)
def property_reads_property(node: ast.Attribute, ctx: Context) -> None:
    """Remember `self.<name>` reads inside properties; resolved when the class closes."""
    frame = ctx.frame
    if not frame.is_property or frame.class_frame is None:
        return
    value = node.value
    if isinstance(value, ast.Name) and value.id == frame.self_name and isinstance(node.ctx, ast.Load):
        frame.class_frame.self_reads.append((getattr(frame.node, "name", "?"), node.attr, node))


@check("BR001", ast.ClassDef, phase="leave")
def transitive_property_queries(node: ast.ClassDef, ctx: Context) -> None:
    """`tax_amount` reads `self.subtotal`, which queries: tax_amount queries too."""
    cls = ctx.classes[-1] if ctx.classes else None
    if cls is None or cls.node is not node or not cls.self_reads:
        return
    querying = dict(cls.querying_props)
    changed = True
    while changed:
        changed = False
        for reader, read, _ in cls.self_reads:
            if read in querying and reader not in querying and reader != read:
                querying[reader] = querying[read]
                changed = True
    for reader, read, attr in cls.self_reads:
        if read in querying and read != reader:
            ctx.report("BR001", attr, prop=reader, via=f" via self.{read}", expr=querying[read])


def _statement_name(info: QueryInfo) -> Optional[str]:
    """`cursor.execute(sql, ...)`: the local holding the statement, if it is one."""
    if info.kind != "sqlalchemy":
        return None
    first = info.links[0][1]
    if first.args and isinstance(first.args[0], ast.Name):
        return first.args[0].id
    return None


def _is_unevaluated(info: QueryInfo, ctx: Context) -> bool:
    """`qs = X.objects.filter(a=row.a)` or a bare `X.objects.filter(...)` statement
    builds a queryset and runs nothing: the query is reported where the local is
    evaluated (`qs.exists()`), once."""
    if info.methods[-1] not in QUERYSET_RETURNING or info.kind == "sqlalchemy":
        return False
    return ctx.is_unevaluated(info.node) or _is_subquery(info)


def _is_subquery(info: QueryInfo) -> bool:
    """`qs.filter(id=OuterRef("pk"))` is SQL inside another query (`Exists(...)`,
    `Subquery(...)`), never run on its own."""
    for _, link in info.links:
        for arg in list(link.args) + [kw.value for kw in link.keywords]:
            for node in iter_nodes(arg, into_scopes=False):
                if isinstance(node, ast.Call) and call_name(node) == "OuterRef":
                    return True
    return False


def _loop_dependency(info: QueryInfo, ctx: Context) -> Optional[Tuple[LoopFrame, str]]:
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


def _relation(info: QueryInfo, loop: LoopFrame) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(loop variable, relation path) when the query runs on `<loopvar>.<rel>`."""
    base = info.base_name
    if info.kind != "related" or base is None:
        return None
    if base in loop.targets:
        return base, info.rel_path
    alias = loop.aliases.get(base)
    if alias is not None:
        return alias[0], alias[1] + info.rel_path
    return None


@check("BR002", ast.Call)
def query_in_loop(node: ast.Call, ctx: Context) -> None:
    """A query inside a loop body that depends on the loop target: N+1."""
    if not ctx.frame.loops or ctx.kind.migration:
        return
    info = ctx.outer_query(node)
    if info is None or info.is_write or _is_unevaluated(info, ctx) or ctx.is_per_model_query(node):
        return
    dependency = _loop_dependency(info, ctx)
    if dependency is None:
        return
    loop, var = dependency
    expr = short_source(node)
    relation = _relation(info, loop)
    if relation is not None:
        loop_var, path = relation
        prefetched = ctx.loop_prefetches(loop)
        methods = info.methods
        if all(m in _CACHE_SERVED for m in methods) and lookup_covers(prefetched, path):
            return  # served from the prefetch cache (or one whose lookups we cannot see)
        if lookup_covers(prefetched - {ANY_LOOKUP}, path):
            bypass = next((m for m in methods if m not in _CACHE_SERVED), methods[-1])
            rel = "__".join(path)
            ctx.report(
                "BR002", node,
                detail=f"`.{bypass}()` on prefetched `{loop_var}.{'.'.join(path)}` bypasses the "
                f"prefetch cache and queries once per row: `{expr}`; use "
                f"Prefetch(\"{rel}\", queryset=..., to_attr=...) and read the attribute",
            )
            return
    ctx.report(
        "BR002", node,
        detail=f"query `{expr}` runs once per `{var}` in the loop (N+1); fetch in one "
        "query before the loop (select_related/prefetch_related, in_bulk, a join)",
    )
