"""BR042 sync-email-in-request: email sent where a request waits for it (Django's
``send_mail`` family, an ``EmailMessage(...).send()``, ``smtplib.SMTP``) instead of in a task."""
from __future__ import annotations

import ast
from typing import Optional

from ...astutil import short_source
from ...context import Context, Frame
from ...entrypoints import call_graph, chain_through_helper, function_key, helper_is_called
from ...handlers import handler_info
from .. import Rule, check
from ._calls import DJANGO_MAIL_FUNCTIONS

RULE = Rule(
    code="BR042",
    symbol="sync-email-in-request",
    summary="Email is sent synchronously outside a task",
    default_on=False,
    precision="Off by default. Read blind on seven unseen projects: 21 of 30 findings true (70%). "
    "Where sending the mail is the action the user asked for (a test mail, an invitation "
    "they wait for), the wait is the point. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br030-br031-br033-br042-br062.md.",
    message="`{expr}` sends email synchronously: the request waits for the mail server "
    "(and fails with it); queue it in a task (e.g. transaction.on_commit(lambda: "
    "send_welcome.delay(user.pk)))",
    messages={
        "chain": "`{expr}` sends email synchronously through `{chain}`: the request waits for the "
        "mail server (and fails with it); queue it in a task (e.g. transaction.on_commit(lambda: "
        "send_welcome.delay(user.pk)))",
    },
    what="Finds Django's `send_mail`, `send_mass_mail`, `mail_admins`, `mail_managers`, "
    "`.send()` on an `EmailMessage`/`EmailMultiAlternatives` built in the same "
    "function (directly or in a local), and `smtplib.SMTP(...)`, outside a task "
    "context (a function decorated with a configured task decorator, or a "
    "`tasks.py`/`jobs.py`/`workers.py` module or `tasks/` package).",
    why="SMTP is slow and fails: registration that waited for the mail server took "
    "seconds, and a mail outage turned into failed sign-ups. A task queue retries and "
    "keeps the request fast.",
    bad="""
        from django.core.mail import send_mail


        def register(user):
            user.save()
            send_mail("Welcome", "Hello!", "shop@example.com", [user.email])
        """,
    good="""
        from celery import shared_task
        from django.core.mail import send_mail
        from django.db import transaction


        @shared_task
        def send_welcome(email):
            send_mail("Welcome", "Hello!", "shop@example.com", [email])


        def register(user):
            user.save()
            transaction.on_commit(lambda: send_welcome.delay(user.email))
        """,
    notes="`.send()` on a parameter or an attribute is not known to be an email and "
    "stays silent, as does a `send_mail` that is not Django's (a local helper of that "
    "name). A `transaction.on_commit` callback that enqueues a task is silent; one that "
    "calls `send_mail` itself still runs in the request's thread and is reported. "
    "Management commands, scripts and migrations do not serve requests and are not "
    "checked. A function whose name says it sends mail (`email_user`, `send_receipt`, "
    "`Dispatcher.send_email_messages`: a name containing `mail`, `send`, `notif` or "
    "`message`) is a mail helper: whether it runs in a request or a task is its "
    "caller's choice, so it is silent (this also keeps Django's own `send_mail` "
    "implementation and `AdminEmailHandler` quiet), unless it is itself a view: it "
    "takes a `request` parameter or is routed (`def send_message(request):`). "
    "With the project model, a request handler that reaches a send through project "
    "helpers (within four calls) is reported at its call into the first helper, the "
    "chain in the message (`views.register -> services.send_welcome -> send_mail`); the "
    "send inside a helper that project code calls is then not reported again (nor in a "
    "helper called only from tasks or commands), and a helper no project code calls, "
    "or calls only in ways the model cannot follow (a middleware's `process_response`, "
    "a provider registry), is judged as it stands. Handlers are found by registration (`urlpatterns`, routers, "
    "route decorators), the naming rules as a fallback.",
    options=("backend-task-decorators",),
)


