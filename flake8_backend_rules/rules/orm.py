"""BR00x: query efficiency (N+1 in properties, loops and serializers; aggregation, measuring
and writes in Python; ordering and searches without indexes)."""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

from ..astutil import (
    attribute_path,
    call_name,
    dotted_name,
    iter_nodes,
    names_in,
    short_source,
    string_value,
    target_names,
)
from ..bindings import Fold
from ..budget import WORK
from ..context import ClassFrame, Context, FactKey, Frame, LoopFrame
from ..queries import (
    ANY_LOOKUP,
    QUERYSET_RETURNING,
    WRITE_METHODS,
    QueryInfo,
    is_session_name,
    lookup_covers,
    prefetch_lookups_of_call,
    receiver_name,
)
from ..queryflow import derived_names, note_chain_assignment, queryset_info, sole_queryset_use
from ..vocabulary import (
    BATCH_WRITES, INSTANCE_WRITES, LOOP_LEAVING_STATEMENTS, LOOP_TYPES, SCOPE_TYPES, TRY_TYPES, VIEW_BASE_SUFFIXES,
)
from . import check

_BR002_MEMOIZED_KEY: FactKey[Set[int]] = FactKey("br002.memoized")
_BR005_BULK_KEY: FactKey[bool] = FactKey("br005.bulk")
_BR005_ISOLATED_KEY: FactKey[Set[int]] = FactKey("br005.isolated")
_BR005_ONCE_KEY: FactKey[Set[int]] = FactKey("br005.once")
_BR005_ROW_METHODS_KEY: FactKey[Dict[Tuple[int, str], bool]] = FactKey("br005.row_methods")
_BR006_OBJECT_KEY: FactKey[Set[str]] = FactKey("br006.object")
_BR00_PREPARED_STATEMENTS_KEY: FactKey[Dict[str, str]] = FactKey("br00.prepared_statements")


_ITERABLE_WRAPPERS = frozenset({"list", "tuple", "sorted", "reversed", "enumerate", "iter"})

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


# -- prefetches the rows of a loop carry (BR002, BR003, BR004) ----------------------------


def loop_prefetches(ctx: Context, loop: LoopFrame) -> Set[str]:
    """The lookups the loop's rows visibly carry: prefetched on its iterable (following
    locals), inherited from an outer loop's prefetch, or any at all after a
    `prefetch_related_objects(...)` call in the scope. Once per loop."""
    cache: Dict[int, Set[str]] = ctx.frame_fact(_LOOP_PREFETCHES, _new_dict)
    found = cache.get(id(loop.node))  # the node outlives the frame (ids of frames are reused)
    if found is None:
        found = prefetches_of(ctx, loop.iterable, loop.node) if loop.iterable is not None else set()
        found |= _inherited_prefetches(ctx, loop)
        if ctx.frame_fact(_PREFETCHES_OBJECTS, _calls_prefetch_related_objects):
            found.add(ANY_LOOKUP)
        cache[id(loop.node)] = found
    return found


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


def prefetches_of(ctx: Context, expr: ast.AST, at: ast.AST) -> Set[str]:
    """Lookups visibly prefetched on a queryset expression, following locals (each
    binding's lookups are resolved once: :class:`bindings.Fold`)."""
    empty: FrozenSet[str] = frozenset()
    fold = ctx.bindings().fold("prefetches", _prefetch_step, _union, empty)
    return set(_chain_prefetches(fold, expr, at))


_LOOP_PREFETCHES: FactKey[dict] = FactKey("br00.loop_prefetches")


_PREFETCHES_OBJECTS: FactKey[bool] = FactKey("br00.prefetch_related_objects")


def _new_dict(ctx: Context, frame: Frame) -> dict:
    return {}


def _calls_prefetch_related_objects(ctx: Context, frame: Frame) -> bool:
    """The scope calls `prefetch_related_objects(...)`: its rows may carry any lookup."""
    return any(
        isinstance(node, ast.Call) and call_name(node) == "prefetch_related_objects"
        for node in iter_nodes(frame.node, into_scopes=False)
    )


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
    return _chain_prefetches(fold, value, value)


class _Properties:
    """BR001's notes about one class: which properties query, which read which."""

    __slots__ = ("querying", "self_reads")

    def __init__(self) -> None:
        self.querying: Dict[str, str] = {}  # property -> text of the first query it runs
        # (reading property, read property, the `self.<prop>` node)
        self.self_reads: List[Tuple[str, str, ast.Attribute]] = []


_CLASS_PROPERTIES: FactKey[dict] = FactKey("br001.properties")


