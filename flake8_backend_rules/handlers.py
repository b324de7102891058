"""Request handlers: the one definition of which functions serve a request, and which HTTP
methods they answer, computed once per function.

A function serves a request when the code says so (``Context.is_request_handler()`` asks
here): a route decorator whose first argument is a URL path, DRF's ``@api_view`` or
``@action``, Django's ``@require_*`` decorators, a handler method of a view class
(``get``, ``list``, ``perform_create``, ``get_queryset``... on a class whose base name
ends in ``View``, ``ViewSet``, ``APIView`` or ``Mixin``), or any function of a handler
module (the ``backend-handler-modules`` globs). ``@mock.patch(...)`` is no PATCH route and
``@admin.action`` no DRF action.

BR061 and BR062 also need *which* methods it answers: a GET-only handler must not write
(BR062) and a GET list endpoint should paginate (BR061). The answer comes from what the
code declares:

* a route decorator: ``@router.get(...)`` is GET, ``@app.post(...)`` POST,
  ``@app.route(..., methods=["GET", "POST"])`` the listed ones (Flask's and FastAPI's
  default for ``route``/``api_route`` without ``methods=`` is GET);
* DRF: ``@api_view`` / ``@api_view()`` is GET, ``@api_view(["GET", "POST"])`` the list,
  ``@action(...)`` GET unless ``methods=[...]`` says otherwise;
* Django: ``@require_GET``, ``@require_safe`` (GET and HEAD), ``@require_POST``,
  ``@require_http_methods([...])``;
* a view class's method: ``get``, ``head``, ``list``, ``retrieve`` answer GET (or HEAD),
  ``post``, ``create``, ... the others.

Anything else (a plain function in a handler module, ``get_queryset``) answers methods we
cannot know: ``methods`` is None and method-specific rules stay silent.
"""
from __future__ import annotations

import ast
from typing import FrozenSet, Optional

from .astutil import dotted_name, string_value
from .context import Context, FactKey, Frame
from .vocabulary import (
    ROUTE_DECORATORS, ROUTE_VERBS, SAFE_HTTP_METHODS, VIEW_BASE_SUFFIXES, VIEW_HANDLER_METHODS, VIEW_METHOD_VERBS,
)

_HANDLERS_INFO_KEY: FactKey[HandlerInfo] = FactKey("handlers.info")

SAFE_METHODS = SAFE_HTTP_METHODS
_REQUIRE_DECORATORS = {
    "require_GET": frozenset({"GET"}),
    "require_safe": frozenset({"GET", "HEAD"}),
    "require_POST": frozenset({"POST"}),
}


class HandlerInfo:
    """What a function declares about the requests it handles."""

    __slots__ = ("is_handler", "methods", "style", "path")

    def __init__(self, is_handler: bool, methods: Optional[FrozenSet[str]], style: str) -> None:
        self.is_handler = is_handler
        # the route decorator's literal URL path, if any ("/sso/callback")
        self.path: Optional[str] = None
        # the HTTP methods it answers (upper case); None when not declared
        self.methods = methods
        # "route" (router decorator), "api_view", "action", "require" (Django
        # decorator), "method" (view class method), "module" (handler module), ""
        self.style = style

    @property
    def safe_only(self) -> bool:
        """Answers GET/HEAD (OPTIONS) only: a handler that must not write."""
        return bool(self.methods) and self.methods <= SAFE_METHODS  # type: ignore[operator]

    @property
    def get_only(self) -> bool:
        return self.methods == frozenset({"GET"}) or self.methods == frozenset({"GET", "HEAD"})


def _literal_methods(node: Optional[ast.AST]) -> Optional[FrozenSet[str]]:
    """``["GET", "post"]`` -> {"GET", "POST"}; None when not a literal list of strings."""
    if not isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None
    out = set()
    for elt in node.elts:
        text = string_value(elt)
        if text is None:
            return None
        out.add(text.upper())
    return frozenset(out)


def _keyword(call: ast.AST, name: str) -> Optional[ast.AST]:
    if isinstance(call, ast.Call):
        for kw in call.keywords:
            if kw.arg == name:
                return kw.value
    return None


