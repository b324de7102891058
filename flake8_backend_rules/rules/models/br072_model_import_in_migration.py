"""BR072 model-import-in-migration: code that runs during `migrate` uses an app's current
models (an import, or `get_user_model()`) instead of the historical ones.

Which code runs during `migrate`: the functions handed to `RunPython` (their names appear
in its arguments), functions taking `apps`/`schema_editor`, methods of classes defined in
the migration (custom operations), and the module's functions those call. Other module
functions (NetBox's `objectchange_migrators`, run later by the application with today's
models) are not migration code.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple, Union

from ...astutil import call_name, dotted_name, iter_nodes, names_in, short_source
from ...context import Context, FactKey, Frame
from .. import Rule, check
from ._migrations import migration_operation, replaced_by_squash

RULE = Rule(
    code="BR072",
    symbol="model-import-in-migration",
    summary="A migration uses the app's current models",
    default_on=False,
    precision="Off by default. Read blind: 14 of 23 findings true on five unseen projects (most "
    "false ones were migrations behind a squash, now silent), then 14 of 30 (47%) on "
    "three more, where a project's own migration bookkeeping models are imported by "
    "design. Verdicts: docs/evaluation/2026-12-04-blind-stable-rules.md, "
    "2026-12-04-blind-round2-misc.md.",
    message="`{expr}` in a migration: the code uses today's model, not the historical "
    "one; use `apps.get_model(...)` in the migration's functions",
    what="In a migration module, finds imports of an application's models (`from "
    "shop.models import Product`, `import shop.models`, `from shop import models`) "
    "read by code that runs during `migrate`, or imported there, names from "
    "`django.contrib.*.models` used the same way, and calls of `get_user_model()`. "
    "Code that runs during `migrate`: the functions named in `RunPython(...)`'s "
    "arguments, functions taking `apps` or `schema_editor`, methods of classes "
    "defined in the migration (custom operations) and every module function they "
    "read; `get_user_model()` counts at module and class level too.",
    why="A migration runs against the schema as it was when the migration was written; "
    "the model class in `models.py` describes the schema as it is today. A RunPython "
    "function using it queries columns that do not exist yet (or no longer), so the "
    "migration breaks on a fresh database months later. `apps.get_model(\"shop\", "
    "\"Product\")` returns the historical model.",
    bad="""
        from django.db import migrations

        from shop.models import Product


        def fill_slugs(apps, schema_editor):
            for product in Product.objects.filter(slug=""):
                product.slug = str(product.pk)
                product.save(update_fields=["slug"])


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [migrations.RunPython(fill_slugs, migrations.RunPython.noop)]
        """,
    good="""
        from django.db import migrations


        def fill_slugs(apps, schema_editor):
            Product = apps.get_model("shop", "Product")
            for product in Product.objects.filter(slug=""):
                product.slug = str(product.pk)
                product.save(update_fields=["slug"])


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [migrations.RunPython(fill_slugs, migrations.RunPython.noop)]
        """,
    notes="`django.db.models` (and `django.contrib.gis.db.models`), `django.conf.settings` "
    "and other `django.` imports are fine. Imports that only the operations read, as "
    "`makemigrations` writes them (`import shop.models` for `managers=[...]`, "
    "`default=shop.models.make_code`, `bases=(...)`), are fine: they pin the migration "
    "to importable names, not to the current schema. A local that shadows the import "
    "(`ContentType = apps.get_model(\"contenttypes\", \"ContentType\")`) and names "
    "used only in annotations are fine. Module functions the operations never reach "
    "(NetBox's `objectchange_migrators`, called later by the application) use today's "
    "models by design. For this family a migration is a module directly inside its "
    "`migrations/` package: subpackages (Saleor's `migrations/tasks/`) and Django's "
    "own `django/db/migrations/` are not. The import is reported (the "
    "`get_user_model()` call for that case), once. Silent in a migration a squashed migration `replaces` (a fact of the "
    "project model: Django never runs it again where the squash is applied)",
    references=("https://docs.djangoproject.com/en/stable/topics/migrations/#historical-models",),
)

_MIGRATION_PARAMS = frozenset({"apps", "schema_editor"})


class _ModelImport:
    """An import of an app's models in a migration module, and how its uses look."""

    __slots__ = ("stmt", "source", "names", "prefixes")

    def __init__(self, stmt: ast.stmt, source: str) -> None:
        self.stmt = stmt
        self.source = source
        self.names: Set[str] = set()  # bound names read as `Name`
        self.prefixes: Set[str] = set()  # `import shop.models`: uses read as `shop.models.X`


