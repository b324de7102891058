"""BR07x: Django models and migrations.

Migration modules are the ones Django or Alembic load as migrations (``ctx.kind.migration``:
directly inside a ``migrations/`` package, or an Alembic revision).
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple, Union

from ..astutil import call_name, dotted_name, iter_nodes, names_in, short_source
from ..context import Context, FactKey, Frame
from ..vocabulary import TRY_TYPES
from . import check


def is_migration_module(ctx: Context) -> bool:
    return ctx.kind.migration


# -- BR070 irreversible-migration-operation ----------------------------------------------

# operation -> (name of its reverse parameter, its position)
_REVERSIBLE_OPERATIONS: Dict[str, Tuple[str, int]] = {
    "RunPython": ("reverse_code", 1),
    "RunSQL": ("reverse_sql", 1),
}
_MIGRATION_NAMESPACES = ("django.db.migrations",)


def _migration_operation(call: ast.Call, ctx: Context) -> Optional[str]:
    """`RunPython`/`RunSQL` when the call builds Django's operation (through
    `migrations.RunPython`, `from django.db.migrations import RunPython`, ...)."""
    func = call.func
    name = call_name(call)
    if name not in _REVERSIBLE_OPERATIONS:
        return None
    resolved = ctx.resolve(func)
    if resolved is None or not resolved.startswith(_MIGRATION_NAMESPACES):
        return None
    return name


def _may_hide_arguments(call: ast.Call) -> bool:
    """`*args`/`**kwargs` in the call may carry any argument."""
    return any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords)


def _argument(call: ast.Call, keyword: str, position: int) -> Optional[ast.AST]:
    """The argument given by keyword or at its position, or None."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _is_none(node: Optional[ast.AST]) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


@check("BR070", ast.Call, callees=_REVERSIBLE_OPERATIONS)
def irreversible_migration_operation(node: ast.Call, ctx: Context) -> None:
    """`RunPython(forwards)` without `reverse_code`, `RunSQL(sql)` without `reverse_sql`
    (or with `None`): the migration cannot be unapplied, so a failed deploy cannot be
    rolled back past it. `RunPython.noop`/`RunSQL.noop` as reverse is a deliberate no-op."""
    if not is_migration_module(ctx):
        return
    operation = _migration_operation(node, ctx)
    if operation is None:
        return
    keyword, position = _REVERSIBLE_OPERATIONS[operation]
    if _may_hide_arguments(node) or not _is_none(_argument(node, keyword, position)):
        return
    ctx.report("BR070", node, expr=short_source(node, 50), reverse=keyword)


# -- BR071 conditional-model-field -------------------------------------------------------

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
    class that looks like a model (a base named `...Model`, or a models module)."""
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


def _condition_text(block: ast.stmt) -> str:
    if isinstance(block, ast.If):
        return f"if {short_source(block.test, 40)}"
    return "try"


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


@check("BR071", ast.If, *TRY_TYPES)
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
        ctx.report("BR071", stmt, field=found[0], condition=_condition_text(node))


def _class_ifexp_fields(value: ast.AST) -> List[ast.Call]:
    if not isinstance(value, ast.IfExp):
        return []
    branches = (value.body, value.orelse)
    return [branch for branch in branches if isinstance(branch, ast.Call) and _field_call_name(branch)]


@check("BR071", ast.Assign, ast.AnnAssign)
def conditional_field_expression(node: Union[ast.Assign, ast.AnnAssign], ctx: Context) -> None:
    """`avatar = models.ImageField() if settings.S3 else models.FileField()` in a model
    body: the same environment-dependent schema as an `if` block."""
    if ctx.frame.kind != "class" or node.value is None or not isinstance(node.value, ast.IfExp):
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return
    fields = _class_ifexp_fields(node.value)
    if fields and any(_is_model_field(call, ctx) for call in fields):
        ctx.report("BR071", node, field=targets[0].id,
                   condition=f"if {short_source(node.value.test, 40)}")


# -- BR072 model-import-in-migration -----------------------------------------------------
#
# Which code runs during `migrate`: the functions handed to RunPython (their names appear in
# its arguments), functions taking `apps`/`schema_editor`, methods of classes defined in the
# migration (custom operations), and the module's functions those call. Other module
# functions (NetBox's `objectchange_migrators`, run later by the application with today's
# models) are not migration code.

_FACT: FactKey[_MigrationFacts] = FactKey("br072.facts")
_MIGRATION_PARAMS = frozenset({"apps", "schema_editor"})


class _ModelImport:
    """An import of an app's models in a migration module, and how its uses look."""

    __slots__ = ("stmt", "source", "names", "prefixes")

    def __init__(self, stmt: ast.stmt, source: str) -> None:
        self.stmt = stmt
        self.source = source
        self.names: Set[str] = set()  # bound names read as `Name`
        self.prefixes: Set[str] = set()  # `import shop.models`: uses read as `shop.models.X`