def _properties_of(ctx: Context, cls: ClassFrame) -> _Properties:
    by_class: Dict[int, _Properties] = ctx.frame_fact(_CLASS_PROPERTIES, _new_dict, ctx.module_frame)
    found = by_class.get(id(cls.node))
    if found is None:
        found = by_class[id(cls.node)] = _Properties()
    return found


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
        _properties_of(ctx, cls).querying.setdefault(prop, expr)
    ctx.report("BR001", node, prop=prop, via="", expr=expr)


@check("BR001", ast.Attribute)
def property_reads_property(node: ast.Attribute, ctx: Context) -> None:
    """Remember `self.<name>` reads inside properties; resolved when the class closes."""
    frame = ctx.frame
    if not frame.is_property or frame.class_frame is None:
        return
    value = node.value
    if isinstance(value, ast.Name) and value.id == frame.self_name and isinstance(node.ctx, ast.Load):
        _properties_of(ctx, frame.class_frame).self_reads.append((getattr(frame.node, "name", "?"), node.attr, node))


@check("BR001", ast.ClassDef, phase="leave")
def transitive_property_queries(node: ast.ClassDef, ctx: Context) -> None:
    """`tax_amount` reads `self.subtotal`, which queries: tax_amount queries too."""
    cls = ctx.classes[-1] if ctx.classes else None
    if cls is None or cls.node is not node:
        return
    props = _properties_of(ctx, cls)
    if not props.self_reads:
        return
    querying = dict(props.querying)
    changed = True
    while changed:
        changed = False
        for reader, read, _ in props.self_reads:
            if read in querying and reader not in querying and reader != read:
                querying[reader] = querying[read]
                changed = True
    for reader, read, attr in props.self_reads:
        if read in querying and read != reader:
            ctx.report("BR001", attr, prop=reader, via=f" via self.{read}", expr=querying[read])


def _prepared_statement(info: QueryInfo, ctx: Context) -> Optional[str]:
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
    return ctx.frame_fact(_BR00_PREPARED_STATEMENTS_KEY, _prepared_statements).get(name, "unknown")


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


_SQL_WRITES = ("insert", "update", "delete", "merge")


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
    if info.kind == "sqlalchemy":
        # `q = session.query(X).filter(...)` builds a lazy Query as well
        return info.methods[0] == "query" and info.methods[-1] not in _QUERY_TERMINALS and ctx.is_unevaluated(
            info.node
        )
    if info.methods[-1] not in QUERYSET_RETURNING:
        return False
    return ctx.is_unevaluated(info.node) or _is_subquery(info)


# SQLAlchemy `Query` methods that run it; every other link keeps it lazy.


_QUERY_TERMINALS = frozenset(
    "all first one one_or_none scalar count get delete update exists execute scalars".split()
)


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
    if not ctx.frame.loops or _in_migration(ctx):
        return
    info = ctx.outer_query(node)
    if info is None or info.is_write or _is_unevaluated(info, ctx) or ctx.is_per_model_query(node):
        return
    if _prepared_statement(info, ctx) in ("write", "unknown"):
        return  # BR005's, or a prepared statement we cannot see
    dependency = _loop_dependency(info, ctx)
    if dependency is None:
        return
    if id(node) in ctx.frame_fact(_BR002_MEMOIZED_KEY, _memoized_queries):
        return
    loop, var = dependency
    expr = short_source(node)
    relation = _relation(info, loop)
    if relation is not None:
        loop_var, path = relation
        prefetched = loop_prefetches(ctx, loop)
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


# -- shared by BR003/BR004: relations served by the enclosing loop's prefetch ------------


def _served_by_prefetch(info: QueryInfo, ctx: Context) -> bool:
    """`<loopvar>.<rel>.all()` where the loop's iterable prefetches `<rel>`: the rows are
    in the prefetch cache, so measuring or summing them in Python costs no query."""
    if not all(m in _CACHE_SERVED for m in info.methods):
        return False
    for loop in reversed(ctx.frame.loops):
        if loop.kind == "while":
            continue
        relation = _relation(info, loop)
        if relation is not None and lookup_covers(loop_prefetches(ctx, loop), relation[1]):
            return True
    return False


def _rows_of(expr: ast.AST, ctx: Context) -> Optional[str]:
    """The text of the queryset ``expr`` evaluates when its rows serve nothing else (an
    inline chain, or a queryset local read only here); None otherwise."""
    kind = sole_queryset_use(ctx, expr)
    if kind is None:
        return None
    if kind == "chain":
        info = queryset_info(ctx, expr)
        if info is None or _served_by_prefetch(info, ctx) or _is_subquery(info):
            return None
    else:
        for _, value in ctx.bindings().get(getattr(expr, "id", ""), ()):
            info = queryset_info(ctx, value)
            if info is None or _served_by_prefetch(info, ctx):
                return None
    return short_source(expr)


# Both rules judge queryset locals: each records the candidates while the walk goes.
check("BR003", ast.Assign, ast.AnnAssign, ast.NamedExpr)(note_chain_assignment)
check("BR004", ast.Assign, ast.AnnAssign, ast.NamedExpr)(note_chain_assignment)