_EMAIL_CLASSES = frozenset({"EmailMessage", "EmailMultiAlternatives"})
_SMTP_CLASSES = ("smtplib.SMTP", "smtplib.SMTP_SSL")
_MAIL_CALLEES = ("send", "send_mail", "send_mass_mail", "mail_admins", "mail_managers", "SMTP", "SMTP_SSL")
_MAIL_HELPER_WORDS = ("mail", "send", "notif", "message", "contact")


def _is_django_mail_send(ctx: Context, node: ast.Call) -> bool:
    """Django's ``send_mail`` family, or ``.send()`` on an ``EmailMessage`` /
    ``EmailMultiAlternatives`` built in the same function (directly or in a local)."""
    func = node.func
    if ctx.resolve(func) in DJANGO_MAIL_FUNCTIONS:
        # a local of the same name (`send_mail = print`) shadows the import
        return not (isinstance(func, ast.Name) and ctx.frame.kind != "module" and func.id in ctx.bindings())
    if not (isinstance(func, ast.Attribute) and func.attr == "send"):
        return False
    receiver: ast.AST = func.value
    if isinstance(receiver, ast.Name) and ctx.frame.kind != "module":
        receiver = ctx.bindings().last_before(receiver.id, node) or receiver
    if not isinstance(receiver, ast.Call):
        return False
    resolved = ctx.resolve(receiver.func) or ""
    return resolved.startswith("django.") and resolved.rsplit(".", 1)[-1] in _EMAIL_CLASSES


def _outside_request_path(ctx: Context) -> bool:
    """Task contexts, management commands and migrations do not serve requests."""
    if ctx.kind.migration or ctx.kind.scripts or ctx.kind.manage or ctx.in_command():
        return True
    return ctx.in_task_context()


def _is_mail_helper(ctx: Context) -> bool:
    """``def email_user(...)``, ``def send_receipt(...)``, ``Dispatcher.send_email_messages``:
    a function whose job is sending mail is the mail API; whether it runs in a request
    or a task is its caller's choice, and the caller is where a reviewer would object."""
    frame: Optional[Frame] = ctx.frame
    while frame is not None and frame.kind in ("function", "lambda"):
        name = getattr(frame.node, "name", "").lower()
        if any(word in name for word in _MAIL_HELPER_WORDS):
            # ... unless it is itself a view: `def send_message(request)`, a routed function
            return not ("request" in frame.params or handler_info(ctx, frame).style not in ("", "module"))
        frame = frame.parent
    return False


@check(RULE, ast.Call, callees=_MAIL_CALLEES)
def sync_email_in_request(node: ast.Call, ctx: Context) -> None:
    """Email sent synchronously where a request may be waiting for it."""
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr not in _MAIL_CALLEES:
            return
    elif not isinstance(func, ast.Name):
        return
    if not (_is_django_mail_send(ctx, node) or ctx.resolve(func) in _SMTP_CLASSES):
        return
    if _outside_request_path(ctx) or _is_mail_helper(ctx):
        return
    frame = ctx.function_frame()
    if frame is not None and not _serves_requests(ctx, frame) and helper_is_called(ctx, frame):
        return  # a helper: reported at its callers' calls into it, where a handler makes one
    ctx.report(RULE, node, expr=short_source(node))


def _serves_requests(ctx: Context, frame: Frame) -> bool:
    """A request handler: registered or declared (project model), or by the naming rules."""
    if handler_info(ctx, frame).is_handler:
        return True
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    return graph is not None and key is not None and graph.entry_point(*key) == "request"


@check(RULE, ast.Call)
def sync_email_through_helper(node: ast.Call, ctx: Context) -> None:
    """A request handler whose call into a project helper ends in a synchronous send."""
    frame = ctx.frame
    if frame.kind != "function" or ctx.project is None or _outside_request_path(ctx):
        return
    if not _serves_requests(ctx, frame):
        return
    chain = chain_through_helper(ctx, node, "mail")
    if chain is not None:
        ctx.report(RULE, node, "chain", expr=short_source(node), chain=chain)
