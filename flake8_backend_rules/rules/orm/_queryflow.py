"""Where a function's querysets go: the variable flow BR003 and BR004 share.

``qs = Order.objects.filter(...).prefetch_related("items")`` followed by ``len(qs)``,
``for o in qs: total += o.price`` or ``sum(o.price for o in qs)`` must be judged like the
inline chain. Two questions make that possible, answered once per function (BR002
follows the same bindings for its prefetches, ``_prefetches.py``):

* **Is the local a queryset?** Every binding of the name in the function is a Django
  query expression whose last link returns a queryset (``filter``, ``all``,
  ``values_list``... or a builder), or a rebuild of itself (``qs = qs.order_by("x")``);
  nothing else binds it (no loop target, tuple unpacking, ``+=``, ``with ... as``, global).
* **How is each read of it used?** Measured (``len(qs)``, ``bool(qs)``, ``not qs``, the
  test of an ``if``), iterated (``for o in qs``, a comprehension's iterable), rebuilt
  (``qs = qs.filter(...)``) or anything else: indexed, passed on, returned, a method
  called, read in a nested function. "Anything else" means the rows are needed anyway,
  so measuring or summing them in Python costs nothing extra.

The facts are computed by one walk of the function's own subtree, the first time a rule
asks about a local (most functions never do), and cached on the frame. :func:`rows_of`
asks both questions for BR003 and BR004: are the rows of this expression fetched for
this one use only? Only names :func:`note_chain_assignment` saw assigned a chain are
candidates: both rules register it for assignments, so a name is noted when the walk
meets its assignment, before the reads that follow it.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import iter_nodes, short_source
from ...context import Context, FactKey, Frame
from ...queries import QUERYSET_RETURNING, QueryInfo
from ._execution import is_subquery
from ._prefetches import served_by_prefetch

MEASURE = "measure"
ITERATE = "iterate"
REBUILD = "rebuild"
OTHER = "other"

_MEASURING_CALLS = frozenset({"len", "bool"})
_SIMPLE_BINDERS = (ast.Assign, ast.AnnAssign, ast.NamedExpr)
_FLOW: FactKey[QueryFlow] = FactKey("br00.queryflow")
# name -> is every binding of it in the scope a queryset
_BOUND_TO_QUERYSETS: FactKey[Dict[str, bool]] = FactKey("br00.queryset_names")
# the names the function assigned a queryset chain to, so far in the walk
_CHAIN_ASSIGNED: FactKey[Set[str]] = FactKey("br00.chain_assigned")


class QueryFlow:
    """The uses and bindings of a function's names (see the module docstring)."""

    __slots__ = ("uses", "impure", "params", "_kinds", "_others")

    def __init__(self) -> None:
        # name -> [(the Name node read, how it is used)]
        self.uses: Dict[str, List[Tuple[ast.Name, str]]] = {}
        # names bound by something other than a simple `name = value`
        self.impure: Set[str] = set()
        self.params: Set[str] = set()
        self._kinds: Dict[int, str] = {}  # id of a Name read -> how it is used
        self._others: Dict[str, int] = {}  # name -> how many reads are not rebuilds

    def note_use(self, node: ast.Name, kind: str) -> None:
        self.uses.setdefault(node.id, []).append((node, kind))
        self._kinds[id(node)] = kind
        if kind != REBUILD:
            self._others[node.id] = self._others.get(node.id, 0) + 1

    def other_uses(self, name: str, but: ast.AST) -> bool:
        """Is ``name`` read anywhere except at ``but`` and in rebuilds of itself?"""
        others = self._others.get(name, 0)
        if getattr(but, "id", None) == name and self._kinds.get(id(but), REBUILD) != REBUILD:
            others -= 1
        return others > 0


def _chain_top(node: ast.AST, parents: Dict[int, ast.AST]) -> ast.AST:
    """The outermost call of the method chain ``node`` is the receiver of."""
    top = node
    while True:
        parent = parents.get(id(top))
        if isinstance(parent, ast.Attribute) and parent.value is top:
            grand = parents.get(id(parent))
            if isinstance(grand, ast.Call) and grand.func is parent:
                top = grand
                continue
        return top


def _is_test_position(node: ast.AST, parents: Dict[int, ast.AST]) -> bool:
    """``node`` is the tested value of an ``if``/conditional expression (alone or as an
    operand of ``and``/``or`` there)."""
    child = node
    parent = parents.get(id(child))
    while isinstance(parent, ast.BoolOp):
        child = parent
        parent = parents.get(id(child))
    return isinstance(parent, (ast.If, ast.IfExp)) and parent.test is child


def _classify(node: ast.Name, parents: Dict[int, ast.AST]) -> str:
    parent = parents.get(id(node))
    if isinstance(parent, ast.Call) and node in parent.args:
        func = parent.func
        if isinstance(func, ast.Name) and func.id in _MEASURING_CALLS and len(parent.args) == 1:
            return MEASURE
        return OTHER
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return MEASURE
    if _is_test_position(node, parents):
        return MEASURE
    if isinstance(parent, (ast.For, ast.AsyncFor)) and parent.iter is node:
        return ITERATE
    if isinstance(parent, ast.comprehension) and parent.iter is node:
        return ITERATE
    if isinstance(parent, ast.Attribute):
        top = _chain_top(node, parents)
        holder = parents.get(id(top))
        if (
            top is not node
            and isinstance(holder, ast.Assign)
            and holder.value is top
            and len(holder.targets) == 1
            and isinstance(holder.targets[0], ast.Name)
            and holder.targets[0].id == node.id
        ):
            return REBUILD
    return OTHER


