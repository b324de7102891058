"""BR040 blocking-call-in-async: blocking I/O, or a sync ORM call that runs SQL, directly
inside ``async def``: the event loop, and every request it serves, waits for it."""
from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

from ...astutil import short_source
from ...context import Context, FactKey, Frame
from ...entrypoints import call_graph, callee_function, chain_through_helper, function_key, only_called_from
from ...queries import QUERYSET_RETURNING
from .. import Rule, check
from ._calls import DJANGO_MAIL_FUNCTIONS, FS_PROBES, http_library, imports_any, is_path_expression

_BLOCKS = (
    "blocks the event loop inside `async def`: `{expr}`; use the async API (httpx.AsyncClient, "
    "aget/acreate, async for, asyncio.sleep) or asyncio.to_thread / sync_to_async"
)

RULE = Rule(
    code="BR040",
    symbol="blocking-call-in-async",
    summary="A blocking call runs inside async def",
    precision="Off by default. Read blind on three projects its authors never read (round 4, after "
    "it learned to follow project helpers and to stay silent in startup hooks): 10 of 30 "
    "findings true. Chains ending at a pure Path() constructor behind a cached settings "
    "helper, a lone stat or a small local file, and I/O branches off by default were the "
    "false ones. Verdicts: docs/evaluation/2026-12-04-blind-round4-br040.md.",
    default_on=False,
    message="{call} " + _BLOCKS,
    messages={
        # a call on a sync HTTP session (`requests.Session()`, an `httpx.Client`)
        "session": "sync {library} session call " + _BLOCKS,
        "httpx_client": "sync httpx client call " + _BLOCKS,
        "path": "Path.{method}() " + _BLOCKS,
        "orm": "sync ORM .{method}() " + _BLOCKS,
        # list(qs), sorted(qs)...
        "wrapper": "sync ORM {wrapper}(queryset) " + _BLOCKS,
        # a plain `for` or comprehension over a queryset
        "iteration": "sync ORM iteration (use `async for`) " + _BLOCKS,
        # a call into a sync project helper that blocks further down
        "helper": "`{expr}` blocks the event loop inside `async def` through `{chain}`: run the "
        "helper with asyncio.to_thread / sync_to_async, or make it async",
    },
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
    "not checked: a blocking call there delays no other request. With the project "
    "model, a call from `async def` into a sync project helper that blocks further down "
    "(opens files, sleeps, calls `requests`, sends mail, runs a Django query: `get`, "
    "`first`, `count`, `exists`..., "
    "within four calls) is reported at the call, the chain in the message "
    "(`views.report -> exports.write_csv -> open`); a helper handed to "
    "`asyncio.to_thread`/`sync_to_async` or wrapped by a decorator (which may make it "
    "awaitable) is not. Startup hooks (`lifespan=`, `on_event(\"startup\")`, "
    "`add_event_handler`, `on_startup=`) and async functions only they call run before any "
    "request is served: silent there.",
)


_BLOCKING_CALLS = FS_PROBES | {
    "os.path.getmtime", "open", "io.open", "time.sleep", "urllib.request.urlopen", "subprocess.run",
    "subprocess.call", "subprocess.check_call", "subprocess.check_output", "smtplib.SMTP", "smtplib.SMTP_SSL",
}
_PATH_BLOCKING = frozenset({"exists", "is_file", "is_dir", "read_text", "read_bytes", "write_text"})
# Sync ORM calls that evaluate (run SQL) where they stand; their a* twins are awaitable.
_SYNC_EVALUATING = frozenset(
    "get first last count exists aggregate in_bulk latest earliest create get_or_create"
    " update_or_create update delete bulk_create bulk_update contains".split()
)
_EVALUATING_WRAPPERS = frozenset({"list", "tuple", "set", "sorted"})
_DJANGO_ROOTS = ("django", "asgiref", "channels", "ninja", "adrf")
_OTHER_ORMS = ("sqlalchemy", "sqlmodel", "tortoise", "peewee", "pony", "beanie", "odmantic", "motor")
_IMPORTS_DJANGO: FactKey[Tuple[int, bool]] = FactKey("br040.django")
_IMPORTS_OTHER_ORM: FactKey[Tuple[int, bool]] = FactKey("br040.other_orm")

# A finding's wording and its fields: (variant of RULE's message, fields)
Blocking = Tuple[Optional[str], Dict[str, str]]


def _in_async(ctx: Context) -> bool:
    """Directly inside ``async def`` (a nested plain def or lambda runs elsewhere)."""
    frame = ctx.frame
    return frame.kind == "function" and frame.is_async


def _is_command_line(ctx: Context) -> bool:
    """Scripts, management commands and entry points run one job on their event loop,
    and startup hooks run before any request: a blocking call there delays nobody else."""
    kind = ctx.kind
    if kind.scripts or kind.manage or "/management/commands/" in ctx.filename.replace("\\", "/"):
        return True
    frame = ctx.function_frame()
    return frame is not None and ctx.project is not None and ctx.frame_fact(_STARTUP, _is_startup, frame)


_STARTUP: FactKey[bool] = FactKey("br040.startup")
#: What a sync helper can do that blocks its async caller, in the order a finding names it.
#: Not "write": the model's writes include a SQLAlchemy ``session.add(x)`` (which runs no
#: SQL, and an ``AsyncSession``'s is sync by design) and any ``self.save()``.
_HELPER_EFFECTS = ("blocking", "http", "query", "mail")


