"""BR055 default-admin-url: the Django admin mounted at the guessable `admin/` prefix."""
from __future__ import annotations

import ast

from ...astutil import call_name, dotted_name, short_source, string_value
from ...context import Context
from .. import Rule, check
from ._urls import URL_FUNCTION_NAMES, URL_FUNCTIONS

RULE = Rule(
    code="BR055",
    symbol="default-admin-url",
    summary="The Django admin is mounted at the default admin/ URL",
    message="`{expr}` mounts the admin at the guessable `admin/`; move it to a "
    "non-default prefix",
    what="Finds `path(\"admin/\", admin.site.urls)` and `re_path`/`url` on "
    "`^admin/` (also `include(admin.site.urls)`).",
    why="Every scanner on the internet tries `/admin/` first: a default admin URL "
    "invites credential stuffing and advertises the framework.",
    bad="""
        from django.contrib import admin
        from django.urls import path

        urlpatterns = [path("admin/", admin.site.urls)]
        """,
    good="""
        from django.contrib import admin
        from django.urls import path

        urlpatterns = [path("ops-7f3a/", admin.site.urls)]
        """,
    default_on=False,
    notes="Off by default: moving the admin is obscurity, not protection, and many "
    "teams rely on MFA and network rules instead. Enable it with `--extend-select "
    "BR055`.",
)


def _is_admin_prefix(node: ast.AST) -> bool:
    text = string_value(node)
    if text is None:
        return False
    return text.lstrip("^") in ("admin/", "admin")


@check(RULE, ast.Call, callees=URL_FUNCTION_NAMES)
def default_admin_url(node: ast.Call, ctx: Context) -> None:
    """The admin mounted at the guessable `admin/` prefix."""
    if call_name(node) not in URL_FUNCTION_NAMES or len(node.args) < 2 or not _is_admin_prefix(node.args[0]):
        return
    if ctx.resolve(node.func) not in URL_FUNCTIONS:
        return
    target = node.args[1]
    if isinstance(target, ast.Call) and target.args:  # include(admin.site.urls)
        target = target.args[0]
    text = dotted_name(target) or ""
    if text.endswith("site.urls"):
        ctx.report(RULE, node, expr=short_source(node, 50))
