"""BR051 csrf-exempt: a view exempted from Django's CSRF protection."""
from __future__ import annotations

import ast

from ...astutil import call_name, short_source
from ...context import Context
from .. import Rule, check
from ._urls import URL_FUNCTION_NAMES, URL_FUNCTIONS

RULE = Rule(
    code="BR051",
    symbol="csrf-exempt",
    summary="A view is exempted from CSRF protection",
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
    "is not reported.",
)

_CSRF_EXEMPT = "django.views.decorators.csrf.csrf_exempt"


def _is_csrf_exempt(node: ast.AST, ctx: Context) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute)) and ctx.resolve(node) == _CSRF_EXEMPT


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
def csrf_exempt_decorator(node: ast.AST, ctx: Context) -> None:
    """`@csrf_exempt` on a view: the view accepts forged cross-site POSTs."""
    for deco in getattr(node, "decorator_list", ()):
        if _is_csrf_exempt(deco, ctx):
            ctx.report(RULE, deco, "decorator", decorator=short_source(deco, 40))


@check(RULE, ast.Call, callees={"method_decorator"} | URL_FUNCTION_NAMES)
def csrf_exempt_wrapper(node: ast.Call, ctx: Context) -> None:
    """`method_decorator(csrf_exempt, ...)`, and `csrf_exempt(view)` in a URL pattern."""
    func = node.func
    name = call_name(node)
    if name == "method_decorator":
        if node.args and _is_csrf_exempt(node.args[0], ctx):
            ctx.report(RULE, node, expr=short_source(node, 50))
    elif name in URL_FUNCTION_NAMES and ctx.resolve(func) in URL_FUNCTIONS:
        for arg in node.args[1:2]:
            if isinstance(arg, ast.Call) and _is_csrf_exempt(arg.func, ctx):
                ctx.report(RULE, arg, expr=short_source(arg, 50))