# -- BR003 python-side-aggregation -------------------------------------------------------


_AGGREGATES = {"sum": "Sum", "max": "Max", "min": "Min"}


_ACCUMULATING_OPS = (ast.Add, ast.Sub)


_NUMERIC_FACTORIES = frozenset({"Decimal", "int", "float", "Money"})


def _reads_any(node: ast.AST, names: Set[str]) -> bool:
    return bool(names_in(node) & names)


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    return isinstance(node, ast.Call) and call_name(node) in _NUMERIC_FACTORIES


@check("BR003", ast.Call, callees=_AGGREGATES)
def aggregation_builtin_over_rows(node: ast.Call, ctx: Context) -> None:
    """`sum(i.quantity for i in order.items.all())`, `max(qs.values_list(...))`: every row
    fetched to compute one number the database would return."""
    func = node.func
    if not isinstance(func, ast.Name) or func.id not in _AGGREGATES or not node.args:
        return
    if ctx.frame.is_property or _in_migration(ctx) or ctx.resolve(func) != func.id:
        return
    if len(node.args) > (2 if func.id == "sum" else 1):
        return  # `max(a, b)` compares values, it does not aggregate rows
    arg = node.args[0]
    rows: ast.AST = arg
    if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
        if len(arg.generators) != 1:
            return
        gen = arg.generators[0]
        if not _row_arithmetic(arg.elt, set(target_names(gen.target))):
            return
        rows = gen.iter
    expr = _rows_of(rows, ctx)
    if expr is None:
        return
    fix = f"`.aggregate({_AGGREGATES[func.id]}(...))` or `annotate(...)`"
    if func.id != "sum" and rows is arg and not _yields_values(arg, ctx):
        # `max(qs, key=...)` picks a row: the database orders and returns one
        fix = "`.order_by(...).first()` (or `.latest()`/`.earliest()`)"
    ctx.report("BR003", node, how=f"`{func.id}()`", expr=expr, fix=fix)


def _yields_values(expr: ast.AST, ctx: Context) -> bool:
    """A `.values()`/`.values_list()` queryset (or a local bound to one) yields values,
    not model rows."""
    values: List[ast.AST] = [expr]
    if isinstance(expr, ast.Name):
        values = [value for _, value in ctx.bindings().get(expr.id, ())]
    for value in values:
        info = queryset_info(ctx, value)
        if info is not None and any(m in ("values", "values_list") for m in info.methods):
            return True
    return False


_ROW_ARITHMETIC = (ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.BoolOp, ast.operator,
                   ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context, ast.Constant, ast.Attribute,
                   ast.keyword)


def _row_arithmetic(expr: ast.AST, rows: Set[str]) -> bool:
    """``expr`` computes from the row's own columns only (``line.price * line.quantity``,
    ``row["total"]``, ``Decimal(line.amount)``, a constant): SQL could compute it. A
    method call, a dict lookup or another object's value makes it Python's business."""
    for node in iter_nodes(expr, into_scopes=False):
        if isinstance(node, ast.Name):
            if node.id not in rows:
                return False
        elif isinstance(node, ast.Call):
            if call_name(node) not in _NUMERIC_FACTORIES or not isinstance(node.func, ast.Name):
                return False
        elif isinstance(node, ast.Subscript):
            if not isinstance(node.slice, ast.Constant):
                return False
        elif not isinstance(node, _ROW_ARITHMETIC):
            return False
    return _reads_any(expr, rows) or _is_number(expr)


def _accumulations(body: List[ast.stmt], targets: Set[str]) -> Optional[List[ast.AugAssign]]:
    """The `+=`/`-=` statements of a loop body that does nothing else (assignments to
    locals, `if`, `continue`, `pass` aside) and that add a value read from the row (or a
    count); None when the body also uses the rows for something (a call, an append, a
    nested loop, a return...). ``targets`` grows by the locals derived from the row."""
    found: List[ast.AugAssign] = []
    assigns: List[ast.Assign] = []
    stack: List[ast.stmt] = list(body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.AugAssign):
            if not isinstance(stmt.target, ast.Name) or not isinstance(stmt.op, _ACCUMULATING_OPS):
                return None
            found.append(stmt)
        elif isinstance(stmt, ast.Assign):
            if not all(isinstance(t, ast.Name) for t in stmt.targets):
                return None
            assigns.append(stmt)
        elif isinstance(stmt, ast.If):
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
        elif not isinstance(stmt, (ast.Continue, ast.Pass)):
            return None
    # `amount = line.price * line.quantity; total += amount`: a local every assignment of
    # which computes from the row is part of the row
    bound: Dict[str, List[ast.AST]] = {}
    for assign in assigns:
        for target in assign.targets:
            bound.setdefault(target.id, []).append(assign.value)  # type: ignore[attr-defined]
    changed = True
    while changed:
        changed = False
        for name, values in bound.items():
            if name not in targets and all(_row_arithmetic(v, targets) for v in values):
                targets.add(name)
                changed = True
    found = [s for s in found if _row_arithmetic(s.value, targets)]
    found.sort(key=lambda s: (s.lineno, s.col_offset))
    return found


