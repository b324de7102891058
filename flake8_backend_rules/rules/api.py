"""BR06x: API design.

Errors returned with HTTP 200 (BR060) defeat every client's error handling; a list
endpoint that returns every row (BR061) grows with the table; a GET that writes (BR062)
is replayed by caches, crawlers and prefetchers; raw request input fed to the ORM
(BR063) is mass assignment or filter injection.
"""
from __future__ import annotations

import ast
from typing import FrozenSet, List, Optional, Set, Tuple

from ..astutil import iter_nodes, short_source, string_value
from ..context import Context, FactKey, Frame
from ..handlers import handler_info
from ..queries import CHAIN_METHODS, is_session_name, receiver_name
from . import check
from ..vocabulary import SCOPE_TYPES, looks_non_orm

_BR060_ERROR_STATUSES_KEY: FactKey[bool] = FactKey("br060.error_statuses")
_BR060_STATUS_ASSIGNED_KEY: FactKey[FrozenSet[str]] = FactKey("br060.status_assigned")
_BR060_STATUS_VALUES_KEY: FactKey[Set[int]] = FactKey("br060.status_values")
_BR060_TUPLED_KEY: FactKey[Set[int]] = FactKey("br060.tupled")
_BR061_FLOW_KEY: FactKey[_ListFlow] = FactKey("br061.flow")
_BR062_ATTRIBUTE_STORES_KEY: FactKey[bool] = FactKey("br062.attribute_stores")
_BR063_GUARDED_KEY: FactKey[Set[int]] = FactKey("br063.guarded")

# -- BR060 -----------------------------------------------------------------------------
_RESPONSE_NAMES = frozenset(
    {"Response", "JsonResponse", "JSONResponse", "jsonify", "ORJSONResponse", "UJSONResponse"}
)
# Response classes whose second positional argument is the status.
_STATUS_SECOND = frozenset({"Response", "JSONResponse", "ORJSONResponse", "UJSONResponse"})
_ERROR_KEYS = frozenset({"error", "errors", "error_message"})
_FLAG_KEYS = frozenset({"success", "ok"})
_SUCCESS_STATUS_NAMES = frozenset(
    {"OK", "CREATED", "ACCEPTED", "NON_AUTHORITATIVE_INFORMATION", "NO_CONTENT", "RESET_CONTENT",
     "PARTIAL_CONTENT", "MULTI_STATUS", "ALREADY_REPORTED", "IM_USED"}
)


def error_key(node: ast.AST) -> Optional[str]:
    """The key that makes a dict literal an error payload (``"error": ...`` with a real
    value, ``"success": False``), or None; ``serializer.errors``/``form.errors`` is one
    too. ``{"error": None, "data": ...}`` is a success envelope."""
    if isinstance(node, ast.Attribute) and node.attr == "errors":
        return f"{short_source(node, 30)}"  # serializer.errors / form.errors
    if not isinstance(node, ast.Dict):
        return None
    for key, value in zip(node.keys, node.values):
        name = string_value(key) if key is not None else None
        if name is None:
            continue
        if name in _ERROR_KEYS:
            if isinstance(value, ast.Constant) and value.value in (None, False, "", 0):
                continue
            if isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.Set)) and not (
                getattr(value, "elts", None) or getattr(value, "keys", None)
            ):
                continue
            return name
        if name in _FLAG_KEYS and isinstance(value, ast.Constant) and value.value is False:
            return f"{name}: False"
    return None


