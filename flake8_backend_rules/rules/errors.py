"""BR02x: error handling in broad exception handlers."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set

from ..astutil import call_name, dotted_name, iter_nodes, short_source
from ..context import Context, FactKey, Frame
from ..options import matches_dotted
from ..vocabulary import SCOPE_TYPES
from . import check


_BROAD = frozenset({"Exception", "BaseException"})


_SINK_SUFFIXES = ("Response", "response", "jsonify", "abort", "HTTPException", "APIException")


_FORMAT_TRACEBACK = frozenset({"traceback.format_exc", "traceback.format_exception"})


# -- what an except body does (BR020, BR021, BR022) --------------------------------------


_EXCEPTION_READERS = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "sys.exc_info", "sys.exception"}
)


class HandlerFacts:
    """What an ``except`` body does, computed once per broad handler."""

    __slots__ = ("raises", "logs", "uses_name", "log_calls")

    def __init__(self) -> None:
        self.raises = False
        self.logs = False
        self.uses_name = False
        self.log_calls: List[ast.Call] = []


_HANDLER_FACTS: FactKey[dict] = FactKey("br02.handler_facts")


def _new_dict(ctx: Context, frame: Frame) -> dict:
    return {}


def handler_facts(ctx: Context, handler: ast.ExceptHandler) -> HandlerFacts:
    """What an except body does: re-raises, logs, uses the bound name. Once per
    handler, shared by BR020/BR021/BR022."""
    cache: Dict[int, HandlerFacts] = ctx.frame_fact(_HANDLER_FACTS, _new_dict, ctx.module_frame)
    key = id(handler)
    facts = cache.get(key)
    if facts is not None:
        return facts
    facts = HandlerFacts()
    bound = handler.name
    reporters = ctx.options.error_reporters
    for stmt in handler.body:
        for node in iter_nodes(stmt, into_scopes=False):
            if isinstance(node, ast.Raise):
                facts.raises = True
            elif isinstance(node, ast.Name):
                if bound is not None and node.id == bound and isinstance(node.ctx, ast.Load):
                    facts.uses_name = True
            elif isinstance(node, ast.Call):
                if ctx.resolve(node.func) in _EXCEPTION_READERS:
                    facts.uses_name = True  # the active exception, without its name
                if is_logging_call(ctx, node) or (
                    reporters and matches_dotted(dotted_name(node.func), ctx.resolve(node.func), reporters)
                ):
                    facts.logs = True
                    facts.log_calls.append(node)
    cache[key] = facts
    return facts


def is_logging_call(ctx: Context, call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = func.value
        name: Optional[str] = None
        if isinstance(receiver, ast.Name):
            name = receiver.id
        elif isinstance(receiver, ast.Attribute):
            name = receiver.attr
        elif isinstance(receiver, ast.Call):
            # logging.getLogger(__name__).error(...)
            inner = dotted_name(receiver.func) or ""
            if inner.startswith("logging.") or inner.endswith("getLogger"):
                return True
        if name is not None:
            lowered = name.lower()
            if lowered in ("logger", "log", "logging") or lowered.endswith("logger"):
                return True
        if func.attr in ("capture_exception", "capture_message"):
            return True
    elif isinstance(func, ast.Name) and func.id in ("capture_exception", "capture_message"):
        return True
    resolved = ctx.resolve(func)
    return resolved in ("warnings.warn", "traceback.print_exc", "traceback.print_exception")


def is_broad_handler(handler: ast.ExceptHandler) -> bool:
    """`except:`, `except Exception`, `except BaseException`, or a tuple with one."""
    kind = handler.type
    if kind is None:
        return True
    candidates = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for candidate in candidates:
        if isinstance(candidate, ast.Name) and candidate.id in _BROAD:
            return True
        if isinstance(candidate, ast.Attribute) and candidate.attr in _BROAD:
            return True
    return False


def _handler_text(handler: ast.ExceptHandler) -> str:
    if handler.type is None:
        return "except:"
    return f"except {short_source(handler.type, 40)}"


@check("BR020", ast.ExceptHandler)
def swallowed_exception(node: ast.ExceptHandler, ctx: Context) -> None:
    """A broad handler that neither re-raises, logs nor uses the exception."""
    if not is_broad_handler(node):
        return
    facts = handler_facts(ctx, node)
    if facts.raises or facts.logs or facts.uses_name:
        return
    ctx.report("BR020", node, handler=_handler_text(node))


def _is_text_call(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Name) and node.func.id in ("str", "repr") and bool(node.args)


def _refers_to(node: ast.AST, name: str) -> bool:
    """`e`, `e.args`, `e.args[0]`, `str(e)`: text of the exception (not `type(e)`)."""
    while True:
        if isinstance(node, ast.Name):
            return node.id == name
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                return False  # e.__class__.__name__ is the type, not the text
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and _is_text_call(node):
            node = node.args[0]
        else:
            return False


def _is_leak(node: ast.AST, name: str, ctx: Context) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        if _is_text_call(node):
            return _refers_to(node.args[0], name)
        if isinstance(func, ast.Attribute) and func.attr == "format":
            values = list(node.args) + [kw.value for kw in node.keywords]
            return any(_refers_to(v, name) for v in values)
        return ctx.resolve(func) in _FORMAT_TRACEBACK
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.FormattedValue) and _refers_to(part.value, name)
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        right = node.right
        parts = right.elts if isinstance(right, ast.Tuple) else [right]
        return any(_refers_to(p, name) for p in parts) or (
            isinstance(right, ast.Dict) and any(_refers_to(v, name) for v in right.values)
        )
    if isinstance(node, ast.Attribute) and node.attr == "args":
        return isinstance(node.value, ast.Name) and node.value.id == name
    return False


def _leaks_in(expr: ast.AST, name: str, ctx: Context) -> List[ast.AST]:
    """Outermost leaking expressions in a subtree, in source order."""
    found: List[ast.AST] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if _is_leak(node, name, ctx):
            found.append(node)
            continue
        if isinstance(node, SCOPE_TYPES):
            continue
        children = list(ast.iter_child_nodes(node))
        children.reverse()
        stack.extend(children)
    return found


def _is_sink_call(node: ast.Call) -> bool:
    name = call_name(node)
    return bool(name) and name.endswith(_SINK_SUFFIXES)  # type: ignore[union-attr]


@check("BR021", ast.ExceptHandler)
def exception_leaked_to_client(node: ast.ExceptHandler, ctx: Context) -> None:
    """Exception text put into a return value, a response or an HTTP exception."""
    name = node.name
    if name is None or not is_broad_handler(node):
        return
    tainted: Dict[str, List[ast.AST]] = {}
    reported: Set[int] = set()

    def report(leaks: List[ast.AST]) -> None:
        for leak in leaks:
            if id(leak) not in reported:
                reported.add(id(leak))
                ctx.report("BR021", leak, expr=short_source(leak, 50))

    def sink(expr: Optional[ast.AST]) -> None:
        if expr is None:
            return
        report(_leaks_in(expr, name, ctx))
        for sub in iter_nodes(expr, into_scopes=False):
            if isinstance(sub, ast.Name) and sub.id in tainted:
                report(tainted[sub.id])

    for stmt in node.body:
        for sub in iter_nodes(stmt, into_scopes=False):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                leaks = _leaks_in(sub.value, name, ctx)
                if leaks:
                    tainted[sub.targets[0].id] = leaks
            elif isinstance(sub, ast.Return):
                sink(sub.value)
            elif isinstance(sub, ast.Call) and _is_sink_call(sub):
                for arg in sub.args:
                    sink(arg)
                for kw in sub.keywords:
                    sink(kw.value)


# Logging levels that record a message without the traceback unless `exc_info=` is given
# (`warn` is the deprecated alias of `warning`; `critical` the level above `error`).


_TRACEBACK_LOSING_LEVELS = frozenset({"error", "warning", "warn", "info", "critical"})
# Calls in a handler that keep the traceback one way or another.


_TRACEBACK_KEEPERS = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "traceback.print_exc",
     "traceback.print_exception", "sys.exc_info", "sys.exception"}
)


_KEEPING_LOG_METHODS = frozenset({"exception", "capture_exception"})


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
            if isinstance(node, ast.Call) and (ctx.resolve(node.func) in _TRACEBACK_KEEPERS or _is_task_retry(node)):
                return True
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


@check("BR022", ast.ExceptHandler)
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
    ctx.report("BR022", node, handler=_handler_text(node), call=short_source(losing[0].func, 40))
