"""BR085 status-tuple-return: a function that answers with `(True/False, ...)` tuples, by
its return annotation or by its return statements."""
from __future__ import annotations

import ast
from typing import Dict, Optional, Set, Union

from ...astutil import short_source
from ...context import Context, FactKey, Frame
from .. import Rule, check

RULE = Rule(
    code="BR085",
    symbol="status-tuple-return",
    summary="A function returns a (success, ...) status tuple",
    default_on=False,
    precision="Off by default. Read blind on eight unseen projects: 7 of 25 findings true (28%). "
    "Most tuples were a predicate's reason for an expected no, a flag with a payload used "
    "on both outcomes, or a sort key, not an error status. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br080-br085.md.",
    message="`{name}` returns `(True/False, ...)` tuples: callers must unpack and check a "
    "flag; return a result object or raise an exception",
    messages={
        "cli": "`{name}` is a command that returns `(True/False, ...)` tuples: the command "
        "line ignores them; raise click.ClickException (or exit with a status) instead",
        "annotated": "`{name}` is annotated `-> {annotation}`: callers must unpack and check "
        "a flag; return a result object or raise an exception",
    },
    what="Finds functions annotated `-> tuple[bool, X, ...]` (or `Tuple[bool, ...]`) "
    "and functions with two or more `return True, ...` / `return False, ...` tuples "
    "of the same length.",
    why="`ok, error, value = add_item(...)` makes every caller check a flag, and a "
    "caller that forgets (or unpacks in the wrong order) fails silently; an "
    "exception, or a small result object, cannot be ignored by accident.",
    bad="""
        def add_item(cart, sku):
            if not sku:
                return False, "missing sku"
            cart.add(sku)
            return True, ""
        """,
    good="""
        class InvalidSku(ValueError):
            pass


        def add_item(cart, sku):
            if not sku:
                raise InvalidSku("missing sku")
            cart.add(sku)
        """,
    category="R",
    notes="Tuples of flags only are two answers, not a status and a payload, and are "
    "silent: `tuple[bool, ...]` with a literal `...`, `tuple[bool, bool]`, and returns "
    "whose every element is visibly a bool (`return True, hasattr(mod, \"__path__\")`). "
    "So are single-element tuples, tuples whose flag is not the first element "
    "(`(obj, created)`), a single status return, returns of different lengths, and "
    "`deconstruct()`, whose tuple shape Django's migration serializer fixes. Tuples whose "
    "second element is the same value on a `True` and a `False` return (`return True, "
    "user` / `return False, user`) carry a payload either way, not a status and an error. "
    "Scripts and migrations (see `programs`) are silent; a click/Typer command returning "
    "status tuples is told to raise `ClickException`.",
)

# Per function: how many `return True/False, ...` tuples of each length it has; key 0
# counts those with an element that is not visibly a bool (a status and a payload).
_RETURNS: FactKey[Dict[int, int]] = FactKey("br085.returns")
# Django's `deconstruct()` protocol fixes the shape of the tuple it returns.
_PROTOCOL_TUPLES = frozenset({"deconstruct"})
_TUPLE_TYPES = frozenset({"tuple", "typing.Tuple", "typing_extensions.Tuple"})
_BOOL_CALLS = frozenset({"bool", "hasattr", "isinstance", "issubclass", "callable", "any", "all"})


def _status_tuple_length(value: Optional[ast.AST]) -> Optional[int]:
    """The length of `(True|False, ...)`, else None."""
    if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
        first = value.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, bool):
            return len(value.elts)
    return None


def _is_flag(node: ast.AST) -> bool:
    """An expression that is visibly a bool: `True`, `a == b`, `not x`, `hasattr(...)`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    if isinstance(node, (ast.Compare, ast.BoolOp)) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _BOOL_CALLS


def _new_counts(ctx: Context, frame: Frame) -> Dict[int, int]:
    return {}


# Per function: the second element's source -> the flags it was returned with.
_SECONDS: FactKey[Dict[str, Set[bool]]] = FactKey("br085.seconds")


def _new_seconds(ctx: Context, frame: Frame) -> Dict[str, Set[bool]]:
    return {}


@check(RULE, ast.Return)
def note_status_return(node: ast.Return, ctx: Context) -> None:
    """Count the function's `return True/False, ...` tuples by length; a tuple of flags
    only (`return True, x > 0`) is counted apart (key 0): two answers, not a status."""
    length = _status_tuple_length(node.value)
    if length is None or ctx.frame.kind != "function":
        return
    counts = ctx.frame_fact(_RETURNS, _new_counts)
    counts[length] = counts.get(length, 0) + 1
    flag = node.value.elts[0].value  # type: ignore[union-attr]
    second = short_source(node.value.elts[1], 80)  # type: ignore[union-attr]
    seconds = ctx.frame_fact(_SECONDS, _new_seconds)
    seconds.setdefault(second, set()).add(bool(flag))
    if not all(_is_flag(elt) for elt in node.value.elts):  # type: ignore[union-attr]
        counts[0] = counts.get(0, 0) + 1


def _annotated_status_tuple(node: Union[ast.FunctionDef, ast.AsyncFunctionDef], ctx: Context) -> bool:
    """`-> tuple[bool, X]` / `-> Tuple[bool, X, Y]` (not `tuple[bool, ...]`, a tuple of flags)."""
    returns = node.returns
    if not isinstance(returns, ast.Subscript) or ctx.resolve(returns.value) not in _TUPLE_TYPES:
        return False
    items = returns.slice
    if not isinstance(items, ast.Tuple) or len(items.elts) < 2:
        return False
    first, second = items.elts[0], items.elts[1]
    if isinstance(second, ast.Constant) and second.value is Ellipsis:
        return False
    if all(isinstance(elt, ast.Name) and elt.id == "bool" for elt in items.elts):
        return False  # `tuple[bool, bool]`: two flags, not a status and a payload
    return isinstance(first, ast.Name) and first.id == "bool"


def _is_program_code(node: ast.AST, ctx: Context) -> bool:
    """A migration's or a script's function (not a CLI command: those are told to raise)."""
    return ctx.in_migration() or (ctx.in_script(node) and not ctx.in_cli_command())


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef, phase="leave")
def status_tuple_return(node: Union[ast.FunctionDef, ast.AsyncFunctionDef], ctx: Context) -> None:
    """A function returning `(ok, error, value)`-style tuples: every caller must unpack
    and check a flag, and forgetting to is silent; return a result object or raise."""
    if node.name in _PROTOCOL_TUPLES:
        return
    if _annotated_status_tuple(node, ctx):
        if _is_program_code(node, ctx):
            return
        ctx.report(RULE, node, "annotated", name=node.name,
                   annotation=short_source(node.returns, 40))  # type: ignore[arg-type]
        return
    counts: Dict[int, int] = ctx.frame.facts.get(_RETURNS, {}) if ctx.frame.node is node else {}
    if counts.get(0) and any(n >= 2 for length, n in counts.items() if length):
        seconds: Dict[str, Set[bool]] = ctx.frame.facts.get(_SECONDS, {})
        if any(len(flags) == 2 for flags in seconds.values()):
            return  # the same payload on both answers: `(found, user)`, not a status
        if _is_program_code(node, ctx):
            return
        ctx.report(RULE, node, "cli" if ctx.in_cli_command() else None, name=node.name)
