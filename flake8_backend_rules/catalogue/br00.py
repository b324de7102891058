"""BR00x: Query efficiency. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR001",
        symbol="query-in-property",
        summary="A property runs a database query",
        message="property `{prop}` runs a query{via}: `{expr}`; serializing N objects runs N "
        "queries (annotate or prefetch in the queryset, or make it a method)",
        what="Finds `@property` and `@cached_property` getters whose body runs a query "
        "expression, or reads another property of the same class that does "
        "(`tax_amount` -> `self.subtotal` -> `self.items.all()`, reported as "
        "\"via self.subtotal\").",
        why="A property looks like a plain attribute, so templates and serializers read it "
        "once per object: a list of N objects silently runs N extra queries per property "
        "(the cart view that ran 4+ queries, the product list that ran N+1).",
        bad="""
            from django.db import models


            class Order(models.Model):
                @property
                def subtotal(self):
                    return sum(i.price for i in self.items.all())
            """,
        good="""
            from django.db import models
            from django.db.models import F, Sum


            class OrderQuerySet(models.QuerySet):
                def with_subtotal(self):
                    return self.annotate(subtotal=Sum(F("items__price")))


            class Order(models.Model):
                objects = OrderQuerySet.as_manager()
            """,
        notes="A property that only reads plain attributes, or iterates `self.items` "
        "without a manager call, is silent. The same body in a plain method is not this "
        "rule's business. Inside properties this rule takes precedence over BR003. "
        "Only classes whose instances are listed row by row are checked: classes in a "
        "models module (`*models.py`, `*/models/*.py`), classes with a base named "
        "`...Model`, and any class whose property queries a related manager of `self` "
        "(`self.items.all()`). A cached property on a connection, features, view, form, "
        "serializer or admin object runs once per object and is not reported. A queryset "
        "built into a local is reported where it is evaluated or returned, not at each "
        "building step.",
    ),
    Rule(
        code="BR002",
        symbol="query-in-loop",
        summary="A query runs once per loop iteration (N+1)",
        message="{detail}",
        what="Finds query expressions inside a `for` loop or comprehension body that depend "
        "on the loop target, directly or through a local derived from it in the loop. "
        "When the loop's iterable visibly carries `prefetch_related(\"<rel>\")` or "
        "`Prefetch(\"<rel>\", ...)` in the same function, `.all()`, `.count()` and "
        "`.exists()` on `<loopvar>.<rel>` are served from the prefetch cache and stay "
        "silent, while `.filter()`, `.order_by()`, `.first()` and friends bypass the cache "
        "and are reported as such.",
        why="One query per row is the classic N+1: 100 products means 101 round-trips, "
        "and the page gets slower as the data grows.",
        bad="""
            from shop.models import Price


            def price_list(products):
                return [Price.objects.get(sku=p.sku) for p in products]
            """,
        good="""
            from shop.models import Price


            def price_list(products):
                prices = Price.objects.in_bulk([p.sku for p in products], field_name="sku")
                return [prices[p.sku] for p in products]
            """,
        notes="Silent for queries that do not depend on the loop target, for `while` "
        "loops (polling workers), for writes (BR005's business: `save()`, `create()`, "
        "`update()`, `delete()`, SQL `INSERT/UPDATE/DELETE`), for loops over a literal "
        "list/tuple/set, and in migration modules. Also silent, because they are not "
        "one query shape repeated per row: a batch of different statements (`for sql in "
        "statements: cursor.execute(sql)`); a manager chain whose model varies with the "
        "loop (`for model, ids in by_model: model.objects.in_bulk(ids)`, one query per "
        "table); a lazy queryset that is only built (a bare `qs.filter(...)` statement, "
        "or one kept in a local: it is reported where the local is evaluated); a custom "
        "manager method alone (`ContentType.objects.get_for_model(obj)` caches); an `EXECUTE` "
        "of a prepared statement that the function prepares as a write (BR005's) or "
        "whose `PREPARE` is not in sight; a queryset passed straight to another query's "
        "filter (a subquery, part of that query); a query memoized under a guard that skips "
        "known keys (`if key not in cache: cache[key] = ...`: once per distinct key); a lazy "
        "SQLAlchemy `Query` kept in a local (`q = session.query(...)`, run later).",
    ),
    Rule(
        code="BR003",
        symbol="python-side-aggregation",
        summary="Query rows are aggregated in Python",
        message="{how} over the rows of `{expr}` fetches every row to compute one value; "
        "use {fix} in the query",
        what="Finds `sum(...)`, `max(...)` and `min(...)` over the rows of a Django queryset "
        "(`sum(i.quantity for i in order.items.all())`, `max(qs.values_list(\"price\", "
        "flat=True))`), and `for` loops over one whose body only accumulates "
        "(`for i in self.items.all(): total += i.price * i.quantity`, reported at the `+=`).",
        why="The database returns one number with `aggregate(Sum(...))` or `annotate(...)`; "
        "summing in Python fetches and builds a model instance for every row first, which "
        "grows with the data.",
        bad="""
            def order_total(order):
                return sum(i.price * i.quantity for i in order.items.all())
            """,
        good="""
            from django.db.models import F, Sum


            def order_total(order):
                return order.items.aggregate(total=Sum(F("price") * F("quantity")))["total"]
            """,
        notes="The rows must be a queryset evaluated only for the aggregation: an inline "
        "chain, or a local bound to one and read nowhere else in the function (a list, or "
        "`.values_list()` results also iterated, indexed, passed on or returned, were "
        "fetched for another use and are silent). A loop is reported only when its body "
        "does nothing but accumulate (assignments, `if`, `+=`/`-=` into a local initialised "
        "to a number before the loop): a loop that also renders, appends or calls needs "
        "the rows anyway. Silent inside properties (BR001 reports the query there) and on "
        "a relation prefetched for the enclosing loop (summing the prefetch cache costs no "
        "query), and in migrations (Django's and Alembic's: one-off backfills). Only sums "
        "of the row's own columns are reported (`line.price * line.quantity`, a constant "
        "for counting): a value Python computes per row (a dict lookup, a method call, "
        "another object's attribute) is not something `aggregate()` could compute.",
    ),
    Rule(
        code="BR004",
        symbol="queryset-evaluated-for-size",
        summary="A queryset is fetched only to measure or test it",
        message="{how} fetches every row of `{expr}` only to {purpose}; use `{fix}`",
        what="Finds `len(<queryset>)` (use `.count()`) and `bool(<queryset>)`, "
        "`not <queryset>` and `if <queryset>:` (use `.exists()`) where the queryset is an "
        "inline Django chain ending in a queryset-returning method (`all filter exclude "
        "order_by annotate values values_list distinct` or a builder) or a local bound to "
        "one that has no other use in the function.",
        why="Evaluating a queryset loads and builds every row; `.count()` and `.exists()` ask "
        "the database for one number or one row instead.",
        bad="""
            from shop.models import Order


            def has_open_orders(customer):
                return bool(Order.objects.filter(customer=customer, status="open"))
            """,
        good="""
            from shop.models import Order


            def has_open_orders(customer):
                return Order.objects.filter(customer=customer, status="open").exists()
            """,
        notes="A local that is also iterated, indexed, passed on, returned, or read in a "
        "nested function needs its rows anyway (the first evaluation fills the queryset's "
        "cache), so `len()` on it is right and silent; so is a local with several "
        "measuring uses, or one bound anywhere to something else than a queryset. Silent "
        "for single rows (`.first()`, `.get()`, `session.get`, `.scalar()`), for the "
        "results of `.exists()`, `.count()` and `.update()`, for SQLAlchemy lists "
        "(`session.scalars(...).all()`), for a relation prefetched for the enclosing "
        "loop, and in migrations. `if`/`not` findings are reported at the tested queryset, `len()`/`bool()` "
        "findings at the call.",
    ),
    Rule(
        code="BR005",
        symbol="write-in-loop",
        summary="A database write runs once per loop iteration",
        message="{detail}",
        what="Finds per-row writes in a `for` loop or comprehension body: `<x>.save()` and "
        "`<x>.delete()` on the loop target (or a local derived from it), `create`, "
        "`get_or_create`, `update_or_create`, `update` and `delete` query chains that depend "
        "on the loop target, `session.execute(update(...)/insert(...)/delete(...))` and "
        "`cursor.execute` of literal INSERT/UPDATE/DELETE text (or an `EXECUTE` of a "
        "statement the function `PREPARE`s as one) that depend on it, and "
        "`session.commit()` in the loop body.",
        why="One write per row is one round-trip (and, with autocommit, one transaction) per "
        "row: importing 10,000 rows runs 10,000 statements where `bulk_create`, "
        "`bulk_update` or one `update()` run one.",
        bad="""
            def deactivate(products):
                for product in products:
                    product.active = False
                    product.save()
            """,
        good="""
            from shop.models import Product


            def deactivate(products):
                for product in products:
                    product.active = False
                Product.objects.bulk_update(products, ["active"])
            """,
        notes="Silent in migration modules, in `while` loops (chunked batch jobs), for "
        "`session.add(x)` (that is batching), for `bulk_create`/`bulk_update` in a loop "
        "(one statement per batch), for `__in` batches (`filter(id__in=chunk).update(...)`), "
        "for writes that do not depend on the loop target, for `save(commit=False)` (a "
        "form building an unsaved instance) and for `save(...)`/`delete(...)` with "
        "positional arguments (files, images, caches, storages) or keywords `Model.save()`/"
        "`delete()` do not take (`page.delete(user=u)`, `file.delete(save=False)`: an "
        "overriding method or another API). Also silent, because the per-row write is a "
        "deliberate choice there: forms and formsets (`form.save()`, "
        "`form.instance.delete()`, the instances `formset.save(commit=False)` returns: no "
        "bulk form API); a loop that also runs the row's own "
        "methods (`obj.snapshot()`, `obj.full_clean()`: per-object logic bulk_update would "
        "skip); a function that takes a `bulk` flag or bulk-writes itself; a write or commit "
        "inside a per-item `with transaction.atomic():`, or inside a `try` in the loop "
        "whose handler carries on (per-item writes that isolate "
        "failures, which a bulk write cannot); a write in a block "
        "that ends with `return`/`break`/`raise` (it runs once); a manager chain whose "
        "model varies with the loop (one statement per table); objects from "
        "`serializers.deserialize(...)` (loaddata); modules that import Alembic (revisions "
        "and the migration environment). "
        "BR002 never reports a write: this rule owns them.",
    ),
    Rule(
        code="BR006",
        symbol="query-in-serializer-method",
        summary="A serializer method field runs a query per object",
        message="`{method}()` runs `{expr}` for every serialized object; annotate or "
        "prefetch it in the view's queryset",
        what="Finds queries in `get_<field>(self, obj)` methods of classes whose base name "
        "ends in `Serializer` that depend on the object (the second parameter, whatever its "
        "name, or a local derived from it): `obj.items.count()`, "
        "`Review.objects.filter(product=obj).exists()`.",
        why="DRF calls the method once per row: a list endpoint of 50 objects runs 50 extra "
        "queries per method field.",
        bad="""
            from rest_framework import serializers


            class ProductSerializer(serializers.ModelSerializer):
                review_count = serializers.SerializerMethodField()

                def get_review_count(self, obj):
                    return obj.reviews.count()
            """,
        good="""
            from rest_framework import serializers


            class ProductSerializer(serializers.ModelSerializer):
                # the view's queryset: Product.objects.annotate(review_count=Count("reviews"))
                review_count = serializers.IntegerField(read_only=True)
            """,
        notes="Only methods with exactly two positional parameters are checked, and DRF's "
        "own `get_*` hooks (`get_fields`, `get_attribute`, `get_value`, "
        "`get_validators`...) are not method fields. `obj.<rel>.all()` alone (iterating a "
        "relation) is silent: a `prefetch_related` in the view, which this rule cannot see, "
        "serves it from the cache and is the DRF idiom; `.filter()`, `.order_by()`, "
        "`.first()`, `.values_list()` and friends bypass that cache, and `.count()`/"
        "`.exists()` are cured by annotating, so they are reported. A queryset built into a "
        "local is reported where it is evaluated.",
    ),
    Rule(
        code="BR007",
        symbol="ordering-without-index",
        summary="A model's default ordering leads with an unindexed date field",
        message="`{model}.Meta.ordering` sorts every query by {fields} with no index; add "
        "`db_index=True` or a `Meta.indexes` entry",
        what="Finds a Django model whose `Meta.ordering` leads with a date or date-time "
        "field (`created_at`, `-published_at`) declared in the same class without "
        "`db_index=True`, `unique=True` or `primary_key=True`, and that is not the first "
        "field of an entry of `Meta.indexes`, `index_together`, `unique_together` or a "
        "`UniqueConstraint`.",
        why="Default ordering applies to every query of the model, admin lists and "
        "paginated APIs included: without an index the database sorts the whole table "
        "for each of them.",
        bad="""
            from django.db import models


            class Article(models.Model):
                title = models.CharField(max_length=200)
                published_at = models.DateTimeField()

                class Meta:
                    ordering = ["-published_at"]
            """,
        good="""
            from django.db import models


            class Article(models.Model):
                title = models.CharField(max_length=200)
                published_at = models.DateTimeField(db_index=True)

                class Meta:
                    ordering = ["-published_at"]
            """,
        notes="Only the leading entry counts: it decides whether an index can serve the "
        "ORDER BY, later entries only break ties. Only date and date-time fields are "
        "reported: time-ordered tables (events, logs, lines, history) are the ones that grow "
        "without bound, while a name, position, weight or code leads the ordering of "
        "configuration and lookup tables and of inline children read through their "
        "parent's foreign key, which have few rows to sort (on real code, nearly every "
        "finding of that kind was judged not worth an index; see the README). Ignores `?`, `pk`, `id`, lookups through "
        "relations (`__`), expressions other "
        "than `F(\"field\")`, and fields not declared in the class itself (inherited ones "
        "may be indexed where they are declared). A unique constraint's index counts like "
        "any other. Reported at the `ordering` assignment.",
    ),
    Rule(
        code="BR008",
        symbol="unindexed-contains-search",
        summary="A substring search scans the whole table",
        message="{detail} is a substring search that no B-tree index serves (a sequential "
        "scan); use full-text search or a trigram index",
        what="Finds `__icontains`/`__contains` lookups in calls (`filter(name__icontains=q)`, "
        "`Q(...)`), django-filter `lookup_expr=\"icontains\"`, and DRF `search_fields` "
        "entries without a `^`, `=`, `@` or `$` prefix (on a class whose base name ends in "
        "`View`, `ViewSet`, `APIView` or `Mixin`: a model's own `search_fields` is not "
        "DRF's).",
        why="`LIKE '%term%'` cannot use an ordinary index: every search reads the whole "
        "table, which is fine for 1,000 rows and an outage for 10 million.",
        bad="""
            from shop.models import Product


            def search(term):
                return Product.objects.filter(name__icontains=term)
            """,
        good="""
            from django.contrib.postgres.search import SearchVector

            from shop.models import Product


            def search(term):
                return Product.objects.annotate(search=SearchVector("name")).filter(search=term)
            """,
        default_on=False,
        category="C",
        notes="Off by default: small tables and admin-only searches are fine, and only the "
        "team knows its table sizes and indexes (a trigram GIN index does serve "
        "`icontains`). Silent in `admin.py` modules and `...Admin` classes, and for "
        "`__contains` with a list, tuple, set or dict value (array/JSON containment, which "
        "GIN indexes serve).",
    ),
)
