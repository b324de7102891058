"""The file's functions in the project model's call graph: which one a frame is, how the
project starts it, and how a chain of calls reads in a message.

Rules that judge a helper by its callers (BR033, BR021) or a handler by what its helpers
do ask here; the answers come from :mod:`project.calls`. Without a project model (a file
outside any project, a project too large) every function answers None and the rules keep
their single-file judgement.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Sequence

from .context import Context, Frame

if TYPE_CHECKING:
    from .project.calls import CallGraph, Key

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