def is_app_models_module(dotted: str) -> bool:
    """`shop.models`, `shop.models.product`, `..models`, `django.contrib.auth.models`; not
    the field/expression namespaces (`django.db.models...`, `django.contrib.gis.db.models`)
    nor Django's other `models` modules (`django.forms.models`)."""
    parts = dotted.lstrip(".").split(".")
    if "models" not in parts:
        return False
    index = parts.index("models")
    if index > 0 and parts[index - 1] == "db":
        return False  # django.db.models, django.contrib.gis.db.models
    if parts[0] == "django" and not dotted.startswith("."):
        return len(parts) > 3 and parts[1] == "contrib" and parts[3] == "models"
    return True


def _model_imports_of(stmt: Union[ast.Import, ast.ImportFrom]) -> Optional[_ModelImport]:
    if isinstance(stmt, ast.Import):
        found: Optional[_ModelImport] = None
        for alias in stmt.names:
            if not is_app_models_module(alias.name):
                continue
            found = found or _ModelImport(stmt, alias.name)
            if alias.asname:
                found.names.add(alias.asname)
            else:
                found.prefixes.add(alias.name)
        return found
    module = "." * (stmt.level or 0) + (stmt.module or "")
    found = None
    for alias in stmt.names:
        if alias.name == "*":
            continue
        full = f"{module}.{alias.name}" if module and not module.endswith(".") else module + alias.name
        # `from shop.models import Product` (module is models) or `from shop import models`
        if is_app_models_module(module) or (alias.name == "models" and is_app_models_module(full)):
            found = found or _ModelImport(stmt, module or full)
            found.names.add(alias.asname or alias.name)
    return found


class _FunctionUses:
    """What one top-level function (nested scopes included) does that BR072 cares about."""

    __slots__ = ("offences", "loads", "root")

    def __init__(self) -> None:
        self.offences: List[Tuple[ast.AST, str]] = []  # (node to report, its text)
        self.loads: Set[str] = set()  # names it reads: the functions it may call
        self.root = False


class _MigrationFacts:
    __slots__ = ("imports", "functions", "operation_names")

    def __init__(self, imports: List[_ModelImport]) -> None:
        self.imports = imports
        self.functions: Dict[str, _FunctionUses] = {}
        self.operation_names: Set[str] = set()  # names read by RunPython(...) arguments


def _migration_facts(ctx: Context, frame: Frame) -> _MigrationFacts:
    """Module-level imports of app models (a look at the module's own statements)."""
    found: List[_ModelImport] = []
    for stmt in getattr(ctx.tree, "body", ()):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            model_import = _model_imports_of(stmt)
            if model_import is not None:
                found.append(model_import)
    return _MigrationFacts(found)


def _source_text(model_import: _ModelImport) -> str:
    stmt = model_import.stmt
    if isinstance(stmt, ast.ImportFrom):
        return f"from {model_import.source} import {', '.join(a.name for a in stmt.names)}"
    return f"import {model_import.source}"


def _locally_bound(func: ast.AST) -> Set[str]:
    """Parameters and names assigned anywhere in the function (nested scopes included)."""
    bound: Set[str] = set()
    for sub in iter_nodes(func):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            bound.add(sub.id)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
    return bound


def _is_get_user_model(call: ast.Call, ctx: Context) -> bool:
    func = call.func
    name = call_name(call) or ""
    if name != "get_user_model":
        return False
    resolved = ctx.resolve(func)
    return resolved is not None and resolved.endswith("get_user_model")


