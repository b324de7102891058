"""BR04x: blocking work in the request path.

Blocking I/O inside ``async def`` stalls every request the event loop serves (BR040);
a disk probe per row of a handler's loop costs a round-trip each (BR041); SMTP in the
request makes the user wait for the mail server (BR042); an outbound HTTP call with no
timeout hangs the worker as long as the peer does (BR043).
"""
from __future__ import annotations

import ast
from typing import Callable, Dict, Optional, Tuple

from ..astutil import dotted_name, iter_nodes, short_source
from ..context import Context, FactKey, Frame, LoopFrame
from ..handlers import handler_info
from ..queries import QUERYSET_RETURNING
from . import check
from ..vocabulary import HTTP_CLIENT_VERBS

_BR043_CLASS_SESSIONS_KEY: FactKey[Dict[str, str]] = FactKey("br043.class_sessions")

_HTTPX_CALLS = HTTP_CLIENT_VERBS | {"stream"}
# Constructors of sync HTTP sessions whose methods are outbound calls.
_SESSION_FACTORIES: Dict[str, str] = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "httpx.Client": "httpx",
}
_FS_PROBES = frozenset({
    "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.islink", "os.path.getsize",
    "os.stat",
})
_FS_BLOCKING = _FS_PROBES | {"os.path.getmtime", "open", "io.open"}
_PATH_PROBES_IN_LOOP = frozenset({"exists", "is_file", "stat", "is_dir"})
_PATH_BLOCKING = frozenset({"exists", "is_file", "is_dir", "read_text", "read_bytes", "write_text"})
_PATH_FACTORIES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
_PATH_DERIVING = frozenset({"resolve", "absolute", "joinpath", "with_name", "with_suffix", "expanduser"})
_BLOCKING_CALLS = _FS_BLOCKING | {
    "time.sleep", "urllib.request.urlopen", "subprocess.run", "subprocess.call",
    "subprocess.check_call", "subprocess.check_output", "smtplib.SMTP", "smtplib.SMTP_SSL",
}
DJANGO_MAIL_FUNCTIONS = frozenset({
    "django.core.mail.send_mail", "django.core.mail.send_mass_mail",
    "django.core.mail.mail_admins", "django.core.mail.mail_managers",
})
_EMAIL_CLASSES = frozenset({"EmailMessage", "EmailMultiAlternatives"})
# Sync ORM calls that evaluate (run SQL) where they stand; their a* twins are awaitable.
_SYNC_EVALUATING = frozenset(
    "get first last count exists aggregate in_bulk latest earliest create get_or_create"
    " update_or_create update delete bulk_create bulk_update contains".split()
)
_EVALUATING_WRAPPERS = frozenset({"list", "tuple", "set", "sorted"})
_DJANGO_ROOTS = ("django", "asgiref", "channels", "ninja", "adrf")
_OTHER_ORMS = ("sqlalchemy", "sqlmodel", "tortoise", "peewee", "pony", "beanie", "odmantic", "motor")
_HTTP_ROOTS = ("requests", "httpx", "urllib")
# Following a path through locals and module constants: each step goes to an earlier
# binding, but module constants may name each other in a circle (`A = B`, `B = A`).
_MAX_STEPS = 1000


# -- shared shapes ---------------------------------------------------------------------
def is_path_expression(ctx: Context, node: ast.AST, at: ast.AST, depth: int = 0) -> bool:
    """``Path(...)``, ``Path(...) / "x"``, ``p.parent``, ``p.resolve()``, or a local
    assigned from one of them (before ``at``)."""
    while depth < _MAX_STEPS:
        depth += 1
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _PATH_DERIVING:
                node = func.value
                continue
            return ctx.resolve(func) in _PATH_FACTORIES
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            node = node.left
            continue
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            node = node.value
            continue
        if isinstance(node, ast.Name):
            value = _last_value(ctx, node.id, at)
            if value is None:
                return False
            node = at = value
            continue
        return False
    return False


def _last_value(ctx: Context, name: str, at: ast.AST) -> Optional[ast.AST]:
    """The value last assigned to ``name`` before ``at`` in the current function, else
    the module constant of that name (``MEDIA = Path(...)``)."""
    frame = ctx.frame
    if frame.kind != "module":
        value = ctx.bindings().last_before(name, at)
        if value is not None:
            return value
        if name in frame.params:
            return None
    return ctx.module_constant(name)