def _target_name(stmt: ast.AugAssign) -> str:
    return stmt.target.id if isinstance(stmt.target, ast.Name) else ""


def _numeric_accumulator(name: str, loop: ast.AST, ctx: Context) -> bool:
    value = ctx.bindings().last_before(name, loop)
    return value is not None and _is_number(value)


@check("BR003", ast.For, ast.AsyncFor)
def accumulation_loop_over_rows(node: ast.AST, ctx: Context) -> None:
    """`for i in self.items.all(): total += i.price * i.quantity`: a Python-side SUM."""
    if ctx.frame.is_property or _in_migration(ctx) or ctx.frame.kind not in ("function", "lambda"):
        return
    iterable = node.iter  # type: ignore[attr-defined]
    if not isinstance(iterable, (ast.Call, ast.Name)):
        return
    targets = set(target_names(node.target))  # type: ignore[attr-defined]
    accumulations = _accumulations(node.body, targets)  # type: ignore[attr-defined]
    if not accumulations:
        return
    hits = [s for s in accumulations if _numeric_accumulator(_target_name(s), node, ctx)]
    if not hits:
        return
    expr = _rows_of(iterable, ctx)
    if expr is None:
        return
    for stmt in hits:
        name = _target_name(stmt)
        operator = "+=" if isinstance(stmt.op, ast.Add) else "-="
        fix = "`.count()`" if _is_number(stmt.value) else "`.aggregate(Sum(...))` or `annotate(...)`"
        ctx.report("BR003", stmt, how=f"`{name} {operator}` in a loop", expr=expr, fix=fix)


# -- BR004 queryset-evaluated-for-size ----------------------------------------------------


def _measured_queryset(expr: ast.AST, ctx: Context) -> Optional[str]:
    if _in_migration(ctx):
        return None
    return _rows_of(expr, ctx)


@check("BR004", ast.Call, callees=("len", "bool"))
def queryset_measured_by_builtin(node: ast.Call, ctx: Context) -> None:
    """`len(qs)` / `bool(qs)`: every row fetched to count them or test for one."""
    func = node.func
    if not isinstance(func, ast.Name) or func.id not in ("len", "bool"):
        return
    if len(node.args) != 1 or node.keywords or ctx.resolve(func) != func.id:
        return
    expr = _measured_queryset(node.args[0], ctx)
    if expr is None:
        return
    if func.id == "len":
        ctx.report("BR004", node, how="`len()`", expr=expr, purpose="count them", fix=".count()")
    else:
        ctx.report("BR004", node, how="`bool()`", expr=expr, purpose="test for one", fix=".exists()")


def _tested_operands(test: ast.AST) -> List[ast.AST]:
    operands: List[ast.AST] = []
    stack = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        else:
            operands.append(node)
    return operands


@check("BR004", ast.If, ast.IfExp)
def queryset_tested_for_truth(node: ast.AST, ctx: Context) -> None:
    """`if qs:`: every row fetched to learn whether there is one."""
    for operand in _tested_operands(node.test):  # type: ignore[attr-defined]
        if isinstance(operand, (ast.Call, ast.Name)):
            expr = _measured_queryset(operand, ctx)
            if expr is not None:
                ctx.report("BR004", operand, how="testing it", expr=expr, purpose="test for one",
                           fix=".exists()")


@check("BR004", ast.UnaryOp)
def queryset_negated(node: ast.UnaryOp, ctx: Context) -> None:
    """`not qs`: the same test, negated."""
    if not isinstance(node.op, ast.Not) or not isinstance(node.operand, (ast.Call, ast.Name)):
        return
    expr = _measured_queryset(node.operand, ctx)
    if expr is not None:
        ctx.report("BR004", node.operand, how="`not`", expr=expr, purpose="test for one", fix=".exists()")


# -- BR005 write-in-loop -----------------------------------------------------------------
# Model.save()/delete() keywords; any other one means an overriding method with its own
# logic (`page.delete(user=u)`, `save(clean=False)`) or another API (`file.delete(save=False)`).


_MODEL_WRITE_KEYWORDS = {
    "save": frozenset({"force_insert", "force_update", "using", "update_fields"}),
    "delete": frozenset({"using", "keep_parents"}),
}


def _in_migration(ctx: Context) -> bool:
    return ctx.kind.migration


