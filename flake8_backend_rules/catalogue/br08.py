"""BR08x: Maintainability. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR080",
        symbol="print-in-app-code",
        summary="print() in application code",
        message="`{expr}` in application code: {advice}",
        what="Finds calls of the builtin `print(...)` in application code: not in test "
        "modules, `if __name__ == \"__main__\":` blocks, `manage.py` or `scripts/` folders, "
        "nor in other programs (see the notes). Inside a Django management command (a "
        "module under `management/commands/`, or a class based on `BaseCommand`, "
        "`LabelCommand` or `AppCommand`) the message suggests `self.stdout.write`, even in "
        "a command module that is also a program.",
        why="`print` bypasses logging: no level, no logger name, no handler, so the output "
        "is lost or interleaved under gunicorn/celery and cannot be filtered or shipped "
        "to the log aggregator. In services it is usually debugging output left in; in "
        "management commands `self.stdout.write` keeps the output testable "
        "(`call_command(..., stdout=buffer)`).",
        bad="""
            def apply_discount(order, code):
                print("applying", code, "to", order.pk)
                order.total = order.total * 0.9
            """,
        good="""
            import logging

            logger = logging.getLogger(__name__)


            def apply_discount(order, code):
                logger.debug("applying %s to order %s", code, order.pk)
                order.total = order.total * 0.9
            """,
        notes="Programs print their output, so these are silent too: `setup.py`, "
        "`__main__.py`, modules in `bin/` folders, modules with an `if __name__ == "
        "\"__main__\":` block (all their prints), command-line modules (importing argparse, "
        "optparse, click, typer, docopt or fire), modules made of top-level statements only "
        "(`print(make_key())`), prints running straight into `sys.exit(...)` or `raise "
        "SystemExit` (a program's last words), test-support folders (`test/`, `testing/`), hidden tool "
        "folders (`.github/`, `.claude/`), and functions whose name says they print "
        "(`print_*`, `show_*`, `display_*`, `pprint*`, `echo*`). A `print` that is not the "
        "builtin (imported, or a module-level `def print`) is not matched.",
    ),
    Rule(
        code="BR081",
        symbol="singleton-via-new",
        summary="A singleton built by caching the instance in __new__",
        message="`{cls}.__new__` caches its instance on the class: a hand-built singleton; "
        "use a module-level instance or functools.cache on a factory",
        what="Finds a `__new__` method that stores a freshly created instance "
        "(`super().__new__(cls)`, `object.__new__(cls)`, or a local holding one) on the "
        "class (`cls._instance = ...`, `cls._instances[key] = ...`, `setattr(cls, ...)`, "
        "`cls._instances.setdefault(...)`) or in a module-level dict of instances.",
        why="The cached instance is hidden global state: `__init__` still runs on every "
        "`Config()` call and resets it, tests cannot get a fresh object, and subclasses "
        "share or clobber the slot. A module-level instance (or `functools.cache` on a "
        "factory function) says the same with no machinery.",
        bad="""
            class Config:
                _instance = None

                def __new__(cls):
                    if cls._instance is None:
                        cls._instance = super().__new__(cls)
                    return cls._instance
            """,
        good="""
            import functools


            class Config:
                pass


            @functools.cache
            def get_config():
                return Config()
            """,
        category="R",
        notes="A `__new__` that only builds and returns the instance, or stores something "
        "other than the instance, is silent.",
    ),
    Rule(
        code="BR082",
        symbol="delegating-wrapper",
        summary="A method only forwards to another method",
        message="method `{name}` only returns `{target}(...)` with its own parameters: a "
        "second name for the same behaviour; call `{target}` directly",
        what="Finds methods whose whole body (after a docstring) is `return "
        "<self|cls|ClassName>.<other>(...)` (or `return await ...`) passing the method's "
        "own parameters unchanged and in order (positionally or as `name=name`; "
        "`*args, **kwargs` included; none when the method has none).",
        why="A wrapper that adds nothing is one more name to learn and one more hop to "
        "read; callers split between the two names and the wrapper's signature drifts "
        "from the real one.",
        bad="""
            class Cart:
                def total(self, currency):
                    return sum(line.price(currency) for line in self.lines)

                def get_total(self, currency):
                    return self.total(currency)
            """,
        good="""
            class Cart:
                def total(self, currency):
                    return sum(line.price(currency) for line in self.lines)
            """,
        default_on=False,
        category="R",
        notes="Off by default: on framework and application code (Django, DRF, Wagtail, "
        "django-oscar, Saleor, NetBox, Taiga) almost every match is a deliberate extension "
        "point, a method a framework calls or subclasses override whose default is another "
        "method (`def post(...): return self.create(...)`, `def prepare_default(self, "
        "value): return self.quote_value(value)`), which no syntax tells apart from an "
        "alias; see the README's real-code figures. When enabled it stays narrow: the "
        "target must be a method defined in the same class body (not an inherited method "
        "or a callable attribute such as `self.model()`), and it skips dunder methods, "
        "properties and decorated methods, delegation to a method of the same name "
        "(super-style), to a private method (`open` -> `_open`, the template-method "
        "pattern), between async twins (`aload` -> `load`), and HTTP-verb/viewset-action "
        "methods (`get`, `post`, `list`, `create`...). Passing anything else (a constant, a "
        "reordered or dropped parameter, `self.x`) makes it an adapter, not a wrapper.",
    ),
    Rule(
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
    ),
    Rule(
        code="BR084",
        symbol="mixed-optional-syntax",
        summary="A module mixes Optional/Union with X | Y",
        message="`{expr}` uses {style} while this module {relation} {common} ({counts}); "
        "spell unions one way",
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
    ),
    Rule(
        code="BR085",
        symbol="status-tuple-return",
        summary="A function returns a (success, ...) status tuple",
        message="`{name}` {how}: callers must unpack and check a flag; return a result "
        "object or raise an exception",
        what="Finds functions annotated `-> tuple[bool, X, ...]` (or `Tuple[bool, ...]`) "
        "and functions with two or more `return True, ...` / `return False, ...` tuples "
        "of the same length.",
        why="`ok, error, value = add_item(...)` makes every caller check a flag, and a "
        "caller that forgets (or unpacks in the wrong order) fails silently; an "
        "exception, or a small result object, cannot be ignored by accident.",
        bad="""
            def add_item(cart, sku):
                if not sku:
                    return False, "missing sku"
                cart.add(sku)
                return True, ""
            """,
        good="""
            class InvalidSku(ValueError):
                pass


            def add_item(cart, sku):
                if not sku:
                    raise InvalidSku("missing sku")
                cart.add(sku)
            """,
        category="R",
        notes="Tuples of flags only are two answers, not a status and a payload, and are "
        "silent: `tuple[bool, ...]` with a literal `...`, `tuple[bool, bool]`, and returns "
        "whose every element is visibly a bool (`return True, hasattr(mod, \"__path__\")`). "
        "So are single-element tuples, tuples whose flag is not the first element "
        "(`(obj, created)`), a single status return, returns of different lengths, and "
        "`deconstruct()`, whose tuple shape Django's migration serializer fixes.",
    ),
)
