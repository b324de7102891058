"""BR060 error-response-with-success-status: an error payload (``{"error": ...}``,
``serializer.errors``, ``"success": False``) answered with HTTP 200 or another 2xx."""
from __future__ import annotations

import ast
from typing import FrozenSet, Optional, Set

from ...astutil import iter_nodes, short_source, string_value
from ...context import Context, FactKey, Frame
from ...handlers import handler_info
from .. import Rule, check

RULE = Rule(
    code="BR060",
    symbol="error-response-with-success-status",
    summary="An error payload is returned with a success status",
    default_on=False,
    precision="Off by default. Read blind: 7 of 14 findings true on five unseen projects. Most "
    "false ones are a project's own AJAX protocol, a 200 with success: false that its "
    "JavaScript reads instead of a redirect, which the code of the view alone cannot tell "
    "from an API error. Verdicts: docs/evaluation/2026-12-04-blind-stable-rules.md, "
    "2026-12-04-blind-round2-misc.md.",
    message="`{expr}` returns an error payload (`{key}`) with HTTP {status}; pass a 4xx/5xx "
    "status so clients, caches and monitoring see the failure",
    what="Finds DRF `Response({...})`, `JsonResponse({...})`, `JSONResponse({...})` "
    "(also `ORJSONResponse`, `UJSONResponse`) and `jsonify({...})` whose dict literal (the "
    "first argument, `data=` or `content=`) has an `error`, `errors` or `error_message` "
    "key, or `\"success\": False` / `\"ok\": False`, with no `status=`/`status_code=` or a "
    "2xx one; the same with `serializer.errors`/`form.errors` as the payload "
    "(`return Response(serializer.errors)` answers 200); and a route-decorated function "
    "(FastAPI, Flask) returning such a dict literal.",
    why="A 200 with `{\"error\": ...}` is a success to every HTTP client, retry policy, "
    "cache and dashboard: the failure is only visible to code that parses the body, and "
    "monitoring counts it as a good request.",
    bad="""
        from rest_framework.decorators import api_view
        from rest_framework.response import Response


        @api_view(["POST"])
        def redeem(request):
            if not request.user.is_authenticated:
                return Response({"error": "login required"})
            return Response({"redeemed": True})
        """,
    good="""
        from rest_framework import status
        from rest_framework.decorators import api_view
        from rest_framework.response import Response


        @api_view(["POST"])
        def redeem(request):
            if not request.user.is_authenticated:
                return Response({"error": "login required"}, status=status.HTTP_401_UNAUTHORIZED)
            return Response({"redeemed": True})
        """,
    notes="Silent when the status comes another way: `return jsonify({...}), 400` (Flask's "
    "tuple), `resp.status_code = 400` on the response local, a `response.status_code = ...` "
    "assignment in a FastAPI route, `status_code=4xx` in the route decorator, or `**kwargs`. "
    "An envelope whose error slot is empty (`{\"error\": None, \"data\": ...}`, "
    "`\"errors\": []`) is a success and silent. Functions that are not route handlers "
    "returning dicts are helpers and silent. An explicit 2xx status in a function that "
    "answers other error payloads with explicit 4xx/5xx statuses is a deliberate "
    "protocol choice (a sync client that retries every non-2xx answer, where a "
    "permanent refusal must stay 200) and is silent; the same explicit 2xx in a "
    "function with no error statuses is reported.",
)


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

_ERROR_STATUSES: FactKey[bool] = FactKey("br060.error_statuses")
_STATUS_ASSIGNED: FactKey[FrozenSet[str]] = FactKey("br060.status_assigned")
_STATUS_VALUES: FactKey[Set[int]] = FactKey("br060.status_values")
_TUPLED: FactKey[Set[int]] = FactKey("br060.tupled")


def _error_key(node: ast.AST) -> Optional[str]:
    """The key that makes a dict literal an error payload (``"error": ...`` with a real
    value, ``"success": False``), or None; ``serializer.errors``/``form.errors`` is one
    too. ``{"error": None, "data": ...}`` is a success envelope."""
    if isinstance(node, ast.Attribute) and node.attr == "errors":
        return short_source(node, 30)  # serializer.errors / form.errors
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


def _is_success_status(node: ast.AST) -> bool:
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


def _empty_set(ctx: Context, _frame: Frame) -> Set[int]:
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
        if payload is not None and _error_key(payload) and status is not None and not _is_success_status(status):
            return True
    return False


def _chooses_statuses(ctx: Context) -> bool:
    """A handler that answers other errors with 4xx/5xx and this one with an explicit
    2xx has made a protocol choice (a sync client that retries every non-2xx)."""
    frame = ctx.function_frame()
    return frame is not None and bool(ctx.frame_fact(_ERROR_STATUSES, _error_statuses, frame))


def _status_set_later(ctx: Context, node: ast.Call) -> bool:
    """``resp = JsonResponse({...}); resp.status_code = 400``."""
    frame = ctx.function_frame()
    if frame is None:
        return False
    names = ctx.frame_fact(_STATUS_ASSIGNED, _status_fact, frame)
    if not names:
        return False
    return id(node) in ctx.frame_fact(_STATUS_VALUES, _status_values, frame)


def _status_values(ctx: Context, frame: Frame) -> Set[int]:
    """The values bound to the locals whose `status_code` is set later, once per function."""
    table = ctx.bindings(frame)
    names = ctx.frame_fact(_STATUS_ASSIGNED, _status_fact, frame)
    return {id(value) for name in names for _, value in table.get(name, ())}


@check(RULE, ast.Return)
def note_status_tuples(node: ast.Return, ctx: Context) -> None:
    """``return jsonify({...}), 400`` carries its status in the tuple (Flask)."""
    value = node.value
    if isinstance(value, ast.Tuple) and len(value.elts) >= 2 and isinstance(value.elts[0], ast.Call):
        ctx.frame_fact(_TUPLED, _empty_set, ctx.module_frame).add(id(value.elts[0]))


@check(RULE, ast.Call, callees=_RESPONSE_NAMES)
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
    key = _error_key(payload) if payload is not None else None
    if key is None or (status is not None and not _is_success_status(status)):
        return
    if id(node) in ctx.frame_fact(_TUPLED, _empty_set, ctx.module_frame):
        return
    if status is not None and _chooses_statuses(ctx):
        return
    if status is None and _status_set_later(ctx, node):
        return
    shown = "200" if status is None else short_source(status, 40)
    ctx.report(RULE, node, expr=short_source(node), key=key, status=shown)


def _route_status(frame: Frame) -> Optional[ast.AST]:
    for deco in getattr(frame.node, "decorator_list", ()):
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if kw.arg == "status_code":
                    return kw.value
    return None


@check(RULE, ast.Return)
def route_returns_error_dict(node: ast.Return, ctx: Context) -> None:
    """A route-decorated function (FastAPI, Flask) returning an error dict literal: the
    framework serialises it with 200."""
    value = node.value
    key = _error_key(value) if value is not None else None
    if key is None or value is None:
        return
    frame = ctx.frame
    if frame.kind != "function" or handler_info(ctx, frame).style != "route":
        return
    declared = _route_status(frame)
    if declared is not None and not _is_success_status(declared):
        return
    if ctx.frame_fact(_STATUS_ASSIGNED, _status_fact, frame):
        return
    shown = "200" if declared is None else short_source(declared, 40)
    ctx.report(RULE, value, expr=short_source(value), key=key, status=shown)
