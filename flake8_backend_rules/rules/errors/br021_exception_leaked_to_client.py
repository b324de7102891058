"""BR021 exception-leaked-to-client: a broad handler puts the exception's text into what
the client gets (a return value, a response, an HTTP exception)."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import call_name, iter_nodes, short_source
from ...context import Context
from ...entrypoints import call_graph, chain_text, function_key
from ...project.calls import REQUEST, Edge
from ...vocabulary import CLIENT_SINK_SUFFIXES, SCOPE_TYPES
from .. import Rule, check
from ._handlers import is_broad_handler

_FORMAT_TRACEBACK = frozenset({"traceback.format_exc", "traceback.format_exception"})

RULE = Rule(
    code="BR021",
    symbol="exception-leaked-to-client",
    summary="Exception text is sent to the client",
    default_on=False,
    precision="Off by default. Read blind on six unseen projects: 22 of 30 findings true (73%). The "
    "false ones were admin-only or operator diagnostics and validation messages about the "
    "client's own input. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br020-br021-br022.md.",
    message="exception text `{expr}` is sent to the client; log the exception and "
    "return a generic message",
    messages={
        "chain": "exception text `{expr}` is returned up to the handler `{top}`, which sends it to "
        "the client (`{chain}`); log the exception and return a generic message",
    },
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
    "deliberate validation message and stay silent; so does text that is only logged. "
    "With the project model, text a helper only *returns* is judged by its callers: "
    "reported (the chain in the message, `views.add -> services.add_item`) when a "
    "request handler gets it back, within four calls each returning the value (or "
    "putting it in a response), and silent when no handler does (the caller logs it, "
    "tests it, or is a task); a helper no project code calls is judged as it stands. "
    "Request handlers are found by registration (`urlpatterns`, routers, route "
    "decorators), the naming rules as a fallback. Text put into a response or an HTTP "
    "exception is reported wherever it is built.",
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


def _returned_to(ctx: Context) -> Optional[List[Tuple[str, str]]]:
    """Where the text a function returns goes, judged by its callers: None when the
    function is a handler (or an entry point) or the model cannot judge; ``[]`` when its
    callers keep it from the client; else the chain from the request handler that gets it
    back (``[itself]`` when no project code calls the function)."""
    frame = ctx.function_frame()
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    if graph is None or key is None or frame is None or ctx.is_request_handler(frame):
        return None
    if graph.entry_point(*key) is not None:
        return None  # registered or declared as an entry point: judged as it stands

    def passes_it_on(edge: Edge) -> bool:
        return edge.call.returned

    def handler(_key: Tuple[str, str], kind: str) -> bool:
        return kind == REQUEST

    return graph.caller_chain(key[0], key[1], passes_it_on, handler) or []


@check(RULE, ast.ExceptHandler)
def exception_leaked_to_client(node: ast.ExceptHandler, ctx: Context) -> None:
    """Exception text put into a return value, a response or an HTTP exception."""
    name = node.name
    if name is None or not is_broad_handler(node):
        return
    tainted: Dict[str, List[ast.AST]] = {}
    reported: Set[int] = set()
    judged: List[Optional[List[Tuple[str, str]]]] = []

    def report(leaks: List[ast.AST], returned_only: bool) -> None:
        chain: Optional[List[Tuple[str, str]]] = None
        if returned_only:
            if not judged:
                judged.append(_returned_to(ctx))
            chain = judged[0]
            if chain == []:
                return  # the helper's callers keep the text from the client
        for leak in leaks:
            if id(leak) in reported:
                continue
            reported.add(id(leak))
            if chain is not None and len(chain) > 1:
                ctx.report(RULE, leak, "chain", expr=short_source(leak, 50), top=chain_text(chain[:1]),
                           chain=chain_text(chain))
            else:
                ctx.report(RULE, leak, expr=short_source(leak, 50))

    def sink(expr: Optional[ast.AST], returned_only: bool = False) -> None:
        if expr is None:
            return
        report(_leaks_in(expr, name, ctx), returned_only)
        for sub in iter_nodes(expr, into_scopes=False):
            if isinstance(sub, ast.Name) and sub.id in tainted:
                report(tainted[sub.id], returned_only)

    returns: List[ast.Return] = []
    for stmt in node.body:
        for sub in iter_nodes(stmt, into_scopes=False):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                leaks = _leaks_in(sub.value, name, ctx)
                if leaks:
                    tainted[sub.targets[0].id] = leaks
            elif isinstance(sub, ast.Return):
                returns.append(sub)
            elif isinstance(sub, ast.Call) and _is_sink_call(sub):
                for arg in sub.args:
                    sink(arg)
                for kw in sub.keywords:
                    sink(kw.value)
    # text only returned (not put into a response here) last: its fate is the callers'
    for ret in returns:
        sink(ret.value, returned_only=True)
