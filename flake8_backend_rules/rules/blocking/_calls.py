"""The calls several blocking rules recognise: ``Path`` expressions and disk probes
(BR040, BR041), outbound HTTP requests and sync HTTP sessions (BR040, BR043), and Django's
mail functions (BR040, BR042)."""
from __future__ import annotations

import ast
from typing import Callable, Dict, Optional, Tuple

from ...astutil import iter_nodes
from ...context import Context, FactKey, Frame
from ...vocabulary import HTTP_CLIENT_VERBS

HTTPX_CALLS = HTTP_CLIENT_VERBS | {"stream"}
# Constructors of sync HTTP sessions whose methods are outbound calls.
_SESSION_FACTORIES: Dict[str, str] = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "httpx.Client": "httpx",
}
_HTTP_ROOTS = ("requests", "httpx", "urllib")
FS_PROBES = frozenset({
    "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.islink", "os.path.getsize",
    "os.stat",
})
_PATH_FACTORIES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
_PATH_DERIVING = frozenset({"resolve", "absolute", "joinpath", "with_name", "with_suffix", "expanduser"})
DJANGO_MAIL_FUNCTIONS = frozenset({
    "django.core.mail.send_mail", "django.core.mail.send_mass_mail",
    "django.core.mail.mail_admins", "django.core.mail.mail_managers",
})
# Following a path through locals and module constants: each step goes to an earlier
# binding, but module constants may name each other in a circle (`A = B`, `B = A`).
_MAX_STEPS = 1000

_CLASS_SESSIONS: FactKey[Dict[str, str]] = FactKey("br043.class_sessions")
_IMPORTS_HTTP_CLIENT: FactKey[Tuple[int, bool]] = FactKey("br043.http_module")


# -- paths -------------------------------------------------------------------------------
def is_path_expression(ctx: Context, node: ast.AST, at: ast.AST) -> bool:
    """``Path(...)``, ``Path(...) / "x"``, ``p.parent``, ``p.resolve()``, or a local
    assigned from one of them (before ``at``)."""
    for _ in range(_MAX_STEPS):
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


# -- imports -----------------------------------------------------------------------------
def imports_any(ctx: Context, key: FactKey[Tuple[int, bool]], wanted: Callable[[str], bool]) -> bool:
    """Whether an import of the module so far satisfies ``wanted``; function-level
    imports are added as the walk meets them, so the cache is keyed on their count."""
    facts = ctx.module_frame.facts
    count = len(ctx.imports)
    cached = facts.get(key)
    if cached is None or cached[0] != count:
        cached = (count, any(wanted(target) for target in ctx.imports.values()))
        facts[key] = cached
    return bool(cached[1])


# -- outbound HTTP -----------------------------------------------------------------------
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


def _session_library(ctx: Context, receiver: ast.AST, at: ast.AST) -> Optional[str]:
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
        sessions: Dict[str, str] = ctx.frame_fact(_CLASS_SESSIONS, _class_sessions, frame.parent)
        return sessions.get(receiver.attr)
    return None


def http_library(ctx: Context, node: ast.Call) -> Optional[str]:
    """"requests"/"httpx"/"urllib" when the call is an outbound HTTP request."""
    func = node.func
    if not isinstance(func, (ast.Attribute, ast.Name)):
        return None
    if not imports_any(ctx, _IMPORTS_HTTP_CLIENT, lambda t: t.split(".", 1)[0] in _HTTP_ROOTS):
        return None
    resolved = ctx.resolve(func)
    if resolved is not None:
        if resolved == "urllib.request.urlopen":
            return "urllib"
        head, _, last = resolved.rpartition(".")
        if head in ("requests", "requests.api") and last in HTTP_CLIENT_VERBS:
            return "requests"
        if head == "httpx" and last in HTTPX_CALLS:
            return "httpx"
    if isinstance(func, ast.Attribute) and func.attr in HTTPX_CALLS:
        library = _session_library(ctx, func.value, node)
        if library == "requests" and func.attr == "stream":
            return None
        return library
    return None