def _chooses_per_row_writes(ctx: Context, frame: Frame) -> bool:
    """The function takes a `bulk` flag or runs bulk writes itself: its per-row writes
    are a deliberate branch (signals, per-object save logic), not an oversight."""
    if "bulk" in frame.params:
        return True
    root = frame.node
    for node in iter_nodes(root, into_scopes=False):
        if isinstance(node, ast.Call) and call_name(node) in BATCH_WRITES:
            return True
    return False


def _isolated_per_item(ctx: Context, frame: Frame) -> Set[int]:
    """Calls inside a `try` within a loop body whose handler carries on (does not end by
    raising), or inside a per-item `with transaction.atomic():`: each item's write is
    isolated so one failure does not stop or roll back the others, which a bulk write
    cannot do (deliberate per-item writes and commits)."""
    guarded: Set[int] = set()
    for inner, in_body, _ in _walk_loop_regions(frame.node):
        if not in_body:
            continue
        if isinstance(inner, (ast.With, ast.AsyncWith)):
            # `with transaction.atomic():` per item: one transaction per row, chosen
            if not any(call_name(item.context_expr) == "atomic" for item in inner.items):
                continue
        elif not isinstance(inner, TRY_TYPES):
            continue
        elif not any(h.body and not isinstance(h.body[-1], ast.Raise) for h in getattr(inner, "handlers", ())):
            continue
        _add_calls_of_block(getattr(inner, "body", ()), guarded)
    return guarded


def _walk_loop_regions(root: ast.AST) -> Iterator[Tuple[ast.AST, bool, bool]]:
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


def _add_calls_of_block(statements: Iterable[ast.AST], found: Set[int]) -> None:
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


def _is_form_like(receiver: ast.AST) -> bool:
    """`form.save()`, `formset.save()`, `subform.instance.delete()`, `panel.save()`: a
    form saves (or deletes) its own instance; there is no bulk form API."""
    for node in iter_nodes(receiver, into_scopes=False):
        text = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        lowered = text.lower()
        if "form" in lowered or lowered.endswith("panel"):
            return True
    return False


def _per_row_loop(names: Set[str], ctx: Context) -> Optional[Tuple[LoopFrame, str]]:
    """The innermost for-loop/comprehension whose (derived) targets ``names`` read."""
    for loop in reversed(ctx.frame.loops):
        if loop.kind == "while":
            continue
        used = names & loop.tainted
        if used:
            direct = used & loop.targets
            return loop, ", ".join(sorted(direct or loop.targets))
    return None


def _write_hint(method: str) -> str:
    if method in ("save", "asave"):
        return "collect the objects and call bulk_update()/bulk_create() once after the loop"
    if method in ("create", "acreate"):
        return "build the objects and call bulk_create() once after the loop"
    if method in ("get_or_create", "aget_or_create", "update_or_create", "aupdate_or_create"):
        return "fetch the existing rows with one `__in` query, then bulk_create()/bulk_update()"
    if method == "commit":
        return "commit once after the loop"
    if method == "execute":
        return "run one statement for all rows (executemany, a bulk UPDATE/INSERT)"
    return "run one update()/delete() over all rows with an `__in` filter"


def _query_write(node: ast.Call, ctx: Context) -> Optional[Tuple[str, Tuple[LoopFrame, str]]]:
    info = ctx.outer_query(node)
    if info is None:
        return None
    if not info.is_write and _prepared_statement(info, ctx) != "write":
        return None
    writes = [m for m in info.methods if m in WRITE_METHODS]
    if info.kind != "sqlalchemy" and (not writes or all(m in BATCH_WRITES for m in writes)):
        return None
    if info.kind == "related":
        if _is_form_like(info.root):
            return None  # `form.instance.delete()`
        if info.methods[-1] in ("delete", "adelete") and node.keywords:
            return None  # `obj.file.delete(save=False)`: QuerySet.delete() takes no arguments
    if ctx.is_per_model_query(node):
        return None  # `for model in registry: model.objects.filter(...).update(...)`: per table
    dependency = _loop_dependency(info, ctx)
    if dependency is None:
        return None
    method = "execute" if info.kind == "sqlalchemy" else writes[-1]
    return method, dependency


def _instance_write(node: ast.Call, ctx: Context) -> Optional[Tuple[str, Tuple[LoopFrame, str]]]:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in INSTANCE_WRITES or node.args:
        return None
    allowed = _MODEL_WRITE_KEYWORDS[func.attr.lstrip("a")]  # asave -> save
    if any(kw.arg not in allowed for kw in node.keywords) or _is_form_like(func.value):
        return None
    if isinstance(func.value, ast.Call) and not _is_constructor_save(func):
        return None  # `bucket.Object(key).delete()`, `obj.copy_for_translation(l).save()`
    dependency = _per_row_loop(names_in(func.value), ctx)
    if dependency is None or call_name(dependency[0].iterable or node) == "deserialize":
        return None  # deserialized fixtures save themselves one by one (loaddata)
    base, _ = attribute_path(func.value)
    if isinstance(base, ast.Name) and _runs_row_methods(dependency[0], base.id, ctx):
        return None
    if _rows_built_by_a_form(dependency[0], ctx):
        return None
    return func.attr, dependency


