"""What a broad ``except`` body does, worked out once per handler for BR020, BR021, BR022."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional

from ...astutil import dotted_name, iter_nodes, short_source
from ...context import Context, FactKey, Frame
from ...options import matches_dotted
from ...vocabulary import ERROR_TRACKER_CALLS

_BROAD = frozenset({"Exception", "BaseException"})
# Calls that read the exception being handled without naming it.
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


_HANDLER_FACTS: FactKey[Dict[int, HandlerFacts]] = FactKey("br02.handler_facts")


def _new_dict(ctx: Context, frame: Frame) -> Dict[int, HandlerFacts]:
    return {}


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


def handler_text(handler: ast.ExceptHandler) -> str:
    """`except:` or `except <type>`: how a message names the handler."""
    if handler.type is None:
        return "except:"
    return f"except {short_source(handler.type, 40)}"


def handler_facts(ctx: Context, handler: ast.ExceptHandler) -> HandlerFacts:
    """What an except body does: re-raises, logs, uses the bound name. Once per handler."""
    cache = ctx.frame_fact(_HANDLER_FACTS, _new_dict, ctx.module_frame)
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
    """A call on `logger`, `log`, `logging`, a name ending in `logger` (`self.logger`,
    `audit_logger`), `logging.getLogger(...)`, an error tracker's capture call, or
    `warnings.warn`/`traceback.print_exc`."""
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
        if func.attr in ERROR_TRACKER_CALLS:
            return True
    elif isinstance(func, ast.Name) and func.id in ERROR_TRACKER_CALLS:
        return True
    resolved = ctx.resolve(func)
    return resolved in ("warnings.warn", "traceback.print_exc", "traceback.print_exception")
