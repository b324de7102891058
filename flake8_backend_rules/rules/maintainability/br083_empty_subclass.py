"""BR083 empty-subclass: `class X(Base): pass`, a second name for `Base`, unless the empty
subclass is idiomatic (exceptions, protocols, enums, models...)."""
from __future__ import annotations

import ast
from typing import List, Set

from ...astutil import dotted_name
from ...context import Context, FactKey, Frame
from ...options import normalise_path
from .. import Rule, check

RULE = Rule(
    code="BR083",
    symbol="empty-subclass",
    summary="A subclass that adds nothing",
    message="class `{cls}` only subclasses `{base}` and adds nothing; use `{base}` "
    "directly (or a type alias)",
    what="Finds `class X(Base): pass` (or `...`, or only a docstring) with a single "
    "base that is not an exception or warning, `Protocol`, `TypedDict`, an `Enum`, "
    "`Meta`, `DeclarativeBase`, `AbstractUser` or `AbstractBaseUser`.",
    why="An empty subclass is a second name for the same thing: readers look for the "
    "difference that is not there, and `isinstance` checks split between the two.",
    bad="""
        class BaseExporter:
            def export(self, rows):
                return list(rows)


        class CsvExporter(BaseExporter):
            pass
        """,
    good="""
        class BaseExporter:
            def export(self, rows):
                return list(rows)


        CsvExporter = BaseExporter
        """,
    default_on=False,
    category="C",
    notes="Off by default: most empty subclasses in real code are a deliberate name "
    "(a public API or compatibility name, an admin registered later, FastAPI's "
    "`ItemCreate(ItemBase)` schemas, ctypes opaque structures); see the README's "
    "real-code figures. Also silent: classes whose own name ends in `Error`, "
    "`Exception` or `Warning`; empty models (a base ending in `Model` or starting with "
    "`Abstract`, or any class in a models module: an empty model declares a table, a "
    "swappable fork such as django-oscar's `class Product(AbstractProduct): pass`, or "
    "a schema of its own); classes with decorators, a metaclass or other keywords; a "
    "subscripted base (`Base[int]` specialises a generic) or a computed base; classes "
    "named `Meta`.",
)

# Bases an empty subclass of is idiomatic (besides every `...Enum` and `...Meta`).
_IDIOMATIC_EMPTY_BASES = frozenset({
    "Protocol", "TypedDict", "Flag", "IntFlag", "DeclarativeBase",
    "AbstractUser", "AbstractBaseUser", "NamedTuple", "Generic", "object",
})
_IDIOMATIC_EMPTY_SUFFIXES = ("Enum", "Meta")
_EXCEPTION_SUFFIXES = ("Error", "Exception", "Warning", "Exit", "Interrupt", "Iteration")
# Modules named so hold exceptions; a base imported from one is an exception.
_EXCEPTION_MODULES = ("exceptions", "errors")
# The module's classes seen to be exceptions so far (their subclasses are exceptions too).
_EXCEPTION_CLASSES: FactKey[Set[str]] = FactKey("br083.exceptions")


def _is_empty_body(body: List[ast.stmt]) -> bool:
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            if stmt.value.value is Ellipsis or (index == 0 and isinstance(stmt.value.value, str)):
                continue
        return False
    return True


def _new_name_set(ctx: Context, frame: Frame) -> Set[str]:
    return set()


def _is_exception_base(base: ast.AST, text: str, ctx: Context, local: Set[str]) -> bool:
    """An exception by its name (`...Error`), by where it comes from (`django.core.exceptions
    .SuspiciousOperation`), or a class of this module already seen to be one."""
    last = text.rsplit(".", 1)[-1]
    if last.endswith(_EXCEPTION_SUFFIXES) or last in local:
        return True
    resolved = ctx.resolve(base) or ""
    return any(part in _EXCEPTION_MODULES for part in resolved.split(".")[:-1])


@check(RULE, ast.ClassDef)
def empty_subclass(node: ast.ClassDef, ctx: Context) -> None:
    """`class X(Base): pass`: a second name for the same class, unless the empty subclass
    is idiomatic (exceptions, protocols, enums, Meta, declarative bases, user models)."""
    local: Set[str] = ctx.frame_fact(_EXCEPTION_CLASSES, _new_name_set, ctx.module_frame)
    texts = [dotted_name(b) or "" for b in node.bases]
    if node.name.endswith(_EXCEPTION_SUFFIXES) or any(
        t and _is_exception_base(b, t, ctx, local) for b, t in zip(node.bases, texts)
    ):
        local.add(node.name)  # its own subclasses are exceptions too
        return
    if len(node.bases) != 1 or node.keywords or node.decorator_list or node.name in ("Meta", "Command"):
        return
    if not _is_empty_body(node.body):
        return
    base = texts[0]
    if not base:
        return  # `Base[T]` specialises a generic; a call builds the base dynamically
    last = base.rsplit(".", 1)[-1]
    if last in _IDIOMATIC_EMPTY_BASES or last.endswith(_IDIOMATIC_EMPTY_SUFFIXES):
        return
    if ctx.kind.models or last.endswith("Model") or last.startswith("Abstract"):
        return  # an empty model declares a table, a swappable fork or a schema of its own
    if normalise_path(ctx.filename).rsplit("/", 1)[-1][:-3] in _EXCEPTION_MODULES:
        return  # everything in exceptions.py is an exception
    ctx.report(RULE, node, cls=node.name, base=base)
