"""Every rule's metadata, declared once.

The registry drives the flake8 plugin (codes, default-ignore of opt-in rules), the pylint
checker (message ids, symbols, options), the generated rule pages, the README table and
``python -m flake8_backend_rules list``. Rule *logic* lives in ``rules/``; a check is tied
to its metadata by the code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

PYLINT_CHECKER_NUMBER = "59"  # one external checker number for every message (51-99)

FAMILIES = {
    "BR00": "Query efficiency",
    "BR01": "Configuration and settings",
    "BR02": "Error handling",
    "BR03": "Data integrity under concurrency",
    "BR04": "Blocking work in the request path",
    "BR05": "Security",
    "BR06": "API design",
    "BR07": "Django models and migrations",
    "BR08": "Maintainability",
}


@dataclass(frozen=True)
class Rule:
    code: str
    symbol: str
    summary: str
    message: str  # str.format template; the fields are the rule's own
    what: str
    why: str
    bad: str
    good: str
    default_on: bool = True
    category: str = "W"  # pylint category letter
    options: Tuple[str, ...] = ()
    notes: str = ""  # extra doc text: exceptions, precision choices
    references: Tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return FAMILIES[self.code[:4]]

    @property
    def pylint_id(self) -> str:
        return f"{self.category}{PYLINT_CHECKER_NUMBER}{self.code[-2:]}"

    def format(self, **fields: object) -> str:
        try:
            return self.message.format(**fields)
        except (KeyError, IndexError, ValueError):
            return self.summary


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n") + "\n"


_RULES = (
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
    Rule(
        code="BR010",
        symbol="env-read-outside-settings",
        summary="The environment is read outside settings modules",
        message="environment read `{expr}` outside settings; read it once in settings "
        "(validated, with a default) and import the setting",
        what="Finds `os.getenv(...)`, `os.environ.get(...)`, `os.environ[...]` reads and "
        "`\"X\" in os.environ` outside settings modules (see `backend-settings-modules`), "
        "resolved through imports (`from os import environ`, `from os import getenv as "
        "ge`).",
        why="Configuration read ad hoc in routers and services is unvalidated, has no "
        "single default, is hard to override in tests and impossible to audit.",
        bad="""
            import os


            def payment_client():
                return Client(api_key=os.getenv("STRIPE_KEY"))
            """,
        good="""
            from django.conf import settings


            def payment_client():
                return Client(api_key=settings.STRIPE_KEY)
            """,
        options=("backend-settings-modules",),
        notes="Writes (`os.environ[\"X\"] = v`), `os.environ.setdefault(...)` as in "
        "`manage.py`/`wsgi.py`, and `os.environ.copy()` for a subprocess are silent. So "
        "are the process entry points `manage.py`, `wsgi.py` and `asgi.py`, which wire the "
        "environment up like settings do, and reads of the process's own variables "
        "(`PATH`, `HOME`, `TERM`, `LANG`, shell-completion `COMP_*`, ...) and of "
        "`DJANGO_SETTINGS_MODULE`, which points at the settings and cannot come from them "
        "(a module-level constant naming one counts too).",
    ),
    Rule(
        code="BR020",
        symbol="swallowed-exception",
        summary="A broad exception handler swallows the failure",
        message="`{handler}` swallows the exception: it neither re-raises, logs nor uses "
        "it; log it with logger.exception(...) or catch something narrower",
        what="Finds broad handlers (`except Exception`, `except BaseException`, bare "
        "`except:`, or a tuple containing one of those) whose body neither re-raises, nor "
        "logs (a call on `logger`, `log`, `logging`, a name ending in `logger`, "
        "`capture_exception`, `warnings.warn`, `traceback.print_exc`, or a configured "
        "error reporter), nor uses the bound exception.",
        why="A swallowed exception turns a failure into silence: the security notification "
        "that never went out was hidden by `except Exception: pass`.",
        bad="""
            def notify(user):
                try:
                    send_security_alert(user)
                except Exception:
                    pass
            """,
        good="""
            import logging

            logger = logging.getLogger(__name__)


            def notify(user):
                try:
                    send_security_alert(user)
                except Exception:
                    logger.exception("security alert failed for user %s", user.pk)
            """,
        options=("backend-error-reporters",),
    ),
    Rule(
        code="BR021",
        symbol="exception-leaked-to-client",
        summary="Exception text is sent to the client",
        message="exception text `{expr}` is sent to the client; log the exception and "
        "return a generic message",
        what="Finds broad handlers binding the exception (`except Exception as e`) that "
        "put its text (`str(e)`, `repr(e)`, `f\"...{e}\"`, `\"%s\" % e`, `.format(e)`, "
        "`e.args`, `traceback.format_exc()`) into a `return` value, into a call whose "
        "callee ends in `Response`/`response`/`jsonify`/`abort`, or into "
        "`HTTPException(...)`/`APIException(...)`.",
        why="Exception text leaks internals (SQL, file paths, hostnames, stack details) "
        "to whoever calls the API, and makes error messages part of the API by accident.",
        bad="""
            def add_item(cart, sku):
                try:
                    cart.add(sku)
                except Exception as e:
                    return False, f"Error adding item: {str(e)}"
            """,
        good="""
            import logging

            logger = logging.getLogger(__name__)


            def add_item(cart, sku):
                try:
                    cart.add(sku)
                except Exception:
                    logger.exception("adding %s to cart %s failed", sku, cart.pk)
                    raise
            """,
        notes="Narrow handlers (`except ValueError as e: return str(e)`) are often a "
        "deliberate validation message and stay silent; so does text that is only logged.",
    ),
)

RULES: Dict[str, Rule] = {rule.code: rule for rule in _RULES}
RULES_BY_SYMBOL: Dict[str, Rule] = {rule.symbol: rule for rule in _RULES}

# Normalise the examples once so every consumer sees the same text.
for _rule in _RULES:
    object.__setattr__(_rule, "bad", _dedent(_rule.bad))
    object.__setattr__(_rule, "good", _dedent(_rule.good))

DEFAULT_OFF = tuple(code for code, rule in RULES.items() if not rule.default_on)