def _rows_built_by_a_form(loop: LoopFrame, ctx: Context) -> bool:
    """`members = formset.save(commit=False); for member in members: member.save()`: the
    formset's own instances, saved the way formsets save them."""
    iterable = loop.iterable
    values: List[ast.AST] = [iterable] if iterable is not None else []
    if isinstance(iterable, ast.Name):
        values = [value for _, value in ctx.bindings().get(iterable.id, ())]
    return any(
        isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and _is_form_like(value.func.value)
        for value in values
    )


def _is_constructor_save(func: ast.Attribute) -> bool:
    """`Price(sku=row.sku).save()`: a model built and inserted per row. A call result of
    anything else (a storage object, a copy made by a model method) is not a row we can
    batch."""
    call = func.value
    return (
        func.attr in ("save", "asave")
        and isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id[:1].isupper()
    )


def _runs_row_methods(loop: LoopFrame, name: str, ctx: Context) -> bool:
    """The loop body calls the row's own methods (`device.snapshot()`, `obj.full_clean()`,
    `rack.copy_racktype_attrs()`) besides writing it: each object is handled one by one on
    purpose (change-log snapshots, validation, per-object logic bulk_update would skip)."""
    cache: Dict[Tuple[int, str], bool] = ctx.frame_fact(_BR005_ROW_METHODS_KEY, lambda c, f: {})
    key = (id(loop.node), name)
    if key not in cache:
        body = getattr(loop.node, "body", None)
        statements: List[ast.AST] = list(body) if isinstance(body, list) else [loop.node]
        found = False
        for stmt in statements:
            for node in iter_nodes(stmt, into_scopes=False):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == name
                    and node.func.attr not in INSTANCE_WRITES
                ):
                    found = True
                    break
            if found:
                break
        cache[key] = found
    return cache[key]


def _calls_run_once(ctx: Context, frame: Frame) -> Set[int]:
    """Calls in a block (inside a loop) that ends with `return`, `break` or `raise`: that
    block runs at most once per loop, so a write there is not one per row (`for p in
    plugins: if p.id == wanted: ...get_or_create(...); return`). An outermost loop's own
    `else` is not inside a loop."""
    once: Set[int] = set()
    for node, _, in_loop in _walk_loop_regions(frame.node):
        if not in_loop and not isinstance(node, LOOP_TYPES):
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[-1], LOOP_LEAVING_STATEMENTS):
                continue
            if field == "orelse" and not in_loop:
                continue  # the outermost loop's own `else` runs once, after it
            _add_calls_of_block(block, once)
    return once


def _commit_in_loop(node: ast.Call, ctx: Context) -> Optional[Tuple[str, Tuple[LoopFrame, str]]]:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr != "commit" or node.args or node.keywords:
        return None
    if not is_session_name(receiver_name(func.value)):
        return None
    for loop in reversed(ctx.frame.loops):
        if loop.kind != "while":
            return "commit", (loop, ", ".join(sorted(loop.targets)))
    return None


@check("BR005", ast.Call)
def write_in_loop(node: ast.Call, ctx: Context) -> None:
    """A write per row (`obj.save()`, `create()`, `update()`, a commit) in a for-loop or
    comprehension body: N statements where a bulk operation runs one."""
    if not ctx.frame.loops or not isinstance(node.func, ast.Attribute) or _in_migration(ctx):
        return
    if ctx.query_info(node) is not None:  # a query chain is judged as one, by its links
        found = _query_write(node, ctx)
    else:
        found = _instance_write(node, ctx) or _commit_in_loop(node, ctx)
    if found is None or id(node) in ctx.frame_fact(_BR005_ONCE_KEY, _calls_run_once):
        return
    if ctx.frame.kind in ("function", "lambda") and ctx.frame_fact(_BR005_BULK_KEY, _chooses_per_row_writes):
        return
    if id(node) in ctx.frame_fact(_BR005_ISOLATED_KEY, _isolated_per_item):
        return
    method, (_, var) = found
    ctx.report(
        "BR005", node,
        detail=f"`{short_source(node)}` writes once per `{var}` in the loop; {_write_hint(method)}",
    )


# -- BR006 query-in-serializer-method ----------------------------------------------------
# DRF's own `get_*` hooks of serializers and fields: not method fields.