def _function_uses(func: ast.AST, facts: _MigrationFacts, ctx: Context) -> _FunctionUses:
    """One walk of a top-level function: model imports it reads (a local
    `ContentType = apps.get_model(...)` shadows the import), model imports it makes, the
    `get_user_model()` calls it makes, and the names it reads."""
    uses = _FunctionUses()
    names: Dict[str, _ModelImport] = {}
    prefixes: List[Tuple[str, _ModelImport]] = []
    for model_import in facts.imports:
        names.update(dict.fromkeys(model_import.names, model_import))
        prefixes.extend((prefix, model_import) for prefix in model_import.prefixes)
    local = _locally_bound(func) if names else set()
    seen: Set[int] = set()

    def offend(node: ast.AST, text: str) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            uses.offences.append((node, text))

    annotations = _annotation_nodes(func) if names else set()
    for sub in iter_nodes(func):
        if isinstance(sub, ast.Name):
            if isinstance(sub.ctx, ast.Load) and id(sub) not in annotations:
                uses.loads.add(sub.id)
                found = names.get(sub.id)
                if found is not None and sub.id not in local:
                    offend(found.stmt, _source_text(found))
        elif isinstance(sub, ast.Attribute) and prefixes:
            text = dotted_name(sub) or ""
            for prefix, model_import in prefixes:
                if text == prefix or text.startswith(prefix + "."):
                    offend(model_import.stmt, _source_text(model_import))
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            inner = _model_imports_of(sub)
            if inner is not None:
                offend(sub, _source_text(inner))
        elif isinstance(sub, ast.Call) and _is_get_user_model(sub, ctx):
            offend(sub, short_source(sub, 40))
    return uses


def _annotation_nodes(func: ast.AST) -> Set[int]:
    """Nodes inside annotations (`qs: QuerySet[OrderEvent]`): naming a model in a type
    hint runs no query against it."""
    found: Set[int] = set()
    for sub in iter_nodes(func):
        annotation = None
        if isinstance(sub, (ast.arg, ast.AnnAssign)):
            annotation = sub.annotation
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotation = sub.returns
        if annotation is not None:
            found.update(id(n) for n in iter_nodes(annotation))
    return found


def _takes_migration_params(func: ast.AST) -> bool:
    args = getattr(func, "args", None)
    if args is None:
        return False
    return any(a.arg in _MIGRATION_PARAMS for a in args.posonlyargs + args.args + args.kwonlyargs)


@check("BR072", ast.FunctionDef, ast.AsyncFunctionDef)
def migration_function_uses(node: ast.AST, ctx: Context) -> None:
    """Record what each top-level function and each method of a migration module does
    with app models; whether it runs during `migrate` is decided when the module ends."""
    if not is_migration_module(ctx):
        return
    parent = ctx.frame.parent
    if parent is None:
        return
    top_level = parent.kind == "module"
    method = parent.kind == "class" and parent.parent is not None and parent.parent.kind == "module"
    if not (top_level or method):
        return  # nested scopes are part of their top-level function's walk
    facts: _MigrationFacts = ctx.frame_fact(_FACT, _migration_facts, ctx.module_frame)
    uses = _function_uses(node, facts, ctx)
    if method:
        for offender, text in uses.offences:  # custom operations run during migrate
            ctx.report("BR072", offender, expr=text)
        return
    uses.root = _takes_migration_params(node)
    facts.functions[getattr(node, "name", "")] = uses


@check("BR072", ast.Call, callees=tuple(_REVERSIBLE_OPERATIONS) + ("get_user_model",))
def migration_entry_points(node: ast.Call, ctx: Context) -> None:
    """The names a `RunPython(...)` call hands over (`RunPython(forwards, backwards)`,
    `RunPython(make_migrator("Product"))`), and `get_user_model()` outside functions."""
    if not is_migration_module(ctx):
        return
    if ctx.frame.kind in ("module", "class") and _is_get_user_model(node, ctx):
        ctx.report("BR072", node, expr=short_source(node, 40))
        return
    if _migration_operation(node, ctx) == "RunPython":
        facts: _MigrationFacts = ctx.frame_fact(_FACT, _migration_facts, ctx.module_frame)
        for arg in list(node.args) + [kw.value for kw in node.keywords]:
            facts.operation_names |= names_in(arg)


@check("BR072", ast.Module, phase="leave")
def model_use_during_migrate(node: ast.Module, ctx: Context) -> None:
    """Report the model imports and `get_user_model()` calls of the functions that run
    during `migrate`: the roots and every module function they read, transitively."""
    if not is_migration_module(ctx):
        return
    facts: Optional[_MigrationFacts] = ctx.module_frame.facts.get(_FACT)
    if facts is None or not facts.functions:
        return
    functions = facts.functions
    pending = [name for name, uses in functions.items() if uses.root or name in facts.operation_names]
    reached: Set[str] = set()
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        pending.extend(n for n in functions[name].loads if n in functions and n not in reached)
    for name in reached:
        for offender, text in functions[name].offences:
            ctx.report("BR072", offender, expr=text)
