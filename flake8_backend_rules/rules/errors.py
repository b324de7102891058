"""BR02x: error handling in broad exception handlers."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set

from ..astutil import call_name, iter_nodes, short_source
from ..context import Context
from . import check

_BROAD = frozenset({"Exception", "BaseException"})
_SINK_SUFFIXES = ("Response", "response", "jsonify", "abort", "HTTPException", "APIException")
_FORMAT_TRACEBACK = frozenset({"traceback.format_exc", "traceback.format_exception"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


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
    facts = ctx.handler_facts(node)
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
        if isinstance(node, _SCOPES):
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