_DRF_GET_HOOKS = frozenset(
    "get_attribute get_value get_fields get_field_names get_default_field_names get_extra_kwargs"
    " get_validators get_initial get_queryset get_unique_together_validators"
    " get_unique_for_date_validators get_uniqueness_extra_kwargs get_object get_url"
    " get_choices get_serializer_context get_default get_nested_field get_relation_kwargs"
    " get_serializer_field get_instance".split()
)


def _serializer_object_names(ctx: Context, frame: Frame) -> Set[str]:
    """For a `get_<field>(self, obj)` method of a serializer: `obj` and the locals derived
    from it; empty for every other function."""
    node = frame.node
    name = getattr(node, "name", "")
    cls = frame.class_frame
    if cls is None or not name.startswith("get_") or name in _DRF_GET_HOOKS:
        return set()
    if not any(base.endswith("Serializer") for base in cls.base_names):
        return set()
    args = node.args  # type: ignore[attr-defined]
    positional = args.posonlyargs + args.args
    if len(positional) != 2 or args.vararg is not None:
        return set()
    return derived_names(ctx, frame, {positional[1].arg})


@check("BR006", ast.Call)
def query_in_serializer_method(node: ast.Call, ctx: Context) -> None:
    """A query on the serialized object inside a SerializerMethodField getter."""
    frame = ctx.frame
    if frame.kind != "function" or frame.class_frame is None:
        return
    names = frame.facts.get(_BR006_OBJECT_KEY)  # once computed, a dict read per call
    if names is None:
        names = ctx.frame_fact(_BR006_OBJECT_KEY, _serializer_object_names)
    if not names:
        return
    info = ctx.outer_query(node)
    if info is None or _is_unevaluated(info, ctx) or not (names_in(node) & names):
        return
    if info.kind == "related" and all(m in ("all", "aall") for m in info.methods):
        return  # `obj.tags.all()`: the view's prefetch_related serves it (the DRF idiom)
    ctx.report("BR006", node, method=getattr(frame.node, "name", "?"), expr=short_source(node))


# -- BR007 ordering-without-index --------------------------------------------------------


_INDEXED_FIELD_TYPES = frozenset(
    {"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey", "ManyToManyField",
     "ParentalManyToManyField", "AutoField", "BigAutoField", "SmallAutoField"}
)


_INDEX_OPTIONS = ("db_index", "unique", "primary_key")
# Time-ordered tables (events, logs, lines, history) grow without bound: those are the
# ones whose default ORDER BY needs an index. A name, position, weight or code leads the
# ordering of configuration and lookup tables, or of inline children read through their
# parent's foreign key: few rows to sort (on real code nearly all such findings were).


_TEMPORAL_FIELD_SUFFIXES = ("DateTimeField", "DateField")


_TEMPORAL_FIELDS = frozenset({"AutoCreatedField", "AutoLastModifiedField", "MonitorField"})


_NOT_MODEL_FIELD_MODULES = ("rest_framework", "django.forms", "django_filters", "graphene", "wtforms")


def _model_field_type(value: ast.AST, ctx: Context) -> Optional[str]:
    if not isinstance(value, ast.Call):
        return None
    name = dotted_name(value.func) or ""
    last = name.rsplit(".", 1)[-1]
    if not last.endswith(("Field", "Key")) and last not in _INDEXED_FIELD_TYPES:
        return None
    resolved = ctx.resolve(value.func) or ""
    if resolved.startswith(_NOT_MODEL_FIELD_MODULES) or name.split(".", 1)[0] in ("forms", "serializers"):
        return None
    return last


def _field_is_indexed(kind: str, call: ast.Call) -> bool:
    options = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    for option in _INDEX_OPTIONS:
        value = options.get(option)
        if value is not None and not (isinstance(value, ast.Constant) and not value.value):
            return True  # True, or a value we cannot see: assume an index
    if kind == "SlugField":
        value = options.get("db_index")
        return not (isinstance(value, ast.Constant) and value.value is False)
    return kind in _INDEXED_FIELD_TYPES or "**" in [kw.arg or "**" for kw in call.keywords]


def _ordering_field(entry: ast.AST) -> Optional[str]:
    text = string_value(entry)
    if text is None and isinstance(entry, ast.Call):
        # F("x"), F("x").asc(), F("x").desc(nulls_last=True)
        node: ast.AST = entry
        if isinstance(entry.func, ast.Attribute) and entry.func.attr in ("asc", "desc"):
            node = entry.func.value
        if isinstance(node, ast.Call) and call_name(node) == "F" and node.args:
            text = string_value(node.args[0])
    if not text:
        return None
    text = text.lstrip("-+")
    if text in ("?", "pk", "id") or "__" in text:
        return None
    return text