def _class_sessions(ctx: Context, frame: Frame) -> Dict[str, str]:
    """``self.<attr> = requests.Session()`` anywhere in a class: attr -> library."""
    out: Dict[str, str] = {}
    for node in iter_nodes(frame.node):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            kind = _SESSION_FACTORIES.get(ctx.resolve(node.value.func) or "")
            if kind is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    out[target.attr] = kind
    return out


def session_library(ctx: Context, receiver: ast.AST, at: ast.AST) -> Optional[str]:
    """"requests"/"httpx" when ``receiver`` is a sync HTTP session: created right there,
    held by a local assigned (or bound by ``with ... as``) in the function, or by a
    ``self.<attr>`` the same class assigns."""
    if isinstance(receiver, ast.Call):
        return _SESSION_FACTORIES.get(ctx.resolve(receiver.func) or "")
    if isinstance(receiver, ast.Name):
        if ctx.frame.kind == "module":
            return None
        value = ctx.bindings().last_before(receiver.id, at)
        if isinstance(value, ast.Call):
            return _SESSION_FACTORIES.get(ctx.resolve(value.func) or "")
        return None
    if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
        frame = ctx.function_frame()
        if frame is None or receiver.value.id != frame.self_name or frame.parent is None:
            return None
        if frame.parent.kind != "class":
            return None
        sessions: Dict[str, str] = ctx.frame_fact(_BR043_CLASS_SESSIONS_KEY, _class_sessions, frame.parent)
        return sessions.get(receiver.attr)
    return None


_HTTP_MODULE_KEY: FactKey[Tuple[int, bool]] = FactKey("br043.http_module")
_DJANGO_ORM_KEY: FactKey[Tuple[int, bool]] = FactKey("br040.django")
_OTHER_ORM_KEY: FactKey[Tuple[int, bool]] = FactKey("br040.other_orm")


def _imports_any(ctx: Context, key: FactKey[Tuple[int, bool]], wanted: Callable[[str], bool]) -> bool:
    """Whether an import of the module so far satisfies ``wanted``; function-level
    imports are added as the walk meets them, so the cache is keyed on their count."""
    facts = ctx.module_frame.facts
    count = len(ctx.imports)
    cached = facts.get(key)
    if cached is None or cached[0] != count:
        cached = (count, any(wanted(target) for target in ctx.imports.values()))
        facts[key] = cached
    return bool(cached[1])


def _imports_http_client(ctx: Context) -> bool:
    return _imports_any(ctx, _HTTP_MODULE_KEY, lambda t: t.split(".", 1)[0] in _HTTP_ROOTS)


def http_library(ctx: Context, node: ast.Call) -> Optional[str]:
    """"requests"/"httpx"/"urllib" when the call is an outbound HTTP request."""
    func = node.func
    if not isinstance(func, (ast.Attribute, ast.Name)) or not _imports_http_client(ctx):
        return None
    resolved = ctx.resolve(func)
    if resolved is not None:
        if resolved == "urllib.request.urlopen":
            return "urllib"
        head, _, last = resolved.rpartition(".")
        if head in ("requests", "requests.api") and last in HTTP_CLIENT_VERBS:
            return "requests"
        if head == "httpx" and last in _HTTPX_CALLS:
            return "httpx"
    if isinstance(func, ast.Attribute) and func.attr in _HTTPX_CALLS:
        library = session_library(ctx, func.value, node)
        if library == "requests" and func.attr == "stream":
            return None
        return library
    return None


def is_django_mail_send(ctx: Context, node: ast.Call) -> bool:
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


def _has_timeout(node: ast.Call) -> Optional[ast.AST]:
    for kw in node.keywords:
        if kw.arg == "timeout":
            return kw.value
    return None


def _passes_kwargs(node: ast.Call) -> bool:
    return any(kw.arg is None for kw in node.keywords)


def _is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# -- BR040 -----------------------------------------------------------------------------
def _in_async(ctx: Context) -> bool:
    """Directly inside ``async def`` (a nested plain def or lambda runs elsewhere)."""
    frame = ctx.frame
    return frame.kind == "function" and frame.is_async