def _is_app_models_module(dotted: str) -> bool:
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
            if not _is_app_models_module(alias.name):
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
        if _is_app_models_module(module) or (alias.name == "models" and _is_app_models_module(full)):
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


_MIGRATION_FACTS: FactKey[_MigrationFacts] = FactKey("br072.migration_facts")


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
    """The import as the message quotes it: `from shop.models import Product`."""
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


def _known_non_model(name: str, ctx: Context) -> bool:
    """The project model knows the imported name is no model: a constant, a function or
    another class of a project module (`from shop.models import DEFAULT_CURRENCY`). A
    name it cannot see (another package's models) is judged as before."""
    project = ctx.project
    dotted = ctx.project_name(name) if project is not None else None
    if project is None or dotted is None or not project.knows_module_of(dotted) or dotted in project.modules:
        return False  # unknown to the model, or a whole models module (`from shop import models`)
    found = project.resolve_class(dotted)
    if found is not None and found[0].module != dotted.rpartition(".")[0]:
        return project.model(dotted) is None  # a re-exported class: judge the class
    return project.model(dotted) is None


def _is_get_user_model(call: ast.Call, ctx: Context) -> bool:
    if call_name(call) != "get_user_model":
        return False
    resolved = ctx.resolve(call.func)
    return resolved is not None and resolved.endswith("get_user_model")


def _function_uses(func: ast.AST, facts: _MigrationFacts, ctx: Context) -> _FunctionUses:
    """One walk of a top-level function: model imports it reads (a local
    `ContentType = apps.get_model(...)` shadows the import), model imports it makes, the
    `get_user_model()` calls it makes, and the names it reads."""
    uses = _FunctionUses()
    names: Dict[str, _ModelImport] = {}
    prefixes: List[Tuple[str, _ModelImport]] = []
    for model_import in facts.imports:
        names.update((name, model_import) for name in model_import.names if not _known_non_model(name, ctx))
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


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef)
def migration_function_uses(node: ast.AST, ctx: Context) -> None:
    """Record what each top-level function and each method of a migration module does
    with app models; whether it runs during `migrate` is decided when the module ends."""
    if not ctx.kind.migration:
        return
    parent = ctx.frame.parent
    if parent is None:
        return
    top_level = parent.kind == "module"
    method = parent.kind == "class" and parent.parent is not None and parent.parent.kind == "module"
    if not (top_level or method):
        return  # nested scopes are part of their top-level function's walk
    facts = ctx.frame_fact(_MIGRATION_FACTS, _migration_facts, ctx.module_frame)
    uses = _function_uses(node, facts, ctx)
    if method:
        for offender, text in uses.offences:  # custom operations run during migrate
            ctx.report(RULE, offender, expr=text)
        return
    uses.root = _takes_migration_params(node)
    facts.functions[getattr(node, "name", "")] = uses


@check(RULE, ast.Call, callees=("RunPython", "get_user_model"))
def migration_entry_points(node: ast.Call, ctx: Context) -> None:
    """The names a `RunPython(...)` call hands over (`RunPython(forwards, backwards)`,
    `RunPython(make_migrator("Product"))`), and `get_user_model()` outside functions."""
    if not ctx.kind.migration:
        return
    if ctx.frame.kind in ("module", "class") and _is_get_user_model(node, ctx) and not replaced_by_squash(ctx):
        ctx.report(RULE, node, expr=short_source(node, 40))
        return
    if migration_operation(node, ctx) == "RunPython":
        facts = ctx.frame_fact(_MIGRATION_FACTS, _migration_facts, ctx.module_frame)
        for arg in list(node.args) + [kw.value for kw in node.keywords]:
            facts.operation_names |= names_in(arg)


@check(RULE, ast.Module, phase="leave")
def model_use_during_migrate(node: ast.Module, ctx: Context) -> None:
    """Report the model imports and `get_user_model()` calls of the functions that run
    during `migrate`: the roots and every module function they read, transitively."""
    if not ctx.kind.migration or replaced_by_squash(ctx):
        return
    facts: Optional[_MigrationFacts] = ctx.module_frame.facts.get(_MIGRATION_FACTS)
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
            ctx.report(RULE, offender, expr=text)