def _first_fields(value: ast.AST) -> Set[str]:
    """First fields of index-like Meta entries: `indexes`, `index_together`,
    `unique_together`, `constraints` (UniqueConstraint)."""
    out: Set[str] = set()
    entries = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    if entries and all(isinstance(e, ast.Constant) for e in entries):
        entries = [value]  # index_together = ("a", "b")
    for entry in entries:
        fields: Optional[ast.AST] = entry
        if isinstance(entry, ast.Call):
            fields = next((kw.value for kw in entry.keywords if kw.arg == "fields"), None)
            if fields is None and entry.args:
                fields = entry.args[0]
        if isinstance(fields, (ast.List, ast.Tuple)) and fields.elts:
            first = string_value(fields.elts[0]) or ""
            out.add(first.lstrip("-"))
    return out


def _assigned(stmt: ast.stmt) -> Optional[Tuple[str, ast.AST]]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id, stmt.value
    return None


@check("BR007", ast.ClassDef)
def ordering_without_index(node: ast.ClassDef, ctx: Context) -> None:
    """`Meta.ordering` on a field with no index: every default query sorts the table."""
    meta = next((s for s in node.body if isinstance(s, ast.ClassDef) and s.name == "Meta"), None)
    if meta is None:
        return
    ordering: Optional[Tuple[ast.stmt, ast.AST]] = None
    indexed: Set[str] = set()
    for stmt in meta.body:
        pair = _assigned(stmt)
        if pair is None:
            continue
        if pair[0] == "ordering":
            ordering = (stmt, pair[1])
        elif pair[0] in ("indexes", "index_together", "unique_together", "constraints"):
            indexed |= _first_fields(pair[1])
    if ordering is None or not isinstance(ordering[1], (ast.List, ast.Tuple)):
        return
    fields: Dict[str, Tuple[str, ast.Call]] = {}
    for stmt in node.body:
        pair = _assigned(stmt)
        if pair is not None:
            kind = _model_field_type(pair[1], ctx)
            if kind is not None:
                fields[pair[0]] = (kind, pair[1])  # type: ignore[assignment]
    # Only the leading column decides whether an index can serve the ORDER BY (later ones
    # break ties among few rows); a leading `?`, `pk`, relation lookup or inherited field
    # is nothing this class can tell.
    if not ordering[1].elts:
        return
    name = _ordering_field(ordering[1].elts[0])
    if name is None or name not in fields or name in indexed:
        return
    kind, call = fields[name]
    if kind.endswith(_TEMPORAL_FIELD_SUFFIXES) or kind in _TEMPORAL_FIELDS:
        if not _field_is_indexed(kind, call):
            ctx.report("BR007", ordering[0], model=node.name, fields=f"`{name}`")


# -- BR008 unindexed-contains-search -----------------------------------------------------


_CONTAINS_SUFFIXES = ("__icontains", "__contains")


_CONTAINS_LOOKUPS = frozenset({"icontains", "contains"})


_SEARCH_PREFIXES = ("^", "=", "@", "$")


_CONTAINER_VALUES = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)


def _in_admin_module(ctx: Context) -> bool:
    path = ctx.filename.replace("\\", "/")
    return path.endswith("admin.py") or "/admin/" in path or path.startswith("admin/")


@check("BR008", ast.Call)
def contains_lookup(node: ast.Call, ctx: Context) -> None:
    """`filter(name__icontains=q)`, `CharFilter(lookup_expr="icontains")`: LIKE '%q%'."""
    for kw in node.keywords:  # the keyword test first: this runs on every call
        arg = kw.arg
        if arg is None:
            continue
        if arg.endswith(_CONTAINS_SUFFIXES):
            if isinstance(kw.value, _CONTAINER_VALUES):
                continue  # array/JSON containment
            if _in_admin_module(ctx):
                return
            ctx.report("BR008", kw, detail=f"`{arg}`")
        elif arg == "lookup_expr" and string_value(kw.value) in _CONTAINS_LOOKUPS:
            if _in_admin_module(ctx):
                return
            ctx.report("BR008", kw, detail=f"`lookup_expr={string_value(kw.value)!r}`")


@check("BR008", ast.Assign)
def contains_search_fields(node: ast.Assign, ctx: Context) -> None:
    """DRF `search_fields` entries without a prefix search with `icontains`."""
    frame = ctx.frame
    if frame.kind != "class" or len(node.targets) != 1:
        return
    target = node.targets[0]
    if not isinstance(target, ast.Name) or target.id != "search_fields" or _in_admin_module(ctx):
        return
    if not isinstance(node.value, (ast.List, ast.Tuple)):
        return
    cls = ctx.classes[-1] if ctx.classes else None
    if cls is None or not any(base.endswith(VIEW_BASE_SUFFIXES) for base in cls.base_names):
        return  # a model's own `search_fields` (Oscar, Wagtail) or an admin's are not DRF's
    for entry in node.value.elts:
        text = string_value(entry)
        if text and not text.startswith(_SEARCH_PREFIXES):
            ctx.report("BR008", entry, detail=f"search field `{text}`")
