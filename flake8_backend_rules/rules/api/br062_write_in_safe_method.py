"""BR062 write-in-safe-method: a handler that answers only GET/HEAD writes to the database;
browsers, caches, crawlers and link previews replay safe methods freely."""
from __future__ import annotations

import ast
from typing import Optional

from ...astutil import iter_nodes, short_source
from ...context import Context, FactKey, Frame
from ...entrypoints import chain_through_helper
from ...handlers import handler_info
from ...queries import CHAIN_METHODS, is_session_name, receiver_name
from ...vocabulary import looks_non_orm
from .. import Rule, check

RULE = Rule(
    code="BR062",
    symbol="write-in-safe-method",
    summary="A GET/HEAD handler writes to the database",
    default_on=False,
    precision="Off by default. Read blind on eight unseen projects: 5 of 29 findings true. "
    "Idempotent bookkeeping, lazily created caches and singletons, and GETs a protocol "
    "requires (OAuth or payment returns, e-mail confirmation links) were the false ones. "
    "Verdicts: docs/evaluation/2026-12-04-blind-round3-br030-br031-br033-br042-br062.md.",
    message="`{expr}` writes in a {methods} handler; safe methods are replayed by "
    "browsers, caches, crawlers and link previews: move the write to POST/PUT/PATCH/DELETE",
    messages={
        "chain": "`{expr}` writes through `{chain}` in a {methods} handler; safe methods are "
        "replayed by browsers, caches, crawlers and link previews: move the write to "
        "POST/PUT/PATCH/DELETE",
    },
    what="Finds writes (`.save()`, `.delete()`, `.objects.create/update/delete(...)` and "
    "other queryset writes, `session.add/delete/commit/merge(...)`) in a handler that "
    "answers only GET/HEAD: a route such as FastAPI's `@router.get`, a view class's "
    "`get`/`head` method, a viewset's `list`/`retrieve`, a GET `@action`, "
    "`@api_view([\"GET\"])` or `@api_view()`, `@require_GET`, `@require_safe`.",
    why="HTTP promises that GET has no side effects: prefetchers, crawlers, link "
    "previews and retrying proxies issue GETs freely, so a GET that writes changes data "
    "nobody asked to change (and CSRF protection does not cover it).",
    bad="""
        from django.views import View
        from django.http import JsonResponse

        from .models import Coupon


        class CouponView(View):
            def get(self, request, code):
                coupon = Coupon.objects.get(code=code)
                coupon.redeemed = True
                coupon.save()
                return JsonResponse({"redeemed": True})
        """,
    good="""
        from django.views import View
        from django.http import JsonResponse

        from .models import Coupon


        class CouponView(View):
            def get(self, request, code):
                coupon = Coupon.objects.get(code=code)
                return JsonResponse({"redeemed": coupon.redeemed})

            def post(self, request, code):
                coupon = Coupon.objects.get(code=code)
                coupon.redeemed = True
                coupon.save()
                return JsonResponse({"redeemed": True})
        """,
    notes="A handler that also accepts POST (`@api_view([\"GET\", \"POST\"])`, "
    "`@require_http_methods([\"GET\", \"POST\"])`, a route with `methods=[\"GET\", "
    "\"POST\"]`) is silent, as is a plain function in a handler module (its methods "
    "are unknown). `.save()`/`.delete()` with positional arguments, or on a session, "
    "cache, storage, file, image or workbook, is not a database write, nor is "
    "`form.save(commit=False)`; `get_or_create` is not reported (it reads in the common "
    "case). `@action`/`@api_view` count only when they come from rest_framework "
    "(`@admin.action` and Slack Bolt's `@app.action` are not HTTP handlers), and a route "
    "decorator whose first argument is a literal that is not a URL path "
    "(Slack Bolt's `@app.options(\"select-id\")`) is not a route. A bare "
    "`session.commit()` is reported only when the handler also changes an attribute of "
    "a loaded object (`item.views += 1`, flushed by the commit): alone it just ends the "
    "transaction (e.g. before a server-sent-events stream). Endpoints that a protocol "
    "makes GET are silent: a route path, function name or view class name containing `callback`, `oauth`, "
    "`authorize`, `sso`, `verify`, `confirm` or `activate` (OAuth/SSO redirects, email "
    "verification links). With the project model, a GET/HEAD handler that reaches a "
    "write through project helpers (within four calls: `views.ProfileView.get -> "
    "services.touch_last_seen -> a database write`) is reported at its call into the "
    "first helper, the chain in the message; the helpers' writes count as above (a "
    "row's `save()`/`delete()`, queryset writes, a session's `add`/`delete`/`merge`).",
)