def _is_startup(ctx: Context, frame: Frame) -> bool:
    """A startup hook (``lifespan=``, ``@app.on_event("startup")``...) or a function only
    startup hooks call."""
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    if graph is None or key is None:
        return False
    return graph.entry_point(*key) == "startup" or only_called_from(ctx, ("startup",), frame)


def _imports_django(ctx: Context) -> bool:
    """A Django module (imports django, asgiref, channels, ninja or adrf, and no other
    ORM): related-manager calls there are the ORM, not an SDK's ``client.items.create()``."""
    return imports_any(
        ctx, _IMPORTS_DJANGO, lambda t: t.split(".", 1)[0] in _DJANGO_ROOTS,
    ) and not imports_any(ctx, _IMPORTS_OTHER_ORM, lambda t: t.split(".", 1)[0] in _OTHER_ORMS)


def _blocking_call(ctx: Context, node: ast.Call) -> Optional[Blocking]:
    """What blocks in a call (the wording and its fields), or None."""
    func = node.func
    resolved = ctx.resolve(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
    if resolved in _BLOCKING_CALLS or resolved in DJANGO_MAIL_FUNCTIONS:
        return None, {"call": resolved or ""}
    library = http_library(ctx, node)
    if library in ("requests", "urllib") or (library == "httpx" and resolved is not None):
        if resolved:
            return None, {"call": resolved}
        return "session", {"library": library or ""}
    if library == "httpx":
        return "httpx_client", {}
    if isinstance(func, ast.Attribute) and func.attr in _PATH_BLOCKING and is_path_expression(ctx, func.value, node):
        return "path", {"method": func.attr}
    return None


def _sync_orm_evaluation(ctx: Context, node: ast.Call) -> Optional[Blocking]:
    """A sync Django ORM call that runs SQL where it stands (Django raises
    SynchronousOnlyOperation for it in async code)."""
    info = ctx.outer_query(node)
    if info is None or info.kind == "sqlalchemy":
        return None
    if info.methods[-1] not in _SYNC_EVALUATING:
        return None
    if info.kind != "manager" and not _imports_django(ctx):
        return None
    return "orm", {"method": info.methods[-1]}


def _is_queryset(ctx: Context, node: ast.AST) -> bool:
    """A lazy queryset expression, or a local bound to one."""
    if isinstance(node, ast.Call):
        info = ctx.outer_query(node)
        if info is None or info.kind == "sqlalchemy" or info.methods[-1] not in QUERYSET_RETURNING:
            return False
        return info.kind == "manager" or _imports_django(ctx)
    if isinstance(node, ast.Name):
        return ctx.is_query_local(node.id, node, querysets_only=True) and _imports_django(ctx)
    return False


@check(RULE, ast.Call)
def blocking_call_in_async(node: ast.Call, ctx: Context) -> None:
    """Blocking I/O or a sync ORM evaluation directly inside ``async def``."""
    if not _in_async(ctx) or _is_command_line(ctx):
        return
    found = _blocking_call(ctx, node) or _sync_orm_evaluation(ctx, node)
    if found is None:
        func = node.func
        if (
            isinstance(func, ast.Name) and func.id in _EVALUATING_WRAPPERS and len(node.args) == 1
            and ctx.resolve(func) == func.id and _is_queryset(ctx, node.args[0])
        ):
            found = "wrapper", {"wrapper": func.id}
    if found is not None:
        variant, fields = found
        ctx.report(RULE, node, variant, expr=short_source(node), **fields)


@check(RULE, ast.For)
def sync_iteration_in_async(node: ast.For, ctx: Context) -> None:
    """A plain ``for`` over a queryset inside ``async def`` evaluates it synchronously."""
    if _in_async(ctx) and not _is_command_line(ctx) and _is_queryset(ctx, node.iter):
        ctx.report(RULE, node.iter, "iteration", expr=short_source(node.iter))


@check(RULE, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
def sync_comprehension_in_async(node: ast.AST, ctx: Context) -> None:
    """A comprehension over a queryset (not ``async for``) inside ``async def``."""
    if not _in_async(ctx) or _is_command_line(ctx):
        return
    generators = getattr(node, "generators", ())
    if generators and not generators[0].is_async and _is_queryset(ctx, generators[0].iter):
        ctx.report(RULE, generators[0].iter, "iteration", expr=short_source(generators[0].iter))


@check(RULE, ast.Call)
def blocking_through_helper(node: ast.Call, ctx: Context) -> None:
    """A call from ``async def`` into a sync project helper that blocks further down."""
    if ctx.project is None or not _in_async(ctx) or _is_command_line(ctx):
        return
    helper = callee_function(ctx, node)
    if helper is None or helper.is_async:
        return
    from ...project.calls import PLAIN_DECORATORS

    if any(d.rsplit(".", 1)[-1] not in PLAIN_DECORATORS for d in helper.decorators):
        return  # `@sync_to_async`, `@run_in_threadpool`...: the decorator may make it awaitable
    for kind in _HELPER_EFFECTS:
        chain = chain_through_helper(ctx, node, kind)
        if chain is not None:
            ctx.report(RULE, node, "helper", expr=short_source(node), chain=chain)
            return
