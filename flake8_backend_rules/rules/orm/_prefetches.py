"""The relations the rows of a loop carry prefetched, shared by BR002 (a query on a
prefetched relation is served from the cache, or bypasses it) and BR003/BR004 (summing
or measuring a prefetched relation costs no query).

``for order in Order.objects.prefetch_related("lines"): order.lines.all()`` reads the
prefetch cache. The lookups are followed through locals (``qs = qs.prefetch_related(...)``),
slices and ``list(...)``, inherited by an inner loop over a prefetched relation, and any
relation counts as prefetched after a ``prefetch_related_objects(...)`` call.
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, Optional, Set, Tuple

from ...astutil import call_name, iter_nodes
from ...bindings import Fold
from ...context import Context, FactKey, Frame, LoopFrame
from ...project.model import ViewInfo
from ...queries import ANY_LOOKUP, QueryInfo, lookup_covers, prefetch_lookups_of_call

# On a prefetched relation these are answered from the prefetch cache.
CACHE_SERVED = frozenset({"all", "count", "exists", "acount", "aexists"})
# Calls whose first argument's rows they keep: `list(qs.prefetch_related("x"))`.
_ITERABLE_WRAPPERS = frozenset({"list", "tuple", "sorted", "reversed", "enumerate", "iter"})

_LOOP_PREFETCHES: FactKey[Dict[int, Set[str]]] = FactKey("br00.loop_prefetches")
_CALLS_PREFETCH_RELATED_OBJECTS: FactKey[bool] = FactKey("br00.prefetch_related_objects")


def _new_dict(ctx: Context, frame: Frame) -> Dict[int, Set[str]]:
    return {}


def loop_prefetches(ctx: Context, loop: LoopFrame) -> Set[str]:
    """The lookups the loop's rows visibly carry: prefetched on its iterable (following
    locals), inherited from an outer loop's prefetch, or any at all after a
    `prefetch_related_objects(...)` call in the scope. Once per loop."""
    cache = ctx.frame_fact(_LOOP_PREFETCHES, _new_dict)
    found = cache.get(id(loop.node))  # the node outlives the frame (ids of frames are reused)
    if found is None:
        found = prefetches_of(ctx, loop.iterable, loop.node) if loop.iterable is not None else set()
        found |= _inherited_prefetches(ctx, loop)
        if loop.iterable is not None:
            found |= view_prefetches(ctx, loop.iterable)
        if ctx.frame_fact(_CALLS_PREFETCH_RELATED_OBJECTS, _calls_prefetch_related_objects):
            found.add(ANY_LOOKUP)
        cache[id(loop.node)] = found
    return found


def view_prefetches(ctx: Context, expr: ast.AST) -> Set[str]:
    """`self.get_queryset()`, `self.queryset`, `self.filter_queryset(...)` in a view: the
    lookups every queryset the view serves prefetches (or selects), per the project
    model's reading of the view class."""
    from ._rows import names_view_queryset

    frame = ctx.function_frame()
    cls = frame.class_frame if frame is not None else None
    if cls is None or ctx.project is None or not names_view_queryset(expr):
        return set()
    view = ctx.project.view(ctx.project_name(cls.name))
    return served_lookups(view) if view is not None else set()


def served_lookups(view: ViewInfo) -> Set[str]:
    """The lookups every queryset of the view loads (ANY_LOOKUP for one it cannot read)."""
    common: Optional[Set[str]] = None
    for chain in view.querysets:
        lookups: Set[str] = set()
        for method, args, opaque in chain.links:
            if method in ("prefetch_related", "select_related"):
                lookups.update(args)
                if opaque or (method == "select_related" and not args):
                    lookups.add(ANY_LOOKUP)
        common = lookups if common is None else common & lookups
    return common or set()


