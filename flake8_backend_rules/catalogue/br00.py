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
        "manager method alone (`ContentType.objects.get_for_model(obj)` caches).",
    ),
)