def is_success_status(node: ast.AST) -> bool:
    """200 to 299, ``status.HTTP_2xx_...``, ``HTTPStatus.OK``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return 200 <= node.value < 300
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name.startswith("HTTP_2") or name in _SUCCESS_STATUS_NAMES


def _response_name(ctx: Context, func: ast.AST) -> Optional[str]:
    if isinstance(func, ast.Attribute):
        name = func.attr
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        return None
    if name not in _RESPONSE_NAMES:
        return None
    if ctx.resolve(func) is None and not (isinstance(func, ast.Name) and func.id in ctx.module_defs):
        return None
    return name


def _status_fact(ctx: Context, frame: Frame) -> FrozenSet[str]:
    """Names whose ``.status_code`` the scope assigns (``response.status_code = 400``);
    ``"*"`` for any other receiver (a FastAPI ``response: Response`` parameter)."""
    out: Set[str] = set()
    for node in iter_nodes(frame.node, into_scopes=False):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in ("status_code", "status"):
                    out.add(target.value.id if isinstance(target.value, ast.Name) else "*")
    return frozenset(out)


def _tupled_calls(ctx: Context, _frame: Frame) -> Set[int]:
    return set()


def _error_statuses(ctx: Context, frame: Frame) -> bool:
    """The scope returns some error payload with an explicit 4xx/5xx status."""
    for node in iter_nodes(frame.node, into_scopes=False):
        if not isinstance(node, ast.Call) or _response_name(ctx, node.func) is None:
            continue
        payload = node.args[0] if node.args else None
        status = None
        for kw in node.keywords:
            if kw.arg in ("data", "content"):
                payload = kw.value
            elif kw.arg in ("status", "status_code"):
                status = kw.value
        if payload is not None and error_key(payload) and status is not None and not is_success_status(status):
            return True
    return False


def _chooses_statuses(ctx: Context) -> bool:
    """A handler that answers other errors with 4xx/5xx and this one with an explicit
    2xx has made a protocol choice (a sync client that retries every non-2xx)."""
    frame = ctx.function_frame()
    return frame is not None and bool(ctx.frame_fact(_BR060_ERROR_STATUSES_KEY, _error_statuses, frame))


def _status_set_later(ctx: Context, node: ast.Call) -> bool:
    """``resp = JsonResponse({...}); resp.status_code = 400``."""
    frame = ctx.function_frame()
    if frame is None:
        return False
    names = ctx.frame_fact(_BR060_STATUS_ASSIGNED_KEY, _status_fact, frame)
    if not names:
        return False
    return id(node) in ctx.frame_fact(_BR060_STATUS_VALUES_KEY, _status_values, frame)


def _status_values(ctx: Context, frame: Frame) -> Set[int]:
    """The values bound to the locals whose `status_code` is set later, once per function."""
    table = ctx.bindings(frame)
    names = ctx.frame_fact(_BR060_STATUS_ASSIGNED_KEY, _status_fact, frame)
    return {id(value) for name in names for _, value in table.get(name, ())}


@check("BR060", ast.Return)
def note_status_tuples(node: ast.Return, ctx: Context) -> None:
    """``return jsonify({...}), 400`` carries its status in the tuple (Flask)."""
    value = node.value
    if isinstance(value, ast.Tuple) and len(value.elts) >= 2 and isinstance(value.elts[0], ast.Call):
        ctx.frame_fact(_BR060_TUPLED_KEY, _tupled_calls, ctx.module_frame).add(id(value.elts[0]))


@check("BR060", ast.Call, callees=_RESPONSE_NAMES)
def error_response_with_success_status(node: ast.Call, ctx: Context) -> None:
    """An error payload sent with a 2xx status (explicit or the default 200)."""
    name = _response_name(ctx, node.func)
    if name is None:
        return
    payload: Optional[ast.AST] = node.args[0] if node.args else None
    status: Optional[ast.AST] = node.args[1] if len(node.args) > 1 and name in _STATUS_SECOND else None
    for kw in node.keywords:
        if kw.arg in ("data", "content"):
            payload = kw.value
        elif kw.arg in ("status", "status_code"):
            status = kw.value
        elif kw.arg is None:
            return  # **kwargs may carry the status
    key = error_key(payload) if payload is not None else None
    if key is None or (status is not None and not is_success_status(status)):
        return
    if id(node) in ctx.frame_fact(_BR060_TUPLED_KEY, _tupled_calls, ctx.module_frame):
        return
    if status is not None and _chooses_statuses(ctx):
        return
    if status is None and _status_set_later(ctx, node):
        return
    shown = "200" if status is None else short_source(status, 40)
    ctx.report("BR060", node, expr=short_source(node), key=key, status=shown)


def _route_status(frame: Frame) -> Optional[ast.AST]:
    for deco in getattr(frame.node, "decorator_list", ()):
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if kw.arg == "status_code":
                    return kw.value
    return None


@check("BR060", ast.Return)
def route_returns_error_dict(node: ast.Return, ctx: Context) -> None:
    """A route-decorated function (FastAPI, Flask) returning an error dict literal: the
    framework serialises it with 200."""
    value = node.value
    key = error_key(value) if value is not None else None
    if key is None or value is None:
        return
    frame = ctx.frame
    if frame.kind != "function" or handler_info(ctx, frame).style != "route":
        return
    declared = _route_status(frame)
    if declared is not None and not is_success_status(declared):
        return
    if ctx.frame_fact(_BR060_STATUS_ASSIGNED_KEY, _status_fact, frame):
        return
    shown = "200" if declared is None else short_source(declared, 40)
    ctx.report("BR060", value, expr=short_source(value), key=key, status=shown)


# -- BR061 -----------------------------------------------------------------------------
_LIST_VIEW_BASES = frozenset({"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet"})
_WHOLE_TABLE_METHODS = frozenset(
    {"all", "order_by", "select_related", "prefetch_related", "only", "defer", "distinct",
     "values", "values_list", "annotate", "using"}
)
_SQL_NARROWING = frozenset({"where", "filter", "filter_by", "limit", "offset", "slice", "fetch",
                            "get", "first", "one", "scalar_one", "one_or_none"})
_SQL_KEEPING = frozenset({"order_by", "options", "join", "outerjoin", "distinct", "group_by",
                          "execution_options", "select_from"})
_SIZE_ONLY = frozenset({"len", "bool", "sum", "max", "min", "any", "all"})
_PAGE_WORDS = frozenset({"page", "page_size", "per_page", "limit", "offset", "skip", "cursor",
                         "page_number", "size"})


@check("BR061", ast.Assign)
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
    ctx.report("BR061", node, expr=f"{cls.name}.pagination_class = None",
               where="turns pagination off for the whole list")


class _ListFlow:
    """What a GET handler returns and whether it bounds its result."""

    __slots__ = ("returned", "bounded")

    def __init__(self, returned: Set[int], bounded: bool) -> None:
        self.returned = returned  # ids of nodes that flow into a return value
        self.bounded = bounded  # slices, limits, paginates or reads a page parameter


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


def _is_select_of_everything(ctx: Context, node: ast.AST, depth: int = 0) -> bool:
    """``select(X)`` (also ``.order_by(...)``/``.options(...)``), not narrowed by
    ``where``/``filter``/``limit``/``offset``; through one local."""
    while depth < 8:
        depth += 1
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


@check("BR061", ast.Call, callees=_WHOLE_TABLE_METHODS)
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
    flow: _ListFlow = ctx.frame_fact(_BR061_FLOW_KEY, _list_flow, frame)
    if flow.bounded or id(node) not in flow.returned:
        return
    ctx.report("BR061", node, expr=short_source(node), where="returns every row with no limit or page")


# -- BR062 -----------------------------------------------------------------------------
def _receiver_words(node: ast.AST) -> str:
    name = receiver_name(node) or ""
    return name.lower()


def _write_call(ctx: Context, node: ast.Call) -> Optional[str]:
    """What the call writes, or None."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    attr = func.attr
    receiver = func.value
    if (isinstance(receiver, ast.Attribute) and receiver.attr == "session"
            and receiver_name(receiver.value) == "request"):
        return None  # Django's session store, not the database session
    if attr in ("add", "add_all", "delete", "commit", "merge") and is_session_name(receiver_name(receiver)):
        if attr == "commit" and not node.args:
            # a bare commit ends the transaction (releasing the connection before a
            # stream); it writes only what the function changed on loaded objects
            frame = ctx.function_frame()
            changes = frame is not None and ctx.frame_fact(_BR062_ATTRIBUTE_STORES_KEY, _attribute_stores, frame)
            return "session.commit()" if changes else None
        return f"session.{attr}()" if node.args else None
    if looks_non_orm(_receiver_words(receiver)):
        return None
    if attr in ("save", "delete") and not node.args:
        if any(kw.arg == "commit" and isinstance(kw.value, ast.Constant) and kw.value.value is False
               for kw in node.keywords):
            return None  # form.save(commit=False) builds the instance, writes nothing
        return f".{attr}()"
    info = ctx.outer_query(node)
    if info is not None and info.is_write and info.methods[-1] not in ("get_or_create", "aget_or_create"):
        return f".{info.methods[-1]}()"
    return None


