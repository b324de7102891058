"""Small, non-recursive helpers over ``ast`` nodes shared by the engine and the rules.

Nothing here recurses on the tree's depth: analysed code can be thousands of levels deep.
"""
from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Set, Tuple

from .budget import WORK

_SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def dotted_name(node: ast.AST) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def attribute_path(node: ast.AST) -> Tuple[Optional[ast.AST], List[str]]:
    """Split ``a.b.c`` into (base node ``a``, ["b", "c"])."""
    attrs: List[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    attrs.reverse()
    return node, attrs


def position(node: ast.AST) -> Tuple[int, int]:
    """(line, column) of a node, (0, 0) for one without a position: source order."""
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def call_name(node: ast.AST) -> Optional[str]:
    """The last name of a callee: ``send`` for ``a.b.send(...)``, ``f`` for ``f(...)``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


# Fields that never hold a node a rule looks at: names and flags (str/int/bool), and the
# Load/Store/Del singletons of ``ctx``. Skipping them is what makes this walk cheaper
# than ``ast.iter_child_nodes`` (a ``getattr`` per field of every node).
_NOT_NODE_FIELDS = frozenset({"ctx", "id", "attr", "arg", "module", "level", "conversion",
                              "is_async", "simple", "kind", "type_comment", "tag"})
# node class -> node_fields(class), filled as walks meet classes; read directly by the
# hot loops (a dict lookup is cheaper than a call).
NODE_FIELDS: Dict[type, Tuple[str, ...]] = {}


def node_fields(cls: type) -> Tuple[str, ...]:
    """The fields of ``cls`` that may hold child nodes, last first (a walk pushes them
    on a stack, so they come off in source order). Every walk of the package (the
    engine's, :func:`iter_nodes`) uses this one table."""
    fields = NODE_FIELDS.get(cls)
    if fields is None:
        if cls is ast.Constant:
            fields = ()
        else:
            fields = tuple(reversed([f for f in getattr(cls, "_fields", ()) if f not in _NOT_NODE_FIELDS]))
        NODE_FIELDS[cls] = fields
    return fields


def iter_nodes(root: ast.AST, into_scopes: bool = True) -> Iterator[ast.AST]:
    """Pre-order walk of a subtree with an explicit stack, children in source order (as
    ``ast.walk`` would find them, but depth first); expression contexts are not yielded.

    With ``into_scopes=False`` nested functions, lambdas and classes are yielded but
    not entered (their bodies belong to another scope). The nodes yielded are counted as
    analysis work (:mod:`budget`)."""
    stack = [root]
    pop = stack.pop
    push = stack.append
    known_fields = NODE_FIELDS
    AST = ast.AST
    visited = 0
    try:
        while stack:
            node = pop()
            visited += 1
            yield node
            if not into_scopes and node is not root and isinstance(node, _SCOPE_TYPES):
                continue
            cls = node.__class__
            fields = known_fields.get(cls)
            if fields is None:
                fields = node_fields(cls)
            for field in fields:
                value = getattr(node, field, None)
                if value is None:
                    continue
                if value.__class__ is list:
                    for child in reversed(value):
                        if isinstance(child, AST):
                            push(child)
                elif isinstance(value, AST):
                    push(value)
    finally:
        # every analysis walk is work (budget.py); the walk itself never raises for it
        WORK.visits += visited


def names_in(node: ast.AST) -> Set[str]:
    """Every ``Name`` id read in a subtree (not entering nested scopes)."""
    return {n.id for n in iter_nodes(node, into_scopes=False) if isinstance(n, ast.Name)}


def target_names(target: ast.AST) -> List[str]:
    """Names bound by an assignment or loop target (tuples and starred unpacked)."""
    out: List[str] = []
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            out.append(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
    return out


def is_literal_collection(node: ast.AST) -> bool:
    return isinstance(node, (ast.List, ast.Tuple, ast.Set))


def string_value(node: Optional[ast.AST]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def short_source(node: ast.AST, limit: int = 60) -> str:
    """A one-line rendering of an expression for messages; never raises."""
    try:
        text = ast.unparse(node)
    except (RecursionError, ValueError, AttributeError, TypeError):
        return "<expression>"
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text
