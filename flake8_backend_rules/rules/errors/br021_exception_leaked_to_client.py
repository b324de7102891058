"""BR021 exception-leaked-to-client: a broad handler puts the exception's text into what
the client gets (a return value, a response, an HTTP exception)."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set

from ...astutil import call_name, iter_nodes, short_source
from ...context import Context
from ...vocabulary import CLIENT_SINK_SUFFIXES, SCOPE_TYPES
from .. import Rule, check
from ._handlers import is_broad_handler

_FORMAT_TRACEBACK = frozenset({"traceback.format_exc", "traceback.format_exception"})

RULE = Rule(
    code="BR021",
    symbol="exception-leaked-to-client",
    summary="Exception text is sent to the client",
    message="exception text `{expr}` is sent to the client; log the exception and "
    "return a generic message",
    what="Finds broad handlers binding the exception (`except Exception as e`) that "
    "put its text (`str(e)`, `repr(e)`, `f\"...{e}\"`, `\"%s\" % e`, `.format(e)`, "
    "`e.args`, `traceback.format_exc()`) into a `return` value, into a call whose "
    "callee ends in `Response`/`response`/`jsonify`/`abort`, or into "
    "`HTTPException(...)`/`APIException(...)`.",
    why="Exception text leaks internals (SQL, file paths, hostnames, stack details) "
    "to whoever calls the API, and makes error messages part of the API by accident.",
    bad="""
        def add_item(cart, sku):
            try:
                cart.add(sku)
            except Exception as e:
                return False, f"Error adding item: {str(e)}"
        """,
    good="""
        import logging

        logger = logging.getLogger(__name__)


        def add_item(cart, sku):
            try:
                cart.add(sku)
            except Exception:
                logger.exception("adding %s to cart %s failed", sku, cart.pk)
                raise
        """,
    notes="Narrow handlers (`except ValueError as e: return str(e)`) are often a "
    "deliberate validation message and stay silent; so does text that is only logged.",
)


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
    return bool(name) and name.endswith(CLIENT_SINK_SUFFIXES)  # type: ignore[union-attr]


@check(RULE, ast.ExceptHandler)
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
                ctx.report(RULE, leak, expr=short_source(leak, 50))

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