_SESSION_WRITES = frozenset({"add", "add_all", "delete", "commit", "merge"})
_LOCAL_NOT_ROWS = frozenset({"self", "cls", "request", "response", "resp", "context", "ctx"})
# Endpoints a protocol makes GET: OAuth/SSO redirects land there, email links open them.
_LINK_DRIVEN_WORDS = ("callback", "oauth", "authorize", "sso", "verify", "confirm", "activate")
_ATTRIBUTE_STORES: FactKey[bool] = FactKey("br062.attribute_stores")


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


def _is_write(ctx: Context, node: ast.Call) -> bool:
    """Whether the call writes to the database."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    attr = func.attr
    receiver = func.value
    if (isinstance(receiver, ast.Attribute) and receiver.attr == "session"
            and receiver_name(receiver.value) == "request"):
        return False  # Django's session store, not the database session
    if attr in _SESSION_WRITES and is_session_name(receiver_name(receiver)):
        if attr == "commit" and not node.args:
            # a bare commit ends the transaction (releasing the connection before a
            # stream); it writes only what the function changed on loaded objects
            frame = ctx.function_frame()
            return frame is not None and ctx.frame_fact(_ATTRIBUTE_STORES, _attribute_stores, frame)
        return bool(node.args)
    if looks_non_orm((receiver_name(receiver) or "").lower()):
        return False
    if attr in ("save", "delete") and not node.args:
        # form.save(commit=False) builds the instance, writes nothing
        return not any(kw.arg == "commit" and isinstance(kw.value, ast.Constant) and kw.value.value is False
                       for kw in node.keywords)
    info = ctx.outer_query(node)
    return info is not None and info.is_write and info.methods[-1] not in ("get_or_create", "aget_or_create")


def _is_link_driven(frame: Frame, path: Optional[str]) -> bool:
    """An OAuth/SSO callback or an email verification link: GET by protocol, so the
    write cannot move to POST."""
    owner = frame.class_frame.name if frame.class_frame is not None else ""
    text = " ".join((path or "", getattr(frame.node, "name", ""), owner)).lower()
    return any(word in text for word in _LINK_DRIVEN_WORDS)


@check(RULE, ast.Call, callees=CHAIN_METHODS | {"save"} | _SESSION_WRITES)
def write_in_safe_method(node: ast.Call, ctx: Context) -> None:
    """A write in a handler that only answers GET/HEAD."""
    if not isinstance(node.func, ast.Attribute):
        return
    frame = ctx.frame
    if frame.kind != "function":
        return
    info = handler_info(ctx, frame)
    if not info.safe_only or _is_link_driven(frame, info.path):
        return
    if _is_write(ctx, node):
        ctx.report(RULE, node, expr=short_source(node), methods="/".join(sorted(info.methods or ())))


@check(RULE, ast.Call)
def write_through_helper_in_safe_method(node: ast.Call, ctx: Context) -> None:
    """A GET/HEAD handler whose call into a project helper ends in a write (project
    model): reported at the call, the chain in the message."""
    frame = ctx.frame
    if frame.kind != "function" or ctx.project is None:
        return
    info = handler_info(ctx, frame)
    if not info.safe_only or _is_link_driven(frame, info.path):
        return
    chain = chain_through_helper(ctx, node, "write")
    if chain is not None:
        ctx.report(RULE, node, "chain", expr=short_source(node), chain=chain,
                   methods="/".join(sorted(info.methods or ())))
