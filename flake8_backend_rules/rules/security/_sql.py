"""How BR050 reads the SQL text it is handed: the parts that cannot carry input (beyond
the shared string flow's literals and constants), and the statements that cannot take
query parameters at all."""
from __future__ import annotations

import ast
from typing import Optional, Set

from ...astutil import call_name, iter_nodes, string_value
from ...context import Context, FactKey, Frame
from ...strings import StringFlow, is_module_constant, module_text

# Statements that take no bind parameters (DDL, session settings, anonymous code
# blocks): their text can only be formatted, and what is formatted in is a name or a
# setting the code chose.
_NO_PARAMETER_VERBS = frozenset({"create", "alter", "drop", "truncate", "comment", "grant", "revoke", "set",
                                 "reset", "do", "vacuum", "analyze", "reindex", "cluster", "refresh", "pragma",
                                 "attach", "detach", "listen", "notify"})
# Annotations of numbers and flags: their text cannot close a quote.
_NUMBER_ANNOTATIONS = frozenset({"int", "float", "bool", "Decimal", "UUID", "uuid.UUID"})
# Column options whose text is DDL the schema emits (`server_default=text(...)`).
_DDL_KEYWORDS = frozenset({"server_default", "server_onupdate"})

_FLOW: FactKey[StringFlow] = FactKey("br050.flow")
_INPUT_FREE: FactKey[Set[str]] = FactKey("br050.input_free_names")
_IN_DDL_OPTION: FactKey[Set[int]] = FactKey("br050.ddl_options")


def sql_flow(ctx: Context) -> StringFlow:
    """The shared string flow, with a wider idea of what a bare name that cannot carry
    input is: besides module-level constants, an imported UPPER_CASE setting
    (`from app.conf import TABLE_PREFIX`), a parameter annotated as a number (`limit:
    int`), and a loop variable over a literal collection (`for col in ("a", "b"):`)."""
    return ctx.frame_fact(_FLOW, _build_flow)


def _build_flow(ctx: Context, frame: Frame) -> StringFlow:
    free = ctx.frame_fact(_INPUT_FREE, _input_free_names, frame)

    def constant(name: str) -> bool:
        return name in free or is_module_constant(ctx, name) or (name.isupper() and name in ctx.imports)

    return StringFlow(frame.node, constant, lambda name: module_text(ctx, name))


def _input_free_names(ctx: Context, frame: Frame) -> Set[str]:
    node = frame.node
    bound = ctx.bindings(frame)
    free: Set[str] = set()
    args = getattr(node, "args", None)
    if isinstance(args, ast.arguments):
        for arg in args.posonlyargs + args.args + args.kwonlyargs:
            annotation = arg.annotation
            text = string_value(annotation) if isinstance(annotation, ast.Constant) else (
                ast.unparse(annotation) if annotation is not None else None
            )
            if text in _NUMBER_ANNOTATIONS and not bound.get(arg.arg):
                free.add(arg.arg)
    looped: Set[str] = set()
    others: Set[str] = set()
    for sub in iter_nodes(node, into_scopes=False):
        if isinstance(sub, (ast.For, ast.AsyncFor, ast.comprehension)):
            names = {n.id for n in iter_nodes(sub.target, into_scopes=False) if isinstance(n, ast.Name)}
            (looped if _literal_collection(ctx, sub.iter) else others).update(names)
    free |= {name for name in looped - others if not bound.get(name)}
    return free


def _literal_collection(ctx: Context, node: ast.AST) -> bool:
    if isinstance(node, ast.Name) and is_module_constant(ctx, node.id):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(
            isinstance(e, ast.Constant) or (isinstance(e, (ast.Tuple, ast.List)) and all(
                isinstance(x, ast.Constant) for x in e.elts))
            for e in node.elts
        )
    return False


def takes_no_parameters(sql: ast.AST, ctx: Context, at: ast.AST) -> bool:
    """DDL, a session setting or a `DO $$ ... $$` block (`CREATE INDEX`, `SET LOCAL TIME
    ZONE '...'`, `SET search_path=...`): the database accepts no bind parameters there."""
    verb = _first_word(sql, ctx, at)
    return verb is not None and verb in _NO_PARAMETER_VERBS


def _first_word(sql: ast.AST, ctx: Context, at: ast.AST) -> Optional[str]:
    node: Optional[ast.AST] = sql
    for _ in range(6):
        if isinstance(node, ast.Name):
            node = ctx.bindings().last_before(node.id, at)
        elif isinstance(node, ast.BinOp):
            node = node.left
        elif isinstance(node, ast.JoinedStr):
            node = node.values[0] if node.values else None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            node = node.func.value
        elif isinstance(node, ast.Call) and call_name(node) == "text" and node.args:
            node = node.args[0]
        else:
            break
    words = (string_value(node) or "").split() if node is not None else []
    return words[0].lower().rstrip(";") if words else None


def in_ddl_option(node: ast.Call, ctx: Context) -> bool:
    """`Column(..., server_default=text(f"'{DEFAULT}'"))`: schema text, not a query."""
    return id(node) in ctx.frame_fact(_IN_DDL_OPTION, _ddl_option_calls)


def _ddl_option_calls(ctx: Context, frame: Frame) -> Set[int]:
    found: Set[int] = set()
    for sub in iter_nodes(frame.node, into_scopes=False):
        if isinstance(sub, ast.keyword) and sub.arg in _DDL_KEYWORDS:
            found.update(id(n) for n in iter_nodes(sub.value, into_scopes=False) if isinstance(n, ast.Call))
    return found


def innermost_part(part: ast.AST) -> ast.AST:
    """The value a reported part formats in, by its own name: `typename` rather than
    `"{}:".format(typename)`, `email` rather than `f"%{email}%"`."""
    for _ in range(4):
        if isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute) and part.func.attr == "format" \
                and isinstance(part.func.value, ast.Constant):
            inner = [a for a in part.args if not isinstance(a, ast.Constant)] + [
                kw.value for kw in part.keywords if not isinstance(kw.value, ast.Constant)]
            if not inner:
                break
            part = inner[0]
        elif isinstance(part, ast.JoinedStr):
            values = [v.value for v in part.values if isinstance(v, ast.FormattedValue)]
            if not values:
                break
            part = values[0]
        elif isinstance(part, ast.BinOp) and isinstance(part.op, ast.Mod) and isinstance(part.left, ast.Constant):
            part = part.right
        else:
            break
    return part
