"""BR071 conditional-model-field: a model field assigned under an `if`/`try` of the class
body, or chosen by a conditional expression."""
from __future__ import annotations

import ast
from typing import List, Optional, Tuple, Union

from ...astutil import call_name, dotted_name, short_source
from ...context import Context
from ...vocabulary import TRY_TYPES
from .. import Rule, check

RULE = Rule(
    code="BR071",
    symbol="conditional-model-field",
    summary="A model field is defined conditionally",
    message="model field `{field}` is defined under `if {condition}`: the schema, and so "
    "the migrations, depend on import-time settings; define the field unconditionally",
    messages={
        "try": "model field `{field}` is defined under `try`: the schema, and so the "
        "migrations, depend on import-time settings; define the field unconditionally",
    },
    what="Finds, directly inside a class body, an `if`/`try` block (or a conditional "
    "expression `a if c else b`) that assigns a model field: a call whose name ends in "
    "`Field`, or `ForeignKey`/`OneToOneField`/`ManyToManyField`.",
    why="`makemigrations` writes the schema it sees at import time: with the field behind "
    "`if settings.USE_S3` (or a `try: import ...`), two environments generate different "
    "migrations, and applying one environment's migrations to the other's database "
    "breaks on a missing or unexpected column.",
    bad="""
        from django.conf import settings
        from django.db import models


        class Product(models.Model):
            name = models.CharField(max_length=200)
            if settings.ENABLE_BARCODES:
                barcode = models.CharField(max_length=32, blank=True)
        """,
    good="""
        from django.db import models


        class Product(models.Model):
            name = models.CharField(max_length=200)
            barcode = models.CharField(max_length=32, blank=True)
        """,
    default_on=False,
    notes="Opt-in (`--extend-select BR071`): on real code every conditional field a reviewer "
    "read was deliberate, and handled: reusable apps declare a field only when an optional "
    "dependency is installed (`if Image:` for Pillow), when a model is swapped "
    "(`swapper.is_swapped(...)`), or when a feature of the app is on "
    "(`if app_settings.SITES_ENABLED:`), and write their migrations to match. The pattern "
    "worth catching, a project's own model varying with an environment setting, was not met "
    "once, so the rule is left to the projects that want the guarantee. "
    "Django model fields (resolved under `django.db.models` or `django.contrib`) "
    "count in any class; other `...Field(...)` calls count only in a class that looks "
    "like a model (a base named `...Model`, or a class with a base in a models module) "
    "and never when they "
    "resolve to form, serializer or schema libraries (`django.forms`, `rest_framework`, "
    "`graphene`, `pydantic`, ...), nor in classes whose base names end in `Form`, "
    "`Serializer`, `Admin`, `FilterSet`, `Schema`, `Type` or `Input`, whose fields are "
    "no columns. `if TYPE_CHECKING:` blocks are annotations only and stay silent.",
)

_RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
# Fields of these libraries are form/serializer/schema fields, not columns.
_NON_MODEL_NAMESPACES = (
    "django.forms", "rest_framework", "graphene", "strawberry", "marshmallow", "pydantic",
    "wtforms", "ninja", "sqlmodel", "dataclasses", "attr", "django_filters", "msgspec",
)
_NOT_MODEL_BASES = ("Form", "Serializer", "Admin", "Filter", "FilterSet", "Schema", "Type", "Input")


def _field_call_name(value: Optional[ast.AST]) -> Optional[str]:
    """`CharField` for `models.CharField(...)`: a call whose name ends in `Field`, or a
    relation (`ForeignKey`...)."""
    if not isinstance(value, ast.Call):
        return None
    name = call_name(value)
    if name and (name.endswith("Field") or name in _RELATION_FIELDS):
        return name
    return None


def _is_model_field(call: ast.Call, ctx: Context) -> bool:
    """A field call in a model class: Django's model fields anywhere, other fields in a
    class that looks like a model (a base named `...Model`, or a models module). With the
    project model, only what resolves to a Django field class (directly or through a
    project subclass) counts: a third-party `ImageSpecField` is no column."""
    if ctx.project is not None:
        name = ctx.project_name(dotted_name(call.func)) or ctx.resolve(call.func)
        if name is not None:
            return ctx.project.django_field_class(name) is not None
    resolved = ctx.resolve(call.func) or ""
    if resolved.startswith(("django.db.models", "django.contrib.")) and ".forms" not in resolved:
        return True
    if resolved.startswith(_NON_MODEL_NAMESPACES):
        return False
    cls = ctx.classes[-1] if ctx.classes else None
    if cls is None:
        return False
    bases = cls.base_names
    if any(base.endswith(_NOT_MODEL_BASES) for base in bases):
        return False
    # a model inherits from something: a base-less class in a models module is a helper
    return (ctx.kind.models and bool(bases)) or any(base.endswith("Model") for base in bases)


def _is_type_checking(block: ast.stmt) -> bool:
    return isinstance(block, ast.If) and (dotted_name(block.test) or "").endswith("TYPE_CHECKING")


def _block_statements(block: ast.stmt) -> List[ast.stmt]:
    """The statements an if/try runs conditionally (its nested if/try are visited on their
    own by the walk)."""
    statements: List[ast.stmt] = list(getattr(block, "body", ())) + list(getattr(block, "orelse", ()))
    for handler in getattr(block, "handlers", ()) or ():
        statements.extend(handler.body)
    return statements


def _assigned_field(stmt: ast.stmt) -> Optional[Tuple[str, ast.Call]]:
    """(field name, field call) for `name = models.XField(...)` / `name: T = XField(...)`."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target: ast.AST = stmt.targets[0]
        value: Optional[ast.AST] = stmt.value
    elif isinstance(stmt, ast.AnnAssign):
        target, value = stmt.target, stmt.value
    else:
        return None
    if not isinstance(target, ast.Name) or _field_call_name(value) is None:
        return None
    return target.id, value  # type: ignore[return-value]


@check(RULE, ast.If, *TRY_TYPES)
def conditional_model_field(node: ast.stmt, ctx: Context) -> None:
    """A model field assigned inside an `if`/`try` of a class body: which columns exist
    depends on import-time settings, so `makemigrations` writes different migrations in
    different environments."""
    if ctx.frame.kind != "class" or _is_type_checking(node):
        return
    for stmt in _block_statements(node):
        found = _assigned_field(stmt)
        if found is None or not _is_model_field(found[1], ctx):
            continue
        if isinstance(node, ast.If):
            ctx.report(RULE, stmt, field=found[0], condition=short_source(node.test, 40))
        else:
            ctx.report(RULE, stmt, "try", field=found[0])


def _class_ifexp_fields(value: ast.IfExp) -> List[ast.Call]:
    branches = (value.body, value.orelse)
    return [branch for branch in branches if isinstance(branch, ast.Call) and _field_call_name(branch)]


@check(RULE, ast.Assign, ast.AnnAssign)
def conditional_field_expression(node: Union[ast.Assign, ast.AnnAssign], ctx: Context) -> None:
    """`avatar = models.ImageField() if settings.S3 else models.FileField()` in a model
    body: the same environment-dependent schema as an `if` block."""
    if ctx.frame.kind != "class" or not isinstance(node.value, ast.IfExp):
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return
    fields = _class_ifexp_fields(node.value)
    if fields and any(_is_model_field(call, ctx) for call in fields):
        ctx.report(RULE, node, field=targets[0].id, condition=short_source(node.value.test, 40))
