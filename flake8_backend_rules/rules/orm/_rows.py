"""Which model's rows a loop goes over, and which relations its queryset loads with them:
the facts BR009 (and BR005, for models saved one by one) read from the project model.

A loop's rows are known when its iterable is a Django queryset the file builds
(``Book.objects.filter(...)``, through locals, slices, ``list(...)``), or the queryset a
view serves (``self.get_queryset()``, ``self.queryset``, ``self.filter_queryset(...)``: the
project model reads the view class). The model must be one the project model resolves;
otherwise nothing is known and the rules stay silent.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import dotted_name, iter_nodes, short_source, string_value, target_names
from ...context import Context, FactKey, Frame, LoopFrame
from ...project.model import FieldInfo, ModelInfo, ViewInfo, reverse_accessors
from ...queries import ANY_LOOKUP, MANAGER_ATTRS, QUERYSET_RETURNING, chain_links, prefetch_lookups_of_call

# Links that keep a chain a queryset of the same model's rows (besides the loading ones).
_ROW_KEEPING = (QUERYSET_RETURNING | {"all", "iterator", "aiterator"}) - {"values", "values_list", "none"}
_WRAPPERS = frozenset({"list", "tuple", "sorted", "reversed", "iter", "set"})
_VIEW_QUERYSETS = frozenset({"get_queryset", "filter_queryset", "paginate_queryset", "queryset"})
_FEW = 3  # a constant slice up to this many rows is a few rows, not a list


class Rows:
    """A queryset's rows: their model, and what it loads with them."""

    __slots__ = ("model", "source", "lookups", "select_all", "view")

    def __init__(self, model: ModelInfo, source: str) -> None:
        self.model = model
        self.source = source  # how the message names the queryset
        self.lookups: Set[str] = set()  # select_related/prefetch_related lookups; ANY_LOOKUP: any
        self.select_all = False  # select_related() with no argument
        self.view: Optional[ViewInfo] = None  # rows a view serves: its querysets decide

    def covers(self, field: FieldInfo) -> bool:
        """Is the relation loaded with the rows (no query per row when read)?"""
        if ANY_LOOKUP in self.lookups:
            return True
        if any(lookup == field.name or lookup.startswith(field.name + "__") for lookup in self.lookups):
            return True
        if self.select_all and not field.null:
            return True  # select_related() follows every non-null forward relation
        return self.view is not None and self.view.covers(field.name, reverse_accessors(self.model, field))


_ROWS: FactKey[Dict[Tuple[int, str], Optional[Rows]]] = FactKey("br00.loop_rows")


def _new_dict(ctx: Context, frame: Frame) -> Dict[Tuple[int, str], Optional[Rows]]:
    return {}


def loop_rows(ctx: Context, loop: LoopFrame, name: str) -> Optional[Rows]:
    """The rows the loop target ``name`` goes over, or None when unknown; once per loop
    and target."""
    cache = ctx.frame_fact(_ROWS, _new_dict)
    key = (id(loop.node), name)
    if key not in cache:
        cache[key] = None
        iterable = _iterable_of(loop, name)
        cache[key] = rows_of(ctx, iterable, loop.node) if iterable is not None else None
    return cache[key]


def _iterable_of(loop: LoopFrame, name: str) -> Optional[ast.AST]:
    """The expression whose items ``name`` takes: a `for`'s iterable or a
    comprehension generator's; `for i, row in enumerate(rows)` takes the rows."""
    node = loop.node
    pairs: List[Tuple[ast.AST, ast.AST]] = []
    if isinstance(node, (ast.For, ast.AsyncFor)):
        pairs.append((node.target, node.iter))
    for generator in getattr(node, "generators", ()):
        pairs.append((generator.target, generator.iter))
    for target, iterable in pairs:
        if isinstance(target, ast.Name) and target.id == name:
            return iterable
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(iterable, ast.Call) \
                and isinstance(iterable.func, ast.Name) and iterable.func.id == "enumerate" and iterable.args \
                and isinstance(target.elts[1], ast.Name) and target.elts[1].id == name:
            return iterable.args[0]
        if name in target_names(target):
            return None  # unpacked from something else: its items are not the rows
    return None


