"""BR084 mixed-optional-syntax: one module spelling unions both as `Optional[X]`/`Union[...]`
and as `X | Y`; the annotations in the less common spelling are reported."""
from __future__ import annotations

import ast
from typing import List, Optional, Tuple, Union

from ...astutil import iter_nodes, short_source
from ...context import Context, FactKey, Frame
from .. import Rule, check

RULE = Rule(
    code="BR084",
    symbol="mixed-optional-syntax",
    summary="A module mixes Optional/Union with X | Y",
    message="`{expr}` uses Optional[...]/Union[...] while this module mostly uses X | Y "
    "({majority} to {minority}); spell unions one way",
    messages={
        # as many annotations of each spelling: the Optional/Union ones are reported
        "tie": "`{expr}` uses Optional[...]/Union[...] while this module as often uses "
        "X | Y ({majority} to {minority}); spell unions one way",
        # the X | Y spelling is the less common one
        "pipe": "`{expr}` uses X | Y while this module mostly uses Optional[...]/Union[...] "
        "({majority} to {minority}); spell unions one way",
    },
    what="In a module whose annotations use both `Optional[X]`/`Union[...]` (resolved "
    "through `typing`) and PEP 604 unions (`X | None`), reports each annotation "
    "(parameter, return, variable) in the less common style; on a tie, the "
    "`Optional`/`Union` ones.",
    why="Two spellings of the same type in one module make readers wonder whether "
    "they mean different things, and make diffs noisy when someone normalises them.",
    bad="""
        from typing import Optional


        def find(pk: int | None, name: str | None, slug: Optional[str]):
            return pk, name, slug
        """,
    good="""
        def find(pk: int | None, name: str | None, slug: str | None):
            return pk, name, slug
        """,
    default_on=False,
    category="C",
    notes="Off by default: a style rule. `Optional[\"App\"]`/`Union[\"A\", None]` with "
    "a string forward reference does not count, unless the module has `from __future__ "
    "import annotations`: `\"App\" | None` raises at runtime, so the typing spelling is "
    "the only one there. String annotations are not parsed; type aliases "
    "(`MaybeInt = Optional[int]`) and `cast(...)` arguments are not annotations.",
)

# (annotation, uses Optional/Union, uses X | Y) for the module's annotations using either.
_ANNOTATIONS: FactKey[List[Tuple[ast.AST, bool, bool]]] = FactKey("br084.annotations")
_TYPING_UNIONS = frozenset({"typing.Optional", "typing.Union", "typing_extensions.Optional",
                            "typing_extensions.Union"})


def _needs_typing_union(union: ast.Subscript, ctx: Context) -> bool:
    """`Optional["App"]`: a string forward reference cannot be united with `|` at runtime
    (`"App" | None` raises) unless annotations are postponed (`from __future__ import
    annotations`), so the typing spelling is the only one there."""
    if ctx.imports.get("annotations") == "__future__.annotations":
        return False
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in iter_nodes(union.slice))


def _annotation_styles(annotation: ast.AST, ctx: Context) -> Tuple[bool, bool]:
    """(uses Optional/Union, uses `X | Y`) in one annotation."""
    typing_style = pep604 = False
    for sub in iter_nodes(annotation, into_scopes=False):
        if isinstance(sub, ast.Subscript) and ctx.resolve(sub.value) in _TYPING_UNIONS:
            if not _needs_typing_union(sub, ctx):
                typing_style = True
        elif isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.BitOr):
            pep604 = True
    return typing_style, pep604


def _new_annotation_list(ctx: Context, frame: Frame) -> List[Tuple[ast.AST, bool, bool]]:
    return []


def _note_annotation(annotation: Optional[ast.AST], ctx: Context) -> None:
    if annotation is None or isinstance(annotation, (ast.Name, ast.Constant, ast.Attribute)):
        return  # nothing to unite (string annotations are not parsed)
    typing_style, pep604 = _annotation_styles(annotation, ctx)
    if typing_style or pep604:
        ctx.frame_fact(_ANNOTATIONS, _new_annotation_list, ctx.module_frame).append(
            (annotation, typing_style, pep604)
        )


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef)
def function_annotations(node: Union[ast.FunctionDef, ast.AsyncFunctionDef], ctx: Context) -> None:
    """Collect the union styles of a function's parameter and return annotations."""
    args = node.args
    for arg in args.posonlyargs + args.args + args.kwonlyargs:
        _note_annotation(arg.annotation, ctx)
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            _note_annotation(extra.annotation, ctx)
    _note_annotation(node.returns, ctx)


@check(RULE, ast.AnnAssign)
def variable_annotation(node: ast.AnnAssign, ctx: Context) -> None:
    """Collect the union style of a variable annotation."""
    _note_annotation(node.annotation, ctx)


@check(RULE, ast.Module, phase="leave")
def mixed_optional_syntax(node: ast.Module, ctx: Context) -> None:
    """One module, two spellings of the same union (`Optional[int]` and `int | None`):
    report the annotations in the less common style (on a tie, the Optional/Union ones)."""
    collected: List[Tuple[ast.AST, bool, bool]] = ctx.module_frame.facts.get(_ANNOTATIONS, [])
    typing_count = sum(1 for _, t, _ in collected if t)
    pep604_count = sum(1 for _, _, p in collected if p)
    if not typing_count or not pep604_count:
        return
    report_typing = typing_count <= pep604_count
    if not report_typing:
        variant: Optional[str] = "pipe"
    else:
        variant = "tie" if typing_count == pep604_count else None
    majority, minority = max(typing_count, pep604_count), min(typing_count, pep604_count)
    for annotation, typing_style, pep604 in collected:
        if (typing_style if report_typing else pep604):
            ctx.report(RULE, annotation, variant, expr=short_source(annotation, 40),
                       majority=majority, minority=minority)
