"""BR00x: query efficiency (N+1 in properties and loops)."""
from __future__ import annotations

import ast
from typing import Optional, Tuple

from ..astutil import names_in, short_source
from ..context import Context, LoopFrame
from ..queries import QueryInfo, lookup_covers
from . import check

# On a prefetched relation these are answered from the prefetch cache.
_CACHE_SERVED = frozenset({"all", "count", "exists", "acount", "aexists"})


@check("BR001", ast.Call)
def query_in_property(node: ast.Call, ctx: Context) -> None:
    """A query run by a property getter: once per object when a list is serialized."""
    frame = ctx.frame
    if not frame.is_property:
        return
    info = ctx.outer_query(node)
    if info is None:
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


def _loop_dependency(node: ast.Call, ctx: Context) -> Optional[Tuple[LoopFrame, str]]:
    """The innermost for-loop/comprehension whose target the call depends on, and the
    loop variables it depends on (for the message)."""
    names = names_in(node)
    for loop in reversed(ctx.frame.loops):
        if loop.kind == "while":
            continue
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
    if info is None or info.is_write:
        return
    dependency = _loop_dependency(node, ctx)
    if dependency is None:
        return
    loop, var = dependency
    expr = short_source(node)
    relation = _relation(info, loop)
    if relation is not None:
        loop_var, path = relation
        prefetched = ctx.loop_prefetches(loop)
        if prefetched and lookup_covers(prefetched, path):
            methods = info.methods
            if all(m in _CACHE_SERVED for m in methods):
                return  # served from the prefetch cache
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