def _is_path_argument(deco: ast.AST) -> bool:
    """A route decorator's first argument is a URL path (``"/items"``, ``""``, a
    variable); a literal that is not a path (``"button-click"``) names something else."""
    if not isinstance(deco, ast.Call):
        return True
    first = deco.args[0] if deco.args else _keyword(deco, "path") or _keyword(deco, "rule")
    text = string_value(first) if first is not None else None
    return text is None or text == "" or text.startswith("/")


def _is_drf(ctx: Context, target: ast.AST) -> bool:
    """``api_view``/``action`` from rest_framework (a bare name imported from it, or a
    dotted name that resolves there)."""
    resolved = ctx.resolve(target) or ""
    return resolved.startswith("rest_framework")


def _decorator_methods(ctx: Context, deco: ast.AST) -> Optional[HandlerInfo]:
    """The methods one decorator declares, or None when it is not a handler decorator."""
    target = deco.func if isinstance(deco, ast.Call) else deco
    text = dotted_name(target) or ""
    if (ctx.resolve(target) or "").startswith(("unittest.", "mock.")):
        return None  # @mock.patch(...) is no PATCH route
    last = text.rsplit(".", 1)[-1]
    if isinstance(target, ast.Attribute) and last in ROUTE_DECORATORS:
        if not _is_path_argument(deco):
            return None  # Slack Bolt's `@app.options("action-id")`, `@mock.patch("x")`
    if isinstance(target, ast.Attribute) and last in ROUTE_VERBS:
        return HandlerInfo(True, frozenset({ROUTE_VERBS[last]}), "route")
    if isinstance(target, ast.Attribute) and last in ("route", "api_route"):
        declared = _literal_methods(_keyword(deco, "methods"))
        if declared is None and _keyword(deco, "methods") is not None:
            return HandlerInfo(True, None, "route")
        return HandlerInfo(True, declared or frozenset({"GET"}), "route")
    if isinstance(target, ast.Attribute) and last == "websocket":
        return HandlerInfo(True, None, "route")
    if last in ("api_view", "action") and not _is_drf(ctx, target):
        return None  # `@admin.action(...)`, Slack Bolt's `@app.action(...)`
    if last == "api_view":
        if not isinstance(deco, ast.Call):
            return HandlerInfo(True, frozenset({"GET"}), "api_view")
        given = deco.args[0] if deco.args else _keyword(deco, "http_method_names")
        if given is None:
            return HandlerInfo(True, frozenset({"GET"}), "api_view")
        return HandlerInfo(True, _literal_methods(given), "api_view")
    if last == "action":
        given = _keyword(deco, "methods")
        if given is None:
            return HandlerInfo(True, frozenset({"GET"}), "action")
        return HandlerInfo(True, _literal_methods(given), "action")
    if last in _REQUIRE_DECORATORS:
        return HandlerInfo(True, _REQUIRE_DECORATORS[last], "require")
    if last == "require_http_methods" and isinstance(deco, ast.Call):
        return HandlerInfo(True, _literal_methods(deco.args[0] if deco.args else None), "require")
    return None


def _compute(ctx: Context, frame: Frame) -> HandlerInfo:
    node = frame.node
    for deco in getattr(node, "decorator_list", ()):
        info = _decorator_methods(ctx, deco)
        if info is not None:
            if info.style == "route" and isinstance(deco, ast.Call) and deco.args:
                info.path = string_value(deco.args[0])
            return info
    cls = frame.class_frame
    name = getattr(node, "name", "")
    if (
        cls is not None
        and name in VIEW_HANDLER_METHODS
        and any(base.endswith(VIEW_BASE_SUFFIXES) for base in cls.base_names)
    ):
        verb = VIEW_METHOD_VERBS.get(name)
        return HandlerInfo(True, frozenset({verb}) if verb else None, "method")
    if ctx.kind.handler:
        return HandlerInfo(True, None, "module")
    return HandlerInfo(False, None, "")


def handler_info(ctx: Context, frame: Optional[Frame] = None) -> HandlerInfo:
    """The handler facts of ``frame`` (default: the innermost enclosing function),
    computed once per function and shared through ``ctx.frame_fact``."""
    frame = frame or ctx.function_frame()
    if frame is None or frame.kind != "function":
        return HandlerInfo(False, None, "")
    info: HandlerInfo = ctx.frame_fact(_HANDLERS_INFO_KEY, _compute, frame)
    return info
