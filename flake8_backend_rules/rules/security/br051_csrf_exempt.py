"""BR051 csrf-exempt: a view exempted from Django's CSRF protection."""
from __future__ import annotations

import ast

from typing import Dict, Optional, Set

from ...astutil import call_name, dotted_name, iter_nodes, short_source, string_value
from ...context import Context, FactKey, Frame
from .. import Rule, check
from ._urls import URL_FUNCTION_NAMES, URL_FUNCTIONS

RULE = Rule(
    code="BR051",
    symbol="csrf-exempt",
    summary="A view is exempted from CSRF protection",
    default_on=False,
    precision="Off by default. Read blind on eight unseen projects: 4 of 30 findings true. Most "
    "csrf_exempt views change nothing under the user's session (lookups, status polls), "
    "or authenticate their caller another way the rule does not see (a secret in the "
    "body, OIDC client secrets, an HMAC check in a decorator, an OAuth/SAML library). "
    "Verdicts: docs/evaluation/2026-12-04-blind-round3-br050-br053.md.",
    message="`{expr}` turns CSRF protection off for this view; authenticate the caller "
    "another way (a signature, a token header) and say so, or drop the exemption",
    messages={
        "decorator": "`@{decorator}` turns CSRF protection off for this view; authenticate "
        "the caller another way (a signature, a token header) and say so, or drop the "
        "exemption",
    },
    what="Finds `@csrf_exempt` on a function or class, `method_decorator(csrf_exempt, "
    "...)`, and `csrf_exempt(view)` as the view of a `path()`/`re_path()`/`url()` "
    "pattern.",
    why="Without CSRF protection any site the user visits can make their browser POST "
    "to the view with their cookies. Webhooks and token-authenticated APIs need the "
    "exemption, but each one must verify its caller some other way; the finding asks "
    "the reviewer to check that it does.",
    bad="""
        from django.views.decorators.csrf import csrf_exempt


        @csrf_exempt
        def update_profile(request):
            request.user.email = request.POST["email"]
            request.user.save()
        """,
    good="""
        from django.views.decorators.http import require_POST


        @require_POST
        def update_profile(request):
            request.user.email = request.POST["email"]
            request.user.save()
        """,
    notes="The name must resolve to Django's `csrf_exempt` through the imports. "
    "`csrf_exempt(view)` elsewhere (a framework wrapping its own views, as DRF's "
    "`APIView.as_view()` does while enforcing CSRF in its session authentication) "
    "is not reported. Also silent when the exempted view (or, for a class, one of its "
    "methods) verifies its caller another way, as the code shows: a signature or HMAC "
    "check (`hmac.compare_digest`, `constant_time_compare`, a call such as "
    "`verify_signature(...)`), an OAuth `state` read from the request and compared with "
    "the session, or a secret token in the URL (a view parameter annotated `UUID`, or "
    "one looked up as a token, key, code or secret: `Check.objects.get(code=code)`).",
)

# Comparisons that verify a signature or a shared secret without leaking timing.
_DIGEST_COMPARES = frozenset({"compare_digest", "constant_time_compare"})
# What a lookup of a secret carried by the URL names (`get(code=code)`, `ping_key=...`).
_SECRET_LOOKUP_WORDS = ("token", "secret", "key", "code", "signature", "uuid")
_LOOKUPS = frozenset({"get", "aget", "filter", "get_object_or_404", "aget_object_or_404", "get_list_or_404"})
_DECORATED: FactKey[Dict[int, ast.AST]] = FactKey("br051.decorated")

_CSRF_EXEMPT = "django.views.decorators.csrf.csrf_exempt"


def _is_csrf_exempt(node: ast.AST, ctx: Context) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute)) and ctx.resolve(node) == _CSRF_EXEMPT


def _decorated_nodes(ctx: Context, frame: Frame) -> Dict[int, ast.AST]:
    """id of a decorator expression -> the function or class it decorates, module-wide."""
    found: Dict[int, ast.AST] = {}
    for node in iter_nodes(ctx.tree):
        for deco in getattr(node, "decorator_list", ()) or ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[id(deco)] = node
    return found


def verifies_caller(view: Optional[ast.AST]) -> bool:
    """Does the view check who is calling another way than a cookie: a signature or
    digest comparison, an OAuth `state` matched against the session, or a secret token
    carried by its URL?"""
    if view is None:
        return False
    functions = [n for n in iter_nodes(view) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for function in functions:
        args = function.args
        params = {arg.arg: arg for arg in args.posonlyargs + args.args + args.kwonlyargs}
        for arg in params.values():
            annotation = dotted_name(arg.annotation) if arg.annotation is not None else None
            if annotation is not None and annotation.rsplit(".", 1)[-1] == "UUID":
                return True  # `<uuid:code>` in the URL: a secret only its owner knows
        if _looks_up_secret_parameter(function, set(params)):
            return True
    reads_state = reads_session = False
    for node in iter_nodes(view):
        if isinstance(node, ast.Call):
            name = call_name(node) or ""
            if name in _DIGEST_COMPARES or "signature" in name.lower() or (
                    dotted_name(node.func) or "").startswith("hmac."):
                return True
            if name == "get" and node.args and string_value(node.args[0]) == "state":
                reads_state = True
        elif isinstance(node, ast.Subscript) and string_value(node.slice) == "state":
            reads_state = True
        elif isinstance(node, ast.Attribute) and node.attr == "session":
            reads_session = True
    return reads_state and reads_session


def _looks_up_secret_parameter(function: ast.AST, params: Set[str]) -> bool:
    """`Check.objects.get(code=code)`, `get_object_or_404(Check, project__ping_key=key)`:
    a row found by a secret the URL carries, passed to the view as a parameter."""
    for node in iter_nodes(function, into_scopes=False):
        if not isinstance(node, ast.Call) or call_name(node) not in _LOOKUPS:
            continue
        for kw in node.keywords:
            field = (kw.arg or "").rsplit("__", 1)[-1].lower()
            if isinstance(kw.value, ast.Name) and kw.value.id in params and any(
                    word in field for word in _SECRET_LOOKUP_WORDS):
                return True
    return False


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
def csrf_exempt_decorator(node: ast.AST, ctx: Context) -> None:
    """`@csrf_exempt` on a view: the view accepts forged cross-site POSTs."""
    for deco in getattr(node, "decorator_list", ()):
        if _is_csrf_exempt(deco, ctx) and not verifies_caller(node):
            ctx.report(RULE, deco, "decorator", decorator=short_source(deco, 40))


@check(RULE, ast.Call, callees={"method_decorator"} | URL_FUNCTION_NAMES)
def csrf_exempt_wrapper(node: ast.Call, ctx: Context) -> None:
    """`method_decorator(csrf_exempt, ...)`, and `csrf_exempt(view)` in a URL pattern."""
    func = node.func
    name = call_name(node)
    if name == "method_decorator":
        if node.args and _is_csrf_exempt(node.args[0], ctx):
            decorated = ctx.frame_fact(_DECORATED, _decorated_nodes, ctx.module_frame).get(id(node))
            if not verifies_caller(decorated):
                ctx.report(RULE, node, expr=short_source(node, 50))
    elif name in URL_FUNCTION_NAMES and ctx.resolve(func) in URL_FUNCTIONS:
        for arg in node.args[1:2]:
            if isinstance(arg, ast.Call) and _is_csrf_exempt(arg.func, ctx):
                ctx.report(RULE, arg, expr=short_source(arg, 50))
