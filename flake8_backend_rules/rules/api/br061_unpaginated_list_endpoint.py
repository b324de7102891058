"""BR061 unpaginated-list-endpoint: a GET endpoint that returns every row of a table, or a
DRF list view with pagination turned off: the response grows with the table."""
from __future__ import annotations

import ast
from typing import List, Set

from ...astutil import iter_nodes, short_source
from ...context import Context, FactKey, Frame
from ...handlers import handler_info
from ...queries import is_session_name, receiver_name
from ...vocabulary import SCOPE_TYPES
from .. import Rule, check

_ADVICE = "paginate (pagination_class, Paginator, limit/offset parameters)"

RULE = Rule(
    code="BR061",
    symbol="unpaginated-list-endpoint",
    summary="A list endpoint returns every row of a table",
    default_on=False,
    precision="Off by default. One finding in 19 unseen projects, judged false (a small catalogue "
    "left unpaginated on purpose): too little evidence for a default-on rule. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round2-misc.md.",
    message="`{expr}` returns every row with no limit or page; " + _ADVICE,
    messages={
        # `pagination_class = None` on a DRF list view or viewset
        "disabled": "`{view}.pagination_class = None` turns pagination off for the whole list; " + _ADVICE,
    },
    what="Finds a DRF list view (a `ListAPIView`, `ListCreateAPIView`, `ModelViewSet` or "
    "`ReadOnlyModelViewSet` subclass) setting `pagination_class = None`, and a GET "
    "endpoint (`@api_view`/`@api_view()` or `@api_view([\"GET\"])`, a GET `@action`, a "
    "GET route such as FastAPI's `@router.get`) that returns every row of a query: "
    "`X.objects.all()` (also ordered, `values()`, `select_related()`...), `select(X)` "
    "executed and fetched with `.all()`/`.scalars().all()`, or `session.query(X).all()`.",
    why="An endpoint that returns the whole table is fast in development and a timeout "
    "in production: response size, memory and query time grow with every row added, "
    "and clients cannot ask for less.",
    bad="""
        from fastapi import APIRouter
        from sqlalchemy import select

        from .db import SessionDep
        from .tables import Product

        router = APIRouter()


        @router.get("/products")
        def list_products(session: SessionDep):
            return session.execute(select(Product)).scalars().all()
        """,
    good="""
        from fastapi import APIRouter
        from sqlalchemy import select

        from .db import SessionDep
        from .tables import Product

        router = APIRouter()


        @router.get("/products")
        def list_products(session: SessionDep, offset: int = 0, limit: int = 50):
            return session.execute(select(Product).offset(offset).limit(limit)).scalars().all()
        """,
    notes="Only the whole table counts: a query narrowed by `filter`/`where` is a subset "
    "the rule cannot size and stays silent. Also silent when the handler slices, calls "
    "`.limit(`/`.offset(`, paginates (any name containing `paginat`), takes a page "
    "parameter (`page`, `page_size`, `per_page`, `limit`, `offset`, `skip`, `cursor`) or "
    "reads one by name, or when the query does not reach the returned value. "
    "Handlers that also accept POST, and plain functions in handler modules (whose "
    "method is unknown), are not GET endpoints for this rule.",
)


_LIST_VIEW_BASES = frozenset({"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet"})
_WHOLE_TABLE_METHODS = frozenset(
    {"all", "order_by", "select_related", "prefetch_related", "only", "defer", "distinct",
     "values", "values_list", "annotate", "using"}
)
_SQL_KEEPING = frozenset({"order_by", "options", "join", "outerjoin", "distinct", "group_by",
                          "execution_options", "select_from"})
_SIZE_ONLY = frozenset({"len", "bool", "sum", "max", "min", "any", "all"})
_PAGE_WORDS = frozenset({"page", "page_size", "per_page", "limit", "offset", "skip", "cursor",
                         "page_number", "size"})


@check(RULE, ast.Assign)
def pagination_disabled(node: ast.Assign, ctx: Context) -> None:
    """``pagination_class = None`` on a DRF list view or viewset."""
    frame = ctx.frame
    if frame.kind != "class" or not (isinstance(node.value, ast.Constant) and node.value.value is None):
        return
    if not any(isinstance(t, ast.Name) and t.id == "pagination_class" for t in node.targets):
        return
    cls = frame.class_frame or (ctx.classes[-1] if ctx.classes else None)
    if cls is None or not _LIST_VIEW_BASES.intersection(cls.base_names):
        return
    ctx.report(RULE, node, "disabled", view=cls.name)