def compute_flow(ctx: Context, frame: Frame) -> QueryFlow:
    """One walk of the function (nested scopes included: a read there is a use)."""
    flow = QueryFlow()
    flow.params = set(frame.params)
    root = frame.node
    parents: Dict[int, ast.AST] = {}
    names: List[ast.Name] = []
    for node in iter_nodes(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        if isinstance(node, ast.Name):
            names.append(node)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            flow.impure.update(node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not root:
            flow.impure.add(node.name)
        elif isinstance(node, ast.alias):
            flow.impure.add((node.asname or node.name).split(".", 1)[0])
    for name in names:
        if isinstance(name.ctx, ast.Load):
            flow.note_use(name, _classify(name, parents))
            continue
        holder = parents.get(id(name))
        if not (isinstance(holder, _SIMPLE_BINDERS) and getattr(holder, "target", None) is name) and not (
            isinstance(holder, ast.Assign) and name in holder.targets
        ):
            flow.impure.add(name.id)
    return flow


def flow_of(ctx: Context) -> Optional[QueryFlow]:
    """The current function's flow facts (None at module or class level)."""
    frame = ctx.frame
    if frame.kind not in ("function", "lambda"):
        return None
    return ctx.frame_fact(_FLOW, compute_flow)


def queryset_info(ctx: Context, expr: ast.AST) -> Optional[QueryInfo]:
    """``expr`` is an inline Django queryset: a query expression whose last link returns
    a queryset (not a row, a number, a list of SQLAlchemy rows)."""
    if not isinstance(expr, ast.Call):
        return None
    info = ctx.query_info(expr)
    if info is None or info.kind == "sqlalchemy" or info.methods[-1] not in QUERYSET_RETURNING:
        return None
    return info


def is_queryset_local(ctx: Context, flow: QueryFlow, name: str) -> bool:
    """Every binding of ``name`` in the function is a Django queryset (or a rebuild of
    itself), and nothing else binds it."""
    if name in flow.impure or name in flow.params:
        return False
    return _bound_to_querysets(ctx, name)


def _bound_to_querysets(ctx: Context, name: str) -> bool:
    """Every binding of ``name`` in the current scope is an inline queryset; once per name."""
    known: Dict[str, bool] = ctx.frame_fact(_BOUND_TO_QUERYSETS, lambda c, f: {})
    result = known.get(name)
    if result is None:
        bound = ctx.bindings().get(name) or []
        result = known[name] = bool(bound) and all(queryset_info(ctx, value) is not None for _, value in bound)
    return result


def sole_queryset_use(ctx: Context, expr: ast.AST) -> Optional[str]:
    """When ``expr`` evaluates a queryset whose rows have no other use, the text to name
    it by: an inline queryset chain, or a queryset local read nowhere else (rebuilds of
    itself aside). None otherwise."""
    if isinstance(expr, ast.Call):
        return "chain" if queryset_info(ctx, expr) is not None else None
    if not isinstance(expr, ast.Name) or ctx.frame.kind not in ("function", "lambda"):
        return None
    if expr.id not in ctx.frame.facts.get(_CHAIN_ASSIGNED, ()):
        return None  # never assigned a method chain so far: not a queryset local
    # The bindings (shared, once per function) rule most names out before the flow walk.
    if not _bound_to_querysets(ctx, expr.id):
        return None
    flow = flow_of(ctx)
    if flow is None or not is_queryset_local(ctx, flow, expr.id) or flow.other_uses(expr.id, expr):
        return None
    return "local"


def note_chain_assignment(node: ast.AST, ctx: Context) -> None:
    """Remember, as the walk meets them, the names a function assigns a chain ending in a
    queryset-returning method to (`qs = X.objects.filter(...)`): the only candidates for
    a queryset local, so a test such as `if name:` costs nothing for every other name."""
    value = getattr(node, "value", None)
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return
    if ctx.frame.kind not in ("function", "lambda") or value.func.attr not in QUERYSET_RETURNING:
        return  # judged by its last link only: the chain is analysed if the name is measured
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    names: Set[str] = ctx.frame.facts.setdefault(_CHAIN_ASSIGNED, set())
    for target in targets:
        if isinstance(target, ast.Name):
            names.add(target.id)


def rows_of(expr: ast.AST, ctx: Context) -> Optional[str]:
    """The text of the queryset ``expr`` evaluates when its rows serve nothing else (an
    inline chain, or a queryset local read only here), for BR003 and BR004 to name it by;
    None otherwise, and for a relation the enclosing loop prefetched (its rows cost no
    query) or a subquery."""
    kind = sole_queryset_use(ctx, expr)
    if kind is None:
        return None
    if kind == "chain":
        info = queryset_info(ctx, expr)
        if info is None or served_by_prefetch(info, ctx) or is_subquery(info):
            return None
    else:
        for _, value in ctx.bindings().get(getattr(expr, "id", ""), ()):
            info = queryset_info(ctx, value)
            if info is None or served_by_prefetch(info, ctx):
                return None
    return short_source(expr)
