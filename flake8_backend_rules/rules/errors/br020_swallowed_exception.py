"""BR020 swallowed-exception: a broad handler that neither re-raises, logs nor uses the
exception."""
from __future__ import annotations

import ast
from typing import List, Optional

from ...context import Context
from .. import Rule, check
from ._handlers import handler_facts, handler_text, is_broad_handler

RULE = Rule(
    code="BR020",
    symbol="swallowed-exception",
    summary="A broad exception handler swallows the failure",
    default_on=False,
    precision="Off by default. Read blind on twelve unseen projects: 4 of 30 findings true. A broad "
    "handler that says nothing is, in most real code, a fallback where the failure is the "
    "answer, the parsing of untrusted or scraped data, best-effort side work, or a "
    "failure recorded by a project helper. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br020-br021-br022.md.",
    message="`{handler}` swallows the exception: it neither re-raises, logs nor uses "
    "it; log it with logger.exception(...) or catch something narrower",
    what="Finds broad handlers (`except Exception`, `except BaseException`, bare "
    "`except:`, or a tuple containing one of those) whose body neither re-raises, nor "
    "logs (a call on `logger`, `log`, `logging`, a name ending in `logger`, "
    "`capture_exception`, `warnings.warn`, `traceback.print_exc`, or a configured "
    "error reporter), nor uses the bound exception.",
    why="A swallowed exception turns a failure into silence: the security notification "
    "that never went out was hidden by `except Exception: pass`.",
    bad="""
        def notify(user):
            try:
                send_security_alert(user)
            except Exception:
                pass
        """,
    good="""
        import logging

        logger = logging.getLogger(__name__)


        def notify(user):
            try:
                send_security_alert(user)
            except Exception:
                logger.exception("security alert failed for user %s", user.pk)
        """,
    options=("backend-error-reporters",),
    messages={
        "bare": "`except:` swallows the exception, and also SystemExit and KeyboardInterrupt: "
        "it neither re-raises, logs nor uses it; catch something narrower (or log it with "
        "logger.exception(...))",
    },
    equivalents=("BLE001", "S110", "B110", "S112", "B112"),
    notes="Silent where the failure is the answer or is harmless: a probe (a function named "
    "`is_*`, `has_*`, `can_*`, `should_*`, or annotated `-> bool`) whose handler returns a "
    "constant; best-effort cleanup (a `try` whose body only closes or removes something: "
    "`conn.close()`, `os.remove(path)`, `shutil.rmtree(tmp)`); a handler that assigns a "
    "fallback to the name the `try` assigns (`try: size = probe() except Exception: size = "
    "0`); and a handler whose body carries a comment saying why (`except Exception:` / "
    "`# the cache is optional` / `pass`).",
)


_PROBE_PREFIXES = ("is_", "has_", "can_", "should_", "supports_", "check_")
_CLEANUP_METHODS = frozenset({"close", "aclose", "unlink", "remove", "rmtree", "cleanup", "kill", "terminate",
                              "shutdown", "disconnect", "release", "rmdir", "delete_file"})
_TRY_TYPES = (ast.Try,) + tuple(t for t in (getattr(ast, "TryStar", None),) if t is not None)


def _is_probe(ctx: Context, handler: ast.ExceptHandler) -> bool:
    """A probe function whose handler's answer is a constant: the failure is the answer."""
    if not (len(handler.body) == 1 and isinstance(handler.body[0], ast.Return)):
        return False
    value = handler.body[0].value
    if value is not None and not isinstance(value, ast.Constant):
        return False
    frame = ctx.function_frame()
    node = frame.node if frame is not None else None
    name = getattr(node, "name", "").lstrip("_")
    returns = getattr(node, "returns", None)
    return name.startswith(_PROBE_PREFIXES) or (isinstance(returns, ast.Name) and returns.id == "bool")


def _enclosing_try(ctx: Context, handler: ast.ExceptHandler) -> Optional[ast.stmt]:
    """The `try` statement of ``handler`` (a look at the current scope's statements)."""
    frame = ctx.function_frame() or ctx.module_frame
    pending: List[ast.AST] = list(getattr(frame.node, "body", ()))
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, _TRY_TYPES) and handler in stmt.handlers:  # type: ignore[attr-defined]
            return stmt
        for field in ("body", "orelse", "finalbody"):
            pending.extend(s for s in getattr(stmt, field, ()) or () if isinstance(s, ast.stmt))
        for inner in getattr(stmt, "handlers", ()) or ():
            pending.extend(inner.body)
        pending.extend(case for case in getattr(stmt, "cases", ()) or ())
    return None


def _is_cleanup(body: List[ast.stmt]) -> bool:
    """A `try` body that only closes or removes things (`conn.close()`, `os.remove(p)`)."""
    for stmt in body:
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return False
        name = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
        if name not in _CLEANUP_METHODS:
            return False
    return bool(body)


def _assigns_fallback(try_body: List[ast.stmt], handler: ast.ExceptHandler) -> bool:
    """`try: x = f() except Exception: x = None`: the handler gives the target a fallback."""
    assigned = {t.id for s in try_body if isinstance(s, (ast.Assign, ast.AnnAssign))
                for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Name)}
    fallback = {t.id for s in handler.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)}
    return bool(assigned & fallback)


def _explained(ctx: Context, handler: ast.ExceptHandler) -> bool:
    """A comment in the handler's body says why the failure is ignored."""
    last = getattr(handler, "end_lineno", None) or handler.lineno
    for line in range(handler.lineno + 1, last + 1):
        comment = ctx.comment_on(line).lower()
        if comment and not comment.startswith(("noqa", "nosec", "pragma", "type:", "pylint:")):
            return True
    return False


@check(RULE, ast.ExceptHandler)
def swallowed_exception(node: ast.ExceptHandler, ctx: Context) -> None:
    """A broad handler that neither re-raises, logs nor uses the exception."""
    if not is_broad_handler(node):
        return
    facts = handler_facts(ctx, node)
    if facts.raises or facts.logs or facts.uses_name or _is_probe(ctx, node):
        return
    stmt = _enclosing_try(ctx, node)
    if stmt is not None and (_is_cleanup(stmt.body) or _assigns_fallback(stmt.body, node)):  # type: ignore[attr-defined]
        return
    if _explained(ctx, node):
        return
    ctx.report(RULE, node, "bare" if node.type is None else None, handler=handler_text(node))