_LOCAL_NOT_ROWS = frozenset({"self", "cls", "request", "response", "resp", "context", "ctx"})
# Endpoints a protocol makes GET: OAuth/SSO redirects land there, email links open them.
_LINK_DRIVEN_WORDS = ("callback", "oauth", "authorize", "sso", "verify", "confirm", "activate")


def _attribute_stores(ctx: Context, frame: Frame) -> bool:
    """The function assigns an attribute of a local or parameter (``item.views += 1``):
    a change a session flush writes."""
    for node in iter_nodes(frame.node, into_scopes=False):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id not in _LOCAL_NOT_ROWS
                ):
                    return True
    return False


def _is_link_driven(frame: Frame, path: Optional[str]) -> bool:
    """An OAuth/SSO callback or an email verification link: GET by protocol, so the
    write cannot move to POST."""
    owner = frame.class_frame.name if frame.class_frame is not None else ""
    text = " ".join((path or "", getattr(frame.node, "name", ""), owner)).lower()
    return any(word in text for word in _LINK_DRIVEN_WORDS)


@check("BR062", ast.Call, callees=CHAIN_METHODS | {"save", "delete", "add", "add_all", "commit", "merge"})
def write_in_safe_method(node: ast.Call, ctx: Context) -> None:
    """A write in a handler that only answers GET/HEAD."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return
    frame = ctx.frame
    if frame.kind != "function":
        return
    info = handler_info(ctx, frame)
    if not info.safe_only or _is_link_driven(frame, info.path):
        return
    what = _write_call(ctx, node)
    if what is None:
        return
    methods = "/".join(sorted(info.methods or ()))
    ctx.report("BR062", node, expr=short_source(node), methods=methods)


# -- BR063 -----------------------------------------------------------------------------
_RAW_ATTRS = frozenset({"data", "POST", "GET", "query_params"})
_RAW_SEEN: FactKey[bool] = FactKey("br063.reads_request")
_ITEM_METHODS = frozenset({"get", "dict", "getlist", "copy"})
_LOOKUP_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404"})


def _is_request(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "request"
    return (
        isinstance(node, ast.Attribute) and node.attr == "request"
        and isinstance(node.value, ast.Name) and node.value.id == "self"
    )


def raw_request_input(ctx: Context, node: ast.AST, depth: int = 0) -> Optional[str]:
    """The text of raw request input the expression is (``request.GET``,
    ``request.data["x"]``, ``request.POST.get("x")``, ``self.request.query_params.dict()``,
    or a local assigned from one), else None."""
    start = node
    while depth < 8:
        depth += 1
        if isinstance(node, ast.Attribute):
            if node.attr in _RAW_ATTRS and _is_request(node.value):
                return short_source(start, 50)
            return None
        if isinstance(node, ast.Subscript):
            node = node.value
            continue
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _ITEM_METHODS:
                node = func.value
                continue
            return None
        if isinstance(node, ast.Name) and ctx.frame.kind != "module":
            value = ctx.bindings().last_before(node.id, node)
            if value is None:
                return None
            node = value
            continue
        return None
    return None


def _is_model_constructor(ctx: Context, func: ast.AST) -> bool:
    """``Product(...)`` where ``Product`` comes from a models module."""
    if not isinstance(func, (ast.Name, ast.Attribute)):
        return False
    resolved = ctx.resolve(func) or ""
    parts = resolved.split(".")
    return len(parts) >= 2 and "models" in parts[:-1] and parts[-1][:1].isupper()


_WRITE_SINKS = frozenset({"create", "get_or_create", "update_or_create", "update", "acreate",
                          "aget_or_create", "aupdate_or_create", "aupdate"})
_FIELD_NAME_METHODS = frozenset({"order_by", "values", "values_list", "only", "defer",
                                 "select_related", "prefetch_related", "distinct"})
_GUARD_EXCEPTIONS = frozenset({"ValueError", "ValidationError", "Exception", "TypeError", "BaseException"})


def is_typed_lookup(keyword: Optional[str]) -> bool:
    """``pk``, ``id``, ``product_id``, ``pk__in``, ``order__id``: a lookup whose value
    must parse (junk input raises ValueError there, a 500); a text lookup
    (``name__icontains``) takes any string."""
    if not keyword:
        return False
    parts = keyword.split("__")
    return any(part in ("pk", "id") or part.endswith("_id") for part in parts)


def _guarded_nodes(ctx: Context, frame: Frame) -> Set[int]:
    """Ids of the nodes inside a ``try`` whose handlers catch ValueError (or broader):
    a bad value there is answered, not a 500."""
    out: Set[int] = set()
    for node in iter_nodes(frame.node, into_scopes=False):
        if not isinstance(node, ast.Try):
            continue
        caught = False
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for kind in kinds:
                name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", None)
                if kind is None or name in _GUARD_EXCEPTIONS:
                    caught = True
        if caught:
            for stmt in node.body:
                out.update(id(n) for n in iter_nodes(stmt, into_scopes=False))
    return out


def _sink_values(ctx: Context, node: ast.Call) -> Tuple[List[Tuple[ast.AST, str]], bool]:
    """((argument value or keyword, the method receiving it), whether it writes them)
    for a query, a lookup shortcut or a model constructor."""
    func = node.func
    values: List[Tuple[ast.AST, str]] = []
    if isinstance(func, ast.Attribute):
        info = ctx.outer_query(node)
        if info is not None and info.kind != "sqlalchemy":
            for method, link in info.links:
                values.extend((arg, method) for arg in link.args)
                values.extend((kw, method) for kw in link.keywords)
            return values, any(m in _WRITE_SINKS for m in info.methods)
    if isinstance(func, (ast.Name, ast.Attribute)):
        resolved = ctx.resolve(func) or ""
        if resolved.rsplit(".", 1)[-1] in _LOOKUP_SHORTCUTS:
            values.extend((arg, "get") for arg in node.args[1:])
            values.extend((kw, "get") for kw in node.keywords)
        elif _is_model_constructor(ctx, func):
            values.extend((arg, "__init__") for arg in node.args)
            values.extend((kw, "__init__") for kw in node.keywords)
            return values, True
    return values, False


def _why_unvalidated(value: ast.AST, method: str, writes: bool) -> Optional[str]:
    """How a raw value hurts where it lands, or None where any string is fine."""
    if isinstance(value, ast.keyword):
        if value.arg is None:
            return "as ** keywords (mass assignment, filter injection)"
        if writes:
            return "as a field value, unvalidated"
        if is_typed_lookup(value.arg):
            return "as an unparsed lookup value (junk input is a 500)"
        return None  # a text lookup takes any string
    if method in _FIELD_NAME_METHODS:
        return "as a field name (any field, related ones included, can be sorted or read)"
    if method in ("in_bulk", "ain_bulk"):
        return "as an unparsed lookup value (junk input is a 500)"
    if writes:
        return "as a field value, unvalidated"
    return None


@check("BR063", ast.Attribute)
def note_raw_request_read(node: ast.Attribute, ctx: Context) -> None:
    """Remember that the scope reads raw request input: only such scopes are checked."""
    if node.attr in _RAW_ATTRS and _is_request(node.value):
        ctx.frame.facts[_RAW_SEEN] = True


@check("BR063", ast.Call, phase="leave")
def unvalidated_request_data(node: ast.Call, ctx: Context) -> None:
    """Raw request input handed to a query, a lookup shortcut or a model constructor:
    as ``**`` keywords (mass assignment, filter injection), as field values written
    (create/update/constructor), as field names (``order_by(request.GET["sort"])``), or
    as the value of a lookup that must parse (``pk``, ``id``, ``*_id``, ``pk__in``)
    outside a ``try`` that answers ValueError."""
    if not ctx.frame.facts.get(_RAW_SEEN):
        return  # checked after the call's subtree, so its own arguments count already
    func = node.func
    if not node.args and not node.keywords and not isinstance(func, ast.Attribute):
        return
    values, writes = _sink_values(ctx, node)
    guarded: Optional[Set[int]] = None
    for value, method in values:
        expr = value.value if isinstance(value, ast.keyword) else value
        if isinstance(expr, ast.Starred):
            expr = expr.value
        raw = raw_request_input(ctx, expr)
        if raw is None:
            continue
        how = _why_unvalidated(value, method, writes)
        if how is None:
            continue
        if how.startswith("as an unparsed"):
            frame = ctx.function_frame()
            if frame is not None:
                if guarded is None:
                    guarded = ctx.frame_fact(_BR063_GUARDED_KEY, _guarded_nodes, frame)
                if id(node) in guarded:
                    continue
        ctx.report("BR063", node, raw=raw, how=how, expr=short_source(node))
        return
