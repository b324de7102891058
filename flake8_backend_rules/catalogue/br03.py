"""BR03x: Data integrity under concurrency. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

_FLOW_NOTE = (
    "The function's flow facts (txflow.py) decide what is inside `transaction.atomic()` "
    "(a `with` block, or `@transaction.atomic`/`@transaction.atomic(...)`/`@atomic`/"
    "`@method_decorator(transaction.atomic)` on the function; a nested function defined "
    "inside an atomic block counts as inside it) and what follows a guard (its `else` "
    "branch and the statements after it, not a sibling branch). BR030-BR032 stay silent "
    "after a `select_for_update()` lock taken earlier in the same transaction (lock the "
    "parent, then read and write its children): requests taking that lock run one at a "
    "time."
)

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR030",
        symbol="read-modify-write",
        summary="A field is read, changed in Python and saved without a lock",
        message="`{field}` is read, changed in Python and saved by `{save}` without a lock: "
        "a concurrent update in between is lost; use "
        "filter(pk=...).update({attr}=F(\"{attr}\") {op} n) or select_for_update()",
        what="Finds `obj.f += n`, `obj.f -= n` and `obj.f = obj.f +/- n` followed later in "
        "the same function by `obj.save(...)` (also `self` in a model's methods), when "
        "`obj` was not fetched with `select_for_update()` in this function. Reported at "
        "the `save()` call.",
        why="Two requests read stock 5, both subtract 1 in Python and both save 4: one sale "
        "is lost and the shop oversells. The database can do the arithmetic atomically "
        "(`F()`), or the row can be locked for the read.",
        bad="""
            from shop.models import Product


            def sell(product_id, quantity):
                product = Product.objects.get(pk=product_id)
                product.stock -= quantity
                product.save()
            """,
        good="""
            from django.db.models import F

            from shop.models import Product


            class OutOfStock(Exception):
                pass


            def sell(product_id, quantity):
                updated = Product.objects.filter(pk=product_id, stock__gte=quantity).update(
                    stock=F("stock") - quantity
                )
                if not updated:
                    raise OutOfStock(product_id)
            """,
        notes="Only rows this function read from the database count: `self` in a model "
        "class, a row fetched in the function, a loop variable over a query run in it. An "
        "instance built in the function (`Model(...)`, `form.save(commit=False)`) is nobody "
        "else's yet, and a parameter is left alone: its caller may hold the lock (real "
        "helpers such as `charge_gift_card(gift_card, ...)` are called on locked rows). A row "
        "locked in the function is silent: fetched or iterated with `select_for_update()`, "
        "or named in a `select_for_update()` query's filter (`select_for_update().get(pk="
        "obj.pk)`). Text and collection deltas (`name += \" (copy)\"`) and `F()` "
        "expressions are not reported, nor a field this function reset first (`self.total "
        "= 0` then `self.total += line.price` in a loop computes the value here). "
        "Migrations are not checked. " + _FLOW_NOTE,
    ),
    Rule(
        code="BR031",
        symbol="check-then-create",
        summary="A row is created after an existence check on the same model",
        message="`{write}` is decided by the check `{check}`: a concurrent request can pass "
        "the same check and create a duplicate; use get_or_create/update_or_create with a "
        "unique constraint, or catch IntegrityError",
        what="Finds an existence check whose outcome decides a create on the same model in "
        "the same function: `if not X.objects.filter(...).exists(): X.objects.create(...)`, "
        "`.count() == 0`, `.first() is None`, the check kept in a local, the create in the "
        "`else` of a positive check, the early-return shape (`if X.objects.filter(...)"
        ".exists(): return` then `X.objects.create(...)`), `try: X.objects.get(...) except "
        "X.DoesNotExist: X.objects.create(...)`, and in a model's own `save()` a check on "
        "that model deciding a field (`if not self.pk and not X.objects.filter(...)"
        ".exists(): self.is_primary = True`) before `super().save()`. Creates are "
        "`create`, `bulk_create`, `X(...).save()` and `obj = X(...); obj.save()`.",
        why="Between the check and the insert another request can run the same check: both "
        "see \"no row\" and both insert. Duplicate subscriptions, two \"primary\" "
        "addresses, a second welcome credit. Only a unique constraint (or a lock) makes "
        "the database refuse the second insert.",
        bad="""
            from shop.models import Subscription


            def subscribe(user, plan):
                if not Subscription.objects.filter(user=user, plan=plan).exists():
                    Subscription.objects.create(user=user, plan=plan)
            """,
        good="""
            from django.conf import settings
            from django.db import models


            class Subscription(models.Model):
                user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
                plan = models.CharField(max_length=20)

                class Meta:
                    constraints = [
                        models.UniqueConstraint(fields=["user", "plan"], name="one_subscription_per_plan"),
                    ]


            def subscribe(user, plan):
                # the constraint makes the database refuse the second insert; get_or_create
                # catches that IntegrityError and returns the row the other request made
                subscription, _ = Subscription.objects.get_or_create(user=user, plan=plan)
                return subscription
            """,
        notes="The check and the create must target the same model: the same manager base "
        "(`X.objects`, `self.addresses`, a local queryset built from one), or in a model's "
        "`save()` that model itself (`X.objects` or `self.__class__.objects`). Silent when "
        "the create is inside `try/except IntegrityError` (or `DatabaseError`), when the "
        "check runs inside `transaction.atomic()` on a queryset with `select_for_update()`, "
        "for capacity checks (`.count() >= n`: only `== 0`, `< 1`, `> 0`, `>= 1` and `!= "
        "0` say whether a row exists) and in migrations. " + _FLOW_NOTE,
    ),
    Rule(
        code="BR032",
        symbol="unlocked-check-then-write",
        summary="A row's state is checked and then written without a lock",
        message="`{row}` is fetched without select_for_update(), checked (`{guard}`) and "
        "then written by `{write}`: a concurrent request can pass the same check; lock the "
        "row inside transaction.atomic() or use a conditional update",
        what="Finds a row fetched without `select_for_update()` (`.get(...)`, `.first()`, "
        "`.last()`, `get_object_or_404(...)`, `self.get_object()`), then a guard on its state "
        "that returns or raises, then an ORM write in the same function, reported at the "
        "first write after the guard. A guard on the state is an ordering comparison "
        "involving the row (`if product.stock < quantity:`, `if account.members.count() >= "
        "account.seats:`), a field compared with a literal or a named constant (`if "
        "order.status != \"pending\":`, `if order.status != Status.PENDING:`) or a truth "
        "test of a field (`if key.revoked:`).",
        why="The guard reads a state that can change before the write: two requests both "
        "see \"pending\" and both charge the card, both see a seat free and both join. The "
        "check and the write must happen under a row lock, or be one conditional UPDATE.",
        bad="""
            from django.shortcuts import get_object_or_404

            from shop.models import Order


            def pay(request, order_id):
                order = get_object_or_404(Order, pk=order_id)
                if order.status != "pending":
                    raise ValueError("order already paid")
                order.status = "paid"
                order.save()
            """,
        good="""
            from django.db import transaction
            from django.shortcuts import get_object_or_404

            from shop.models import Order


            def pay(request, order_id):
                with transaction.atomic():
                    order = get_object_or_404(Order.objects.select_for_update(), pk=order_id)
                    if order.status != "pending":
                        raise ValueError("order already paid")
                    order.status = "paid"
                    order.save()
            """,
        notes="Ownership and permission checks are not guards on state: a field compared "
        "with a non-literal (`order.user != request.user`) or a test on `request.user`; "
        "neither is a test of the row itself (`if order is None`) or of its `pk`/`id`. The "
        "writes that count are query writes (`create`, `update`, `delete`, ...) and "
        "`save()`/`delete()` on a fetched row or an instance built in the function, when "
        "they act on the guarded row: they name it or a name its fetch used "
        "(`filter(pk=product_id).update(...)`, `Payment.objects.create(order=order)`); a "
        "write that only records a time (`update(last_used=timezone.now())`, "
        "`save(update_fields=[\"last_seen_at\"])`) is bookkeeping and does not count. A "
        "conditional update (`filter(pk=..., status=\"pending\").update(status=\"paid\")` "
        "and a check of the row count) needs no fetch and is silent. Django ORM only; "
        "migrations are not checked. " + _FLOW_NOTE,
    ),
    Rule(
        code="BR033",
        symbol="select-for-update-outside-atomic",
        summary="select_for_update() is evaluated outside transaction.atomic()",
        message="`{expr}` runs outside transaction.atomic(): Django raises "
        "TransactionManagementError in autocommit mode; wrap the read and the writes in "
        "`with transaction.atomic():`",
        what="Finds `.select_for_update(` in a function that owns its transaction (a "
        "request handler, a task, a management command's `handle()`) with no enclosing "
        "`with transaction.atomic():`, `@transaction.atomic` (with or without arguments) "
        "or `@atomic`.",
        why="Outside a transaction a row lock would end with the query itself, so Django "
        "refuses: evaluating the queryset raises `TransactionManagementError` in "
        "autocommit mode. The code fails the first time it runs outside a test that wraps "
        "everything in a transaction.",
        bad="""
            from django.http import JsonResponse
            from rest_framework.decorators import api_view

            from shop.models import Product


            @api_view(["POST"])
            def reserve(request, product_id):
                product = Product.objects.select_for_update().get(pk=product_id)
                return JsonResponse({"stock": product.stock})
            """,
        good="""
            from django.db import transaction
            from django.http import JsonResponse
            from rest_framework.decorators import api_view

            from shop.models import Product


            @api_view(["POST"])
            def reserve(request, product_id):
                with transaction.atomic():
                    product = Product.objects.select_for_update().get(pk=product_id)
                    product.stock -= int(request.data["quantity"])
                    product.save()
                return JsonResponse({"stock": product.stock})
            """,
        category="E",
        options=("backend-handler-modules", "backend-task-decorators"),
        notes="Other functions, and private (`_name`) functions of a views module, are "
        "taken to be helpers their callers run inside "
        "`atomic()`: on real code (saleor's checkout, gift-card and payment helpers, "
        "taiga's `ref_uniquely`) every `select_for_update()` outside a visible atomic "
        "block was such a helper, called from an atomic caller, mostly in another module "
        "where a per-function analysis cannot look. For the same reason a function that "
        "hands the locked rows to its caller (returns or yields the locked queryset or "
        "row, directly, through a local or as an argument) is silent, as is one that asks "
        "`connection.in_atomic_block`/`get_autocommit()` itself. `select_for_update()` "
        "chained into `.update()`/`.delete()` is silent: Django drops the lock there and "
        "raises nothing. Wrappers whose name says atomic or transaction "
        "(`traced_atomic_transaction()`, `transaction_with_commit_on_errors()`) count as "
        "atomic blocks. Not seen: `ATOMIC_REQUESTS = True`, which wraps every view. "
        "Migrations (atomic by default) are not checked. " + _FLOW_NOTE,
    ),
    Rule(
        code="BR034",
        symbol="multi-write-without-atomic",
        summary="Several ORM writes in one function outside transaction.atomic()",
        message="`{write}` is write number {n} of this function (the first: `{first}`) "
        "outside transaction.atomic(): a failure in between leaves partial data; wrap "
        "the writes in `with transaction.atomic():`",
        what="Finds two or more Django ORM writes (counted by source location) in one "
        "function outside any atomic block or atomic decorator, and reports each write "
        "after the first.",
        why="If the second write fails (a constraint, a timeout, a deploy), the first is "
        "already committed: an order without its lines, stock taken for a payment that "
        "never happened.",
        bad="""
            from shop.models import Order, OrderLine


            def place_order(customer, product, quantity):
                order = Order.objects.create(customer=customer)
                OrderLine.objects.create(order=order, product=product, quantity=quantity)
                return order
            """,
        good="""
            from django.db import transaction

            from shop.models import Order, OrderLine


            def place_order(customer, product, quantity):
                with transaction.atomic():
                    order = Order.objects.create(customer=customer)
                    OrderLine.objects.create(order=order, product=product, quantity=quantity)
                return order
            """,
        default_on=False,
        category="R",
        notes="Off by default: many functions write twice on purpose (a log row, a "
        "counter) and many run inside a caller's transaction or `ATOMIC_REQUESTS`, which "
        "a per-function analysis cannot see. Writes are query writes and `save()`/"
        "`delete()` on model instances (a fetched row, an instance built here, a "
        "parameter, a loop variable, `self` in a model, `super().save()`). Migrations are "
        "not checked, nor are test modules when `backend-check-tests` is on: Django's "
        "`TestCase` and pytest-django run each test inside a transaction, and fixtures "
        "that create several rows are the norm there. " + _FLOW_NOTE,
    ),
)
