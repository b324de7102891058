"""BR022 traceback-dropped: a broad handler logs the failure without its traceback and
does not re-raise."""
from __future__ import annotations

import ast
from typing import List

from ...astutil import call_name, dotted_name, iter_nodes, short_source
from ...context import Context
from ...options import matches_dotted
from ...vocabulary import SCOPE_TYPES
from .. import Rule, check
from ._handlers import handler_facts, handler_text, is_broad_handler

# Logging levels that record a message without the traceback unless `exc_info=` is given
# (`warn` is the deprecated alias of `warning`; `critical` the level above `error`).
_TRACEBACK_LOSING_LEVELS = frozenset({"error", "warning", "warn", "info", "critical"})
# Calls in a handler that keep the traceback one way or another.
_TRACEBACK_KEEPERS = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "traceback.print_exc",
     "traceback.print_exception", "sys.exc_info", "sys.exception"}
)
_KEEPING_LOG_METHODS = frozenset({"exception", "capture_exception"})

RULE = Rule(
    code="BR022",
    symbol="traceback-dropped",
    summary="A broad handler logs the failure without its traceback",
    default_on=False,
    precision="Off by default. Read blind on eight unseen projects: 18 of 30 findings true (60%). A "
    "predicted failure whose message is the whole diagnosis, untrusted input and "
    "documented upstream failures need no traceback. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br020-br021-br022.md.",
    message="`{handler}` logs with `{call}(...)` without exc_info= and does not "
    "re-raise: the traceback is lost; use logger.exception(...) or pass exc_info=True",
    what="Finds broad handlers (`except Exception`, `except BaseException`, bare "
    "`except:`, or a tuple containing one of those) that log with `.error(...)`, "
    "`.warning(...)` or `.info(...)` (also `.warn(...)` and `.critical(...)`) on a "
    "logger, without `exc_info=`, and do not re-raise.",
    why="A broad handler catches failures nobody predicted; the message alone (`sync "
    "failed: 'NoneType' object has no attribute 'id'`) says that something broke but "
    "not where. Without the traceback the incident cannot be traced to a line, and "
    "the handler that made the failure survivable also made it undiagnosable.",
    bad="""
        import logging

        logger = logging.getLogger(__name__)


        def sync_inventory(client, sku):
            try:
                client.push(sku)
            except Exception as e:
                logger.error("inventory sync failed for %s: %s", sku, e)
        """,
    good="""
        import logging

        logger = logging.getLogger(__name__)


        def sync_inventory(client, sku):
            try:
                client.push(sku)
            except Exception:
                logger.exception("inventory sync failed for %s", sku)
        """,
    options=("backend-error-reporters",),
    notes="Silent when the handler re-raises (the traceback travels on; a Celery "
    "task's `self.retry(exc=exc)` raises too), or keeps the "
    "traceback some other way: `logger.exception(...)`, `exc_info=` on any log call "
    "(or `**kwargs`, which may carry it), Sentry's `capture_exception`, a configured "
    "`backend-error-reporters` callable, or the `traceback` module "
    "(`logger.error(traceback.format_exc())`). `.debug(...)` is not reported: debug "
    "output is opted into. Narrow handlers are not reported: the exception type is "
    "the diagnosis. A handler that logs nothing at all is BR020's business. A call of a "
    "helper of the same module (or a method of the same class) that itself records the "
    "traceback (`logger.exception`, `exc_info=`) keeps it too, one call deep.",
)


def _passes_exc_info(call: ast.Call) -> bool:
    """`exc_info=True`/`exc_info=e`/`**kwargs` (which may carry it); not `exc_info=False`."""
    for kw in call.keywords:
        if kw.arg is None:
            return True
        if kw.arg == "exc_info":
            value = kw.value
            return not (isinstance(value, ast.Constant) and value.value in (False, None, 0))
    return False


def _keeps_traceback(handler: ast.ExceptHandler, log_calls: List[ast.Call], ctx: Context) -> bool:
    """Some call in the handler records the traceback: `logger.exception(...)`, a log call
    with `exc_info=`, Sentry's `capture_exception`, a configured error reporter, or the
    traceback module (`logger.error(traceback.format_exc())`)."""
    reporters = ctx.options.error_reporters
    for call in log_calls:
        if call_name(call) in _KEEPING_LOG_METHODS or _passes_exc_info(call):
            return True
        if reporters and matches_dotted(dotted_name(call.func), ctx.resolve(call.func), reporters):
            return True
    for stmt in handler.body:
        for node in iter_nodes(stmt, into_scopes=False):
            if isinstance(node, ast.Call) and (ctx.resolve(node.func) in _TRACEBACK_KEEPERS or _is_task_retry(node)
                                               or _helper_keeps_traceback(node, ctx)):
                return True
    return False


def _helper_keeps_traceback(call: ast.Call, ctx: Context) -> bool:
    """A call of a function of this module (`report_failure(...)`) or a method of this
    class (`self.fail(...)`) that itself records the traceback: one call deep."""
    func = call.func
    body: List[ast.stmt] = []
    if isinstance(func, ast.Name) and func.id in ctx.module_defs:
        body = list(getattr(ctx.tree, "body", ()))
        name = func.id
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") \
            and ctx.classes:
        body = list(ctx.classes[-1].node.body)
        name = func.attr
    else:
        return False
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            for node in iter_nodes(stmt, into_scopes=False):
                if isinstance(node, ast.Call) and (
                    call_name(node) in _KEEPING_LOG_METHODS or _passes_exc_info(node)
                    or ctx.resolve(node.func) in _TRACEBACK_KEEPERS
                ):
                    return True
            return False
    return False


def _is_task_retry(call: ast.Call) -> bool:
    """`self.retry(exc=exc)` in a Celery task raises `Retry` itself (no `raise` needed)
    and Celery logs the exception it carries."""
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "retry" and isinstance(func.value, ast.Name) \
        and func.value.id in ("self", "task")


def _calls_in_this_scope(handler: ast.ExceptHandler, calls: List[ast.Call]) -> List[ast.Call]:
    """Leave out calls inside a function defined in the handler body: they run later,
    elsewhere (the handler facts walk such a def when it is a top-level statement)."""
    nested = [stmt for stmt in handler.body if isinstance(stmt, SCOPE_TYPES)]
    if not nested:
        return calls
    inner = {id(n) for stmt in nested for n in iter_nodes(stmt)}
    return [call for call in calls if id(call) not in inner]


@check(RULE, ast.ExceptHandler)
def traceback_dropped(node: ast.ExceptHandler, ctx: Context) -> None:
    """A broad handler that logs at error/warning/info level without `exc_info=` and does
    not re-raise: the log line says something failed but not where; the traceback is gone."""
    if not is_broad_handler(node):
        return
    facts = handler_facts(ctx, node)
    if facts.raises or not facts.log_calls:
        return
    log_calls = _calls_in_this_scope(node, facts.log_calls)
    losing = [
        call for call in log_calls
        if isinstance(call.func, ast.Attribute) and call.func.attr in _TRACEBACK_LOSING_LEVELS
        and ctx.resolve(call.func) != "warnings.warn"  # a warning, not a log record
    ]
    if not losing or _keeps_traceback(node, log_calls, ctx):
        return
    ctx.report(RULE, node, handler=handler_text(node), call=short_source(losing[0].func, 40))