class _ListFlow:
    """What a GET handler returns and whether it bounds its result."""

    __slots__ = ("returned", "bounded")

    def __init__(self, returned: Set[int], bounded: bool) -> None:
        self.returned = returned  # ids of nodes that flow into a return value
        self.bounded = bounded  # slices, limits, paginates or reads a page parameter


_LIST_FLOW: FactKey[_ListFlow] = FactKey("br061.flow")


def _list_flow(ctx: Context, frame: Frame) -> _ListFlow:
    bounded = bool(frame.params & _PAGE_WORDS)
    returns: List[ast.AST] = []
    for node in iter_nodes(frame.node, into_scopes=False):
        if isinstance(node, ast.Return) and node.value is not None:
            returns.append(node.value)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            bounded = True
        elif isinstance(node, ast.Attribute) and (node.attr in ("limit", "offset") or "paginat" in node.attr.lower()):
            bounded = True
        elif isinstance(node, ast.Name) and "paginat" in node.id.lower():
            bounded = True
        elif isinstance(node, ast.Constant) and node.value in _PAGE_WORDS:
            bounded = True
    table = ctx.bindings(frame)
    returned: Set[int] = set()
    seen: Set[str] = set()
    pending: List[ast.AST] = list(returns)
    while pending:
        sub = pending.pop()
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in _SIZE_ONLY:
            continue  # `len(rows)` returns a number, not the rows
        if isinstance(sub, SCOPE_TYPES):
            continue
        returned.add(id(sub))
        if isinstance(sub, ast.Name) and sub.id not in seen:
            seen.add(sub.id)
            pending.extend(value for _, value in table.get(sub.id, ()))
        pending.extend(ast.iter_child_nodes(sub))
    return _ListFlow(returned, bounded)


def _is_select_of_everything(ctx: Context, node: ast.AST) -> bool:
    """``select(X)`` (also ``.order_by(...)``/``.options(...)``), not narrowed by
    ``where``/``filter``/``limit``/``offset``; through one local."""
    for _ in range(8):
        if isinstance(node, ast.Name) and ctx.frame.kind != "module":
            if ctx.bindings().count_before(node.id, node) != 1:
                return False
            node = ctx.bindings().last_before(node.id, node)  # type: ignore[assignment]
            continue
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _SQL_KEEPING:
                return False
            node = func.value
            continue
        resolved = ctx.resolve(func) or ""
        return resolved in ("sqlalchemy.select", "sqlmodel.select", "sqlalchemy.future.select",
                            "sqlalchemy.sql.select")
    return False


def _sqlalchemy_every_row(ctx: Context, node: ast.Call) -> bool:
    """``session.execute(select(X)).scalars().all()``, ``session.scalars(select(X)).all()``,
    ``(await db.execute(select(X))).scalars().all()``, ``session.exec(select(X)).all()``,
    ``session.query(X).all()``."""
    receiver: ast.AST = node.func.value  # type: ignore[attr-defined]
    for _ in range(8):
        if isinstance(receiver, ast.Await):
            receiver = receiver.value
            continue
        if not (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)):
            return False
        method = receiver.func
        attr = method.attr
        if attr in ("scalars", "unique", "mappings") and not receiver.args:
            receiver = method.value
            continue
        owner = method.value
        if attr in ("execute", "scalars", "exec") and is_session_name(receiver_name(owner)) and receiver.args:
            return _is_select_of_everything(ctx, receiver.args[0])
        if attr in _SQL_KEEPING:
            receiver = owner
            continue
        if attr == "query" and is_session_name(receiver_name(owner)):
            return True
        return False
    return False


def _every_row_query(ctx: Context, node: ast.Call) -> bool:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in _WHOLE_TABLE_METHODS:
        return False
    if func.attr == "all" and not node.args and _sqlalchemy_every_row(ctx, node):
        return True
    info = ctx.outer_query(node)
    return (
        info is not None and info.kind == "manager" and "all" in info.methods
        and all(m in _WHOLE_TABLE_METHODS for m in info.methods)
    )


@check(RULE, ast.Call, callees=_WHOLE_TABLE_METHODS)
def unpaginated_list_endpoint(node: ast.Call, ctx: Context) -> None:
    """A GET endpoint (``@api_view``, ``@action``, a GET route) that returns every row of a
    table with no limit, slice or page parameter."""
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in _WHOLE_TABLE_METHODS:
        return
    frame = ctx.frame
    if frame.kind != "function":
        return
    info = handler_info(ctx, frame)
    if info.style not in ("route", "api_view", "action") or not info.get_only:
        return
    if not _every_row_query(ctx, node):
        return
    flow: _ListFlow = ctx.frame_fact(_LIST_FLOW, _list_flow, frame)
    if flow.bounded or id(node) not in flow.returned:
        return
    ctx.report(RULE, node, expr=short_source(node))
