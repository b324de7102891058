"""BR07x: Django models and migrations. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR070",
        symbol="irreversible-migration-operation",
        summary="A migration operation cannot be reversed",
        message="`{expr}` has no {reverse}: the migration cannot be unapplied; give a "
        "reverse (or `migrations.RunPython.noop` / `migrations.RunSQL.noop` when undoing "
        "needs nothing)",
        what="In a migration module (`*/migrations/*.py`), finds `migrations.RunPython(...)` "
        "without a `reverse_code` and `migrations.RunSQL(...)` without a `reverse_sql`, "
        "given by keyword or as the second positional argument; an explicit `None` counts "
        "as missing.",
        why="An operation without a reverse makes the whole migration irreversible: "
        "`migrate app 0041` fails with IrreversibleError, so a bad deploy cannot be rolled "
        "back and a developer cannot step back to test a migration again. Most data "
        "migrations can be undone, or need nothing to undo (`RunPython.noop`).",
        bad="""
            from django.db import migrations


            def fill_slugs(apps, schema_editor):
                Product = apps.get_model("shop", "Product")
                for product in Product.objects.filter(slug=""):
                    product.slug = str(product.pk)
                    product.save(update_fields=["slug"])


            class Migration(migrations.Migration):
                dependencies = [("shop", "0001_initial")]
                operations = [migrations.RunPython(fill_slugs)]
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
        notes="Migration modules are recognised by path, not content: a module directly "
        "inside a `migrations/` package (not a subpackage such as `migrations/tasks/`, nor "
        "Django's own `django/db/migrations/`); an operation built in a helper module "
        "elsewhere is not checked. A call that passes "
        "`*args` or `**kwargs` may carry the reverse and stays silent. Only Django's "
        "operations are matched, through the module's imports (`migrations.RunPython`, "
        "`from django.db.migrations import RunSQL`).",
        references=("https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython",),
    ),
    Rule(
        code="BR071",
        symbol="conditional-model-field",
        summary="A model field is defined conditionally",
        message="model field `{field}` is defined under `{condition}`: the schema, and so "
        "the migrations, depend on import-time settings; define the field unconditionally",
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
        notes="Django model fields (resolved under `django.db.models` or `django.contrib`) "
        "count in any class; other `...Field(...)` calls count only in a class that looks "
        "like a model (a base named `...Model`, or a class with a base in a models module) "
        "and never when they "
        "resolve to form, serializer or schema libraries (`django.forms`, `rest_framework`, "
        "`graphene`, `pydantic`, ...), nor in classes whose base names end in `Form`, "
        "`Serializer`, `Admin`, `FilterSet`, `Schema`, `Type` or `Input`, whose fields are "
        "no columns. `if TYPE_CHECKING:` blocks are annotations only and stay silent.",
    ),
    Rule(
        code="BR072",
        symbol="model-import-in-migration",
        summary="A migration uses the app's current models",
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
        "`get_user_model()` call for that case), once.",
        references=("https://docs.djangoproject.com/en/stable/topics/migrations/#historical-models",),
    ),
)
