"""BR04x: Blocking work in the request path. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR040",
        symbol="blocking-call-in-async",
        summary="A blocking call runs inside async def",
        message="{what} blocks the event loop inside `async def`: `{expr}`; use the async "
        "API (httpx.AsyncClient, aget/acreate, async for, asyncio.sleep) or "
        "asyncio.to_thread / sync_to_async",
        what="Finds, directly inside `async def` (not in a nested plain `def` or lambda): "
        "`time.sleep`, `requests.*` calls and calls on a `requests.Session()`, "
        "`urllib.request.urlopen`, sync `httpx` calls (`httpx.get(...)`, an `httpx.Client`), "
        "`open(...)`, `os.path.exists/isfile/isdir/islink/getsize/getmtime`, `os.stat`, "
        "`Path(...).exists()/is_file()/is_dir()/read_text()/read_bytes()/write_text()` (also on a "
        "local assigned from `Path(...)`), `subprocess.run/call/check_call/check_output`, "
        "`smtplib.SMTP(...)`, Django's `send_mail` family, and sync Django ORM calls that "
        "evaluate a query: `.get()`, `.first()`, `.count()`, `.exists()`, `.create()`, ... "
        "on a manager or related manager, `list(qs)`, and a plain `for` (or comprehension) "
        "over a queryset.",
        why="An `async def` shares one thread with every other request of the worker: a "
        "blocking call stops all of them for its duration (the async product list that "
        "checked a file per product took 500 ms for 100 products, for everyone). Django "
        "raises `SynchronousOnlyOperation` for sync ORM calls in async code.",
        bad="""
            import os


            async def product_images(products):
                return [p for p in products if os.path.exists(p.image_path)]
            """,
        good="""
            import asyncio
            import os


            async def product_images(products):
                paths = [p.image_path for p in products]
                found = await asyncio.to_thread(lambda: {x for x in paths if os.path.exists(x)})
                return [p for p in products if p.image_path in found]
            """,
        notes="Silent for the async twins (`aget`, `acreate`, `acount`, `async for`), for "
        "building a queryset without evaluating it (`qs = X.objects.filter(...)`), and for "
        "callables handed un-called to `asyncio.to_thread`, `loop.run_in_executor` or "
        "`sync_to_async` (`await asyncio.to_thread(time.sleep, 1)`, "
        "`await sync_to_async(list)(qs)`), since only calls made in the `async def` itself "
        "count. Related-manager and queryset-local ORM calls are only considered in modules "
        "that import Django (or `channels`, `asgiref`, `ninja`, `adrf`) and no other ORM "
        "(SQLAlchemy, SQLModel, Tortoise...), so that `self.redis.exists()` or an SDK's "
        "`client.checkouts.create(...)` in a FastAPI service is not mistaken for the ORM; "
        "SQLAlchemy sessions are not checked (an `AsyncSession` call is awaited, a sync "
        "one is indistinguishable by shape). Inside `async def` this rule reports the disk "
        "probes BR041 would, once. Scripts (`*/scripts/*`), `manage.py` and management "
        "commands run one job on their event loop (`asyncio.run(main())` in a CLI) and are "
        "not checked: a blocking call there delays no other request.",
    ),
    Rule(
        code="BR041",
        symbol="filesystem-probe-in-loop",
        summary="A filesystem probe runs once per loop iteration in a request handler",
        message="`{expr}` probes the disk once per iteration in a request handler; check "
        "once (list the directory, cache the result) or store the fact with the row",
        what="Finds `os.path.exists/isfile/isdir/islink/getsize`, `os.stat` and "
        "`Path(...).exists()/is_file()/is_dir()/stat()` (also on `Path(...) / name` and on a "
        "local assigned from `Path(...)`) in a loop body inside a request handler (RULES.md: "
        "a route-decorated function, a view class's handler method, any function of a "
        "handler module).",
        why="Each probe is a system call and, on network storage, a round-trip: per row of a "
        "listing it grows with the page (100 products, 100 `stat` calls) and dominates the "
        "response time.",
        bad="""
            import os

            from rest_framework.decorators import api_view
            from rest_framework.response import Response


            @api_view(["GET"])
            def product_images(request):
                paths = request.query_params.getlist("path")
                return Response([p for p in paths if os.path.exists(p)])
            """,
        good="""
            import os

            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            MEDIA = "/srv/media"


            @api_view(["GET"])
            def product_images(request):
                present = set(os.listdir(MEDIA))
                paths = request.query_params.getlist("path")
                return Response([p for p in paths if p in present])
            """,
        notes="Only request handlers are checked: the same loop in a management command, a "
        "build script or a storage backend is not on the request path. Inside `async def` "
        "BR040 reports the probe instead (one finding per cause). Loops over a literal "
        "list or tuple are not loops. A loop over a search path (a loop variable or "
        "iterable named like `dir`, `folder`, `root`, `location`, `loader`: "
        "`for directory in template_dirs:`) looks for one file among a few configured "
        "places; it does not grow with the response's rows and is silent.",
        options=("backend-handler-modules",),
    ),
    Rule(
        code="BR042",
        symbol="sync-email-in-request",
        summary="Email is sent synchronously outside a task",
        message="`{expr}` sends email synchronously: the request waits for the mail server "
        "(and fails with it); queue it in a task (e.g. transaction.on_commit(lambda: "
        "send_welcome.delay(user.pk)))",
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
        "takes a `request` parameter or is routed (`def send_message(request):`).",
        options=("backend-task-decorators",),
    ),
    Rule(
        code="BR043",
        symbol="http-call-without-timeout",
        summary="An outbound HTTP call has no timeout",
        message="`{expr}`: {how}; a slow peer holds the worker for ever, pass timeout=(connect, read)",
        what="Finds `requests.get/post/put/patch/delete/head/options/request(...)`, the same "
        "methods on a `requests.Session()` created in the function (also "
        "`with requests.Session() as s:`) or assigned to `self.<attr>` in the same class, "
        "and `urllib.request.urlopen(...)`, with no `timeout=` or with `timeout=None`; "
        "and `httpx` calls, `httpx.Client(...)`/`AsyncClient(...)` and sync httpx client "
        "calls with an explicit `timeout=None`.",
        why="requests and urllib wait for ever by default: one peer that accepts the "
        "connection and never answers ties up a worker per request until the pool is "
        "exhausted and the whole service stops answering.",
        bad="""
            import requests


            def exchange_rate(currency):
                return requests.get(f"https://rates.example.com/{currency}").json()
            """,
        good="""
            import requests


            def exchange_rate(currency):
                return requests.get(f"https://rates.example.com/{currency}", timeout=(3.05, 10)).json()
            """,
        notes="A call passing `**kwargs` is silent (the timeout may be inside). httpx "
        "applies a 5-second default, so only an explicit `timeout=None` is reported there. "
        "A session reached any other way (a parameter, a module global) is not known to "
        "lack a timeout adapter and stays silent.",
    ),
)
