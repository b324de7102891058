"""The file's functions in the project model's call graph: which one a frame is, how the
project starts it, and how a chain of calls reads in a message.

Rules that judge a helper by its callers (BR033, BR021) or a handler by what its helpers
do ask here; the answers come from :mod:`project.calls`. Without a project model (a file
outside any project, a project too large) every function answers None and the rules keep
their single-file judgement.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from .context import Context, FactKey, Frame

if TYPE_CHECKING:
    from .project.calls import CallGraph, Edge, Key
    from .project.summary import FunctionSummary

#: How a chain separates its calls.
ARROW = " -> "


def call_graph(ctx: Context) -> Optional["CallGraph"]:
    """The project's call graph, or None (no project model)."""
    project = ctx.project
    if project is None or ctx.project_module() is None:
        return None
    return project.calls(ctx.options)


def function_key(ctx: Context, frame: Optional[Frame] = None) -> Optional["Key"]:
    """(module, qualname) of the function ``frame`` is (default: the innermost function
    around the current node), as the project model names it: ``("shop.views",
    "OrderView.post")``. None for lambdas, nested functions and methods of nested classes
    (the model summarises module-level functions and methods of module-level classes),
    and without a project model."""
    frame = frame or ctx.function_frame()
    module = ctx.project_module()
    if frame is None or module is None or frame.kind != "function":
        return None
    name = getattr(frame.node, "name", None)
    if not name:
        return None
    parent = frame.parent
    if parent is None:
        return None
    if parent.kind == "module":
        return (module.module, name)
    if parent.kind == "class" and parent.parent is not None and parent.parent.kind == "module":
        cls = getattr(parent.node, "name", "")
        return (module.module, f"{cls}.{name}") if cls else None
    return None


def chain_text(keys: Sequence["Key"], leaf: Optional[str] = None) -> str:
    """``views.reserve -> services.lock_stock -> select_for_update()``."""
    from .project.calls import label

    parts: List[str] = [label(key) for key in keys]
    if leaf:
        parts.append(leaf)
    return ARROW.join(parts)


_HELPER_CALLS: FactKey[Dict[Tuple[int, int], "Edge"]] = FactKey("entrypoints.helper_calls")


def _helper_calls(ctx: Context, frame: Frame) -> Dict[Tuple[int, int], "Edge"]:
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    if graph is None or key is None:
        return {}
    return {(edge.call.line, edge.call.col): edge for edge in graph.callees(key)}


def _edge_of(ctx: Context, frame: Frame, node: ast.Call) -> Optional["Edge"]:
    """The model's call for ``node`` (by position; a call nested at the same position,
    ``Service()`` of ``Service().send()``, differs by its callee's name)."""
    edge = ctx.frame_fact(_HELPER_CALLS, _helper_calls, frame).get((node.lineno, node.col_offset))
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if edge is None or name is None or edge.call.text.rpartition(".")[2] != name:
        return None
    return edge


def chain_through_helper(ctx: Context, node: ast.Call, kind: str) -> Optional[str]:
    """``views.register -> services.send_welcome -> send_mail``: the shortest chain from
    the current function, through the project function ``node`` calls, to an effect of
    ``kind`` (``mail``, ``write``, ``blocking``...) within the model's bound; None when
    the call runs no project function or reaches no such effect."""
    frame = ctx.function_frame()
    if frame is None:
        return None
    edge = _edge_of(ctx, frame, node)
    graph = call_graph(ctx)
    if edge is None or graph is None:
        return None
    from .project.calls import MAX_DEPTH, label

    below = graph.effects_through(edge.callee[0], edge.callee[1], kind, MAX_DEPTH - 1)
    return ARROW.join([label(edge.caller)] + below) if below is not None else None


def helper_is_called(ctx: Context, frame: Optional[Frame] = None) -> Optional[bool]:
    """Does project code (tests aside) call the function, by calls the model resolves?
    A function called only through calls it cannot resolve (a framework's hook, a
    registry) answers False: it is judged as it stands. None without a project model."""
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    if graph is None or key is None:
        return None
    edges, _ = graph.callers(key)
    return any(not graph.in_tests(edge.caller) for edge in edges)


def callee_function(ctx: Context, node: ast.Call) -> Optional["FunctionSummary"]:
    """The summary of the project function ``node`` calls, or None when it runs none."""
    frame = ctx.function_frame()
    graph = call_graph(ctx)
    if frame is None or graph is None:
        return None
    edge = _edge_of(ctx, frame, node)
    found = graph.function(edge.callee) if edge is not None else None
    return found[1] if found is not None else None


def only_called_from(ctx: Context, kinds: Sequence[str], frame: Optional[Frame] = None) -> bool:
    """Is every project caller of the function (tests aside) an entry point of one of
    ``kinds`` (``["startup"]``), with no call of its name left unresolved? False
    without a project model, for a function nobody calls, and for unknown callers."""
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    if graph is None or key is None:
        return False
    edges, unknown = graph.callers(key)
    production = [edge for edge in edges if not graph.in_tests(edge.caller)]
    return bool(production) and not unknown and all(graph.entry_point(*edge.caller) in kinds for edge in production)


def callee_is_async(ctx: Context, node: ast.Call) -> Optional[bool]:
    """Is the project function ``node`` calls an ``async def``? None when it runs none."""
    callee = callee_function(ctx, node)
    return callee.is_async if callee is not None else None