def rows_of(ctx: Context, expr: ast.AST, at: ast.AST, hops: int = 0) -> Optional[Rows]:
    """The rows an expression iterates over, or None (not a queryset the project model
    can read, dictionaries from ``values()``, a few rows, a custom manager method...)."""
    collected: List[ast.Call] = []
    node: ast.AST = expr
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Subscript):
            if _is_few(node.slice):
                return None
            if not isinstance(node.slice, ast.Slice):
                return None  # `qs[0]`: one row
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _WRAPPERS \
                and node.args:
            node = node.args[0]
        else:
            break
    if names_view_queryset(node):
        return _view_rows(ctx, node, expr)
    links, root = chain_links(node) if isinstance(node, ast.Call) else ([], node)
    for method, call in links:
        if method in ("select_related", "prefetch_related"):
            collected.append(call)
        elif method not in _ROW_KEEPING:
            return None  # values()/values_list() rows, a custom method we cannot read
    rows: Optional[Rows] = None
    if isinstance(root, ast.Attribute) and root.attr in MANAGER_ATTRS:
        model = ctx.project_model(dotted_name(root.value))
        if model is None:
            return None
        rows = Rows(model, short_source(expr, 50))
    elif isinstance(root, ast.Name) and hops < 50 and ctx.frame.kind != "class":
        bound = ctx.bindings().last_before(root.id, at)
        if bound is None:
            return None
        rows = rows_of(ctx, bound, bound, hops + 1)
        if rows is not None:
            rows.source = short_source(expr, 50)
    if rows is None:
        return None
    for call in collected:
        _note_loading(rows, call)
    return rows


def _is_few(index: ast.AST) -> bool:
    if not isinstance(index, ast.Slice) or index.step is not None:
        return False
    lower = index.lower.value if isinstance(index.lower, ast.Constant) else (0 if index.lower is None else None)
    upper = index.upper.value if isinstance(index.upper, ast.Constant) else None
    return isinstance(lower, int) and isinstance(upper, int) and 0 <= upper - lower <= _FEW


def _note_loading(rows: Rows, call: ast.Call) -> None:
    method = call.func.attr  # type: ignore[attr-defined]
    if method == "prefetch_related":
        rows.lookups.update(prefetch_lookups_of_call(call))
        return
    if not call.args and not call.keywords:
        rows.select_all = True
        return
    for arg in call.args:
        text = string_value(arg)
        rows.lookups.add(text if text is not None else ANY_LOOKUP)
    if call.keywords:
        rows.lookups.add(ANY_LOOKUP)


def _view_rows(ctx: Context, node: ast.AST, expr: ast.AST) -> Optional[Rows]:
    """`self.get_queryset()`, `self.queryset`, `self.filter_queryset(...)`,
    `super().get_queryset()` in a view class: the rows the view serves."""
    frame = ctx.function_frame()
    cls = frame.class_frame if frame is not None else None
    project = ctx.project
    if cls is None or project is None:
        return None
    dotted = ctx.project_name(cls.name)
    view = project.view(dotted) if dotted else None
    if view is None or not view.querysets or view.model is None:
        return None
    model = project.model(view.model)
    if model is None:
        return None
    rows = Rows(model, short_source(expr, 50))
    rows.view = view
    return rows


def names_view_queryset(node: ast.AST) -> bool:
    current = node
    while isinstance(current, ast.Call):
        func = current.func
        if isinstance(func, ast.Attribute) and func.attr in _VIEW_QUERYSETS:
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id == "self":
                return True
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                return True
            if func.attr in ("filter_queryset", "paginate_queryset") and current.args:
                current = current.args[0]
                continue
        return False
    return isinstance(current, ast.Attribute) and current.attr == "queryset" \
        and isinstance(current.value, ast.Name) and current.value.id == "self"


def calls_prefetch_related_objects(ctx: Context, frame: Frame) -> bool:
    """The scope calls `prefetch_related_objects(...)`: its rows may carry any relation."""
    return any(
        isinstance(node, ast.Call) and (dotted_name(node.func) or "").endswith("prefetch_related_objects")
        for node in iter_nodes(frame.node, into_scopes=False)
    )


PREFETCHES_ANYTHING: FactKey[bool] = FactKey("br009.prefetch_related_objects")


def rows_covered(ctx: Context, rows: Rows, field: FieldInfo) -> bool:
    return rows.covers(field) or ctx.frame_fact(PREFETCHES_ANYTHING, calls_prefetch_related_objects)