def _is_command_line(ctx: Context) -> bool:
    """Scripts, management commands and entry points run one job on their event loop:
    a blocking call there delays nobody else."""
    kind = ctx.kind
    return kind.scripts or kind.manage or "/management/commands/" in ctx.filename.replace("\\", "/")


def _imports_django(ctx: Context) -> bool:
    """A Django module (imports django, asgiref, channels, ninja or adrf, and no other
    ORM): related-manager calls there are the ORM, not an SDK's ``client.items.create()``."""
    return _imports_any(
        ctx, _DJANGO_ORM_KEY, lambda t: t.split(".", 1)[0] in _DJANGO_ROOTS,
    ) and not _imports_any(ctx, _OTHER_ORM_KEY, lambda t: t.split(".", 1)[0] in _OTHER_ORMS)


def _blocking_call(ctx: Context, node: ast.Call) -> Optional[str]:
    """What blocks in a call: the resolved name, or a description; None if nothing."""
    func = node.func
    resolved = ctx.resolve(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
    if resolved in _BLOCKING_CALLS or resolved in DJANGO_MAIL_FUNCTIONS:
        return resolved
    library = http_library(ctx, node)
    if library in ("requests", "urllib") or (library == "httpx" and resolved is not None):
        return resolved or f"sync {library} session call"
    if library == "httpx":
        return "sync httpx client call"
    if isinstance(func, ast.Attribute) and func.attr in _PATH_BLOCKING and is_path_expression(ctx, func.value, node):
        return f"Path.{func.attr}()"
    return None


def _sync_orm_evaluation(ctx: Context, node: ast.Call) -> Optional[str]:
    """A sync Django ORM call that runs SQL where it stands (Django raises
    SynchronousOnlyOperation for it in async code)."""
    info = ctx.outer_query(node)
    if info is None or info.kind == "sqlalchemy":
        return None
    if info.methods[-1] not in _SYNC_EVALUATING:
        return None
    if info.kind != "manager" and not _imports_django(ctx):
        return None
    return f"sync ORM .{info.methods[-1]}()"


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


@check("BR040", ast.Call)
def blocking_call_in_async(node: ast.Call, ctx: Context) -> None:
    """Blocking I/O or a sync ORM evaluation directly inside ``async def``."""
    if not _in_async(ctx) or _is_command_line(ctx):
        return
    what = _blocking_call(ctx, node) or _sync_orm_evaluation(ctx, node)
    if what is None:
        func = node.func
        if (
            isinstance(func, ast.Name) and func.id in _EVALUATING_WRAPPERS and len(node.args) == 1
            and ctx.resolve(func) == func.id and _is_queryset(ctx, node.args[0])
        ):
            what = f"sync ORM {func.id}(queryset)"
    if what is not None:
        ctx.report("BR040", node, what=what, expr=short_source(node))


@check("BR040", ast.For)
def sync_iteration_in_async(node: ast.For, ctx: Context) -> None:
    """A plain ``for`` over a queryset inside ``async def`` evaluates it synchronously."""
    if _in_async(ctx) and not _is_command_line(ctx) and _is_queryset(ctx, node.iter):
        ctx.report("BR040", node.iter, what="sync ORM iteration (use `async for`)",
                   expr=short_source(node.iter))


@check("BR040", ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
def sync_comprehension_in_async(node: ast.AST, ctx: Context) -> None:
    if not _in_async(ctx) or _is_command_line(ctx):
        return
    generators = getattr(node, "generators", ())
    if generators and not generators[0].is_async and _is_queryset(ctx, generators[0].iter):
        ctx.report("BR040", generators[0].iter, what="sync ORM iteration (use `async for`)",
                   expr=short_source(generators[0].iter))


# -- BR041 -----------------------------------------------------------------------------
def _filesystem_probe(ctx: Context, node: ast.Call) -> Optional[str]:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _PATH_PROBES_IN_LOOP:
        if is_path_expression(ctx, func.value, node):
            return f"Path.{func.attr}()"
    if isinstance(func, (ast.Attribute, ast.Name)):
        resolved = ctx.resolve(func)
        if resolved in _FS_PROBES:
            return resolved
    return None


_SEARCH_PATH_WORDS = ("dir", "folder", "root", "location", "search_path", "loader")


def _is_search_path_loop(loop: LoopFrame) -> bool:
    """``for directory in template_dirs:``: a probe per configured search directory finds
    one file; it does not grow with the rows of a response."""
    names = list(loop.targets)
    iterable = loop.iterable
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.args:
        iterable = iterable.args[0]  # enumerate(dirs), reversed(dirs)
    if isinstance(iterable, (ast.Name, ast.Attribute)):
        names.append(iterable.id if isinstance(iterable, ast.Name) else iterable.attr)
    return any(word in name.lower() for name in names for word in _SEARCH_PATH_WORDS)


@check("BR041", ast.Call, callees=_PATH_PROBES_IN_LOOP | {n.rsplit(".", 1)[-1] for n in _FS_PROBES})
def filesystem_probe_in_loop(node: ast.Call, ctx: Context) -> None:
    """A disk probe per loop iteration in a request handler (in ``async def`` it is
    BR040's finding)."""
    frame = ctx.frame
    if not frame.loops or frame.kind != "function" or frame.is_async:
        return
    probe = _filesystem_probe(ctx, node)
    if probe is None or not handler_info(ctx, frame).is_handler or _is_search_path_loop(frame.loops[-1]):
        return
    ctx.report("BR041", node, probe=probe, expr=short_source(node))


# -- BR042 -----------------------------------------------------------------------------
def _outside_request_path(ctx: Context) -> bool:
    """Task contexts, management commands and migrations do not serve requests."""
    if ctx.kind.migration or ctx.kind.scripts or ctx.kind.manage or ctx.in_command():
        return True
    return ctx.in_task_context()


_MAIL_HELPER_WORDS = ("mail", "send", "notif", "message", "contact")


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


_MAIL_CALLEES = ("send", "send_mail", "send_mass_mail", "mail_admins", "mail_managers", "SMTP", "SMTP_SSL")


@check("BR042", ast.Call, callees=_MAIL_CALLEES)
def sync_email_in_request(node: ast.Call, ctx: Context) -> None:
    """Email sent synchronously where a request may be waiting for it."""
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr != "send" and func.attr not in ("send_mail", "send_mass_mail", "mail_admins",
                                                     "mail_managers", "SMTP", "SMTP_SSL"):
            return
    elif not isinstance(func, ast.Name):
        return
    if is_django_mail_send(ctx, node):
        what = dotted_name(func) or short_source(func)
    elif ctx.resolve(func) in ("smtplib.SMTP", "smtplib.SMTP_SSL"):
        what = ctx.resolve(func) or "smtplib.SMTP"
    else:
        return
    if _outside_request_path(ctx) or _is_mail_helper(ctx):
        return
    ctx.report("BR042", node, what=what, expr=short_source(node))


# -- BR043 -----------------------------------------------------------------------------
@check("BR043", ast.Call, callees=_HTTPX_CALLS | {"urlopen", "Client", "AsyncClient"})
def http_call_without_timeout(node: ast.Call, ctx: Context) -> None:
    """An outbound HTTP call that can wait forever: no timeout (requests, urllib), or an
    explicit ``timeout=None`` (httpx, whose default is finite)."""
    func = node.func
    if not isinstance(func, (ast.Attribute, ast.Name)) or _passes_kwargs(node):
        return
    name = func.attr if isinstance(func, ast.Attribute) else func.id
    if name not in _HTTPX_CALLS and name not in ("urlopen", "Client", "AsyncClient"):
        return
    timeout = _has_timeout(node)
    if timeout is not None and not _is_none(timeout):
        return
    if name in ("Client", "AsyncClient"):
        if _is_none(timeout) and ctx.resolve(func) in ("httpx.Client", "httpx.AsyncClient"):
            ctx.report("BR043", node, expr=short_source(node), how="`timeout=None` disables httpx's default")
        return
    library = http_library(ctx, node)
    if library is None:
        return
    if library == "httpx":
        if _is_none(timeout):
            ctx.report("BR043", node, expr=short_source(node), how="`timeout=None` disables httpx's default")
        return
    if library == "urllib" and timeout is None and len(node.args) >= 3:
        return  # urlopen(url, data, timeout)
    how = "`timeout=None` waits forever" if timeout is not None else "no `timeout=`"
    ctx.report("BR043", node, expr=short_source(node), how=how)