def _inherited_prefetches(ctx: Context, loop: LoopFrame) -> Set[str]:
    """`for order in qs.prefetch_related("lines__product"): for line in
    order.lines.all(): line.product...`: the inner loop iterates a prefetched relation
    of an outer loop's row, so the rest of the outer lookup (`product`) is prefetched
    on its rows too."""
    iterable = loop.iterable
    loops = ctx.frame.loops
    if not isinstance(iterable, ast.Call) or loop not in loops:
        return set()
    info = ctx.query_info(iterable)
    if info is None or info.kind != "related" or info.base_name is None:
        return set()
    if not all(m in ("all", "aall") for m in info.methods):
        return set()  # `.filter()` builds a new queryset: the prefetch does not carry
    inherited: Set[str] = set()
    for outer in loops[: loops.index(loop)]:
        if info.base_name in outer.targets:
            path = info.rel_path
        elif info.base_name in outer.aliases:
            path = outer.aliases[info.base_name][1] + info.rel_path
        else:
            continue
        prefix = "__".join(path) + "__"
        for lookup in loop_prefetches(ctx, outer):
            if lookup == ANY_LOOKUP:
                inherited.add(ANY_LOOKUP)
            elif lookup.startswith(prefix):
                inherited.add(lookup[len(prefix):])
    return inherited


def _calls_prefetch_related_objects(ctx: Context, frame: Frame) -> bool:
    """The scope calls `prefetch_related_objects(...)`: its rows may carry any lookup."""
    return any(
        isinstance(node, ast.Call) and call_name(node) == "prefetch_related_objects"
        for node in iter_nodes(frame.node, into_scopes=False)
    )


def prefetches_of(ctx: Context, expr: ast.AST, at: ast.AST) -> Set[str]:
    """Lookups visibly prefetched on a queryset expression, following locals (each
    binding's lookups are resolved once: :class:`bindings.Fold`)."""
    empty: FrozenSet[str] = frozenset()
    fold = ctx.bindings().fold("prefetches", _prefetch_step, _union, empty)
    return set(_chain_prefetches(fold, expr, at))


def _union(a: FrozenSet[str], b: FrozenSet[str]) -> FrozenSet[str]:
    return a | b if b else a


def _chain_prefetches(fold: "Fold[FrozenSet[str]]", expr: ast.AST, at: ast.AST) -> FrozenSet[str]:
    """The lookups prefetched along one queryset expression: its own
    ``prefetch_related(...)`` links, and through a local, what each binding of the local
    before ``at`` prefetched."""
    found: Set[str] = set()
    node: ast.AST = expr
    while True:  # one step per link: bounded by the expression's size
        if isinstance(node, ast.Await):
            node = node.value
            continue
        if isinstance(node, ast.Subscript):  # `qs.prefetch_related("x")[:100]` keeps it
            node = node.value
            continue
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _ITERABLE_WRAPPERS and node.args:
                node = node.args[0]
                continue
            if isinstance(func, ast.Attribute):
                if func.attr == "prefetch_related":
                    found.update(prefetch_lookups_of_call(node))
                node = func.value
                continue
            break
        if isinstance(node, ast.Name):
            found |= fold.before(node.id, at)
        break
    return frozenset(found)


def _prefetch_step(fold: "Fold[FrozenSet[str]]", value: ast.AST) -> FrozenSet[str]:
    """The :class:`bindings.Fold` step: what one binding of a local prefetched."""
    return _chain_prefetches(fold, value, value)


def relation(info: QueryInfo, loop: LoopFrame) -> Optional[Tuple[str, Tuple[str, ...]]]:
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


def served_by_prefetch(info: QueryInfo, ctx: Context) -> bool:
    """`<loopvar>.<rel>.all()` where the loop's iterable prefetches `<rel>`: the rows are
    in the prefetch cache, so measuring or summing them in Python costs no query."""
    if not all(m in CACHE_SERVED for m in info.methods):
        return False
    for loop in reversed(ctx.frame.loops):
        if loop.kind == "while":
            continue
        found = relation(info, loop)
        if found is not None and lookup_covers(loop_prefetches(ctx, loop), found[1]):
            return True
    return False
