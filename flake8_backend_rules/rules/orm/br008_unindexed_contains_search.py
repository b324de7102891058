"""BR008 unindexed-contains-search: an `icontains`/`contains` lookup or a DRF search field
searches for a substring, which no B-tree index serves."""
from __future__ import annotations

import ast

from ...astutil import string_value
from ...context import Context
from ...vocabulary import VIEW_BASE_SUFFIXES
from .. import Rule, check

RULE = Rule(
    code="BR008",
    symbol="unindexed-contains-search",
    summary="A substring search scans the whole table",
    message="`{lookup}` is a substring search that no B-tree index serves (a sequential "
    "scan); use full-text search or a trigram index",
    messages={
        # django-filter: `CharFilter(lookup_expr="icontains")`
        "lookup_expr": "`lookup_expr={value!r}` is a substring search that no B-tree index "
        "serves (a sequential scan); use full-text search or a trigram index",
        # DRF: a `search_fields` entry without a prefix
        "search_field": "search field `{field}` is a substring search that no B-tree index "
        "serves (a sequential scan); use full-text search or a trigram index",
    },
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
)

_CONTAINS_SUFFIXES = ("__icontains", "__contains")
_CONTAINS_LOOKUPS = frozenset({"icontains", "contains"})
# DRF's search_fields prefixes: starts-with, exact, full-text, regex.
_SEARCH_PREFIXES = ("^", "=", "@", "$")
# `tags__contains=["a"]`: array or JSON containment, which GIN indexes serve.
_CONTAINER_VALUES = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)


def _in_admin_module(ctx: Context) -> bool:
    path = ctx.filename.replace("\\", "/")
    return path.endswith("admin.py") or "/admin/" in path or path.startswith("admin/")


@check(RULE, ast.Call)
def contains_lookup(node: ast.Call, ctx: Context) -> None:
    """`filter(name__icontains=q)`, `CharFilter(lookup_expr="icontains")`: LIKE '%q%'."""
    for kw in node.keywords:  # the keyword test first: this runs on every call
        arg = kw.arg
        if arg is None:
            continue
        if arg.endswith(_CONTAINS_SUFFIXES):
            if isinstance(kw.value, _CONTAINER_VALUES):
                continue  # array/JSON containment
            if _in_admin_module(ctx):
                return
            ctx.report(RULE, kw, lookup=arg)
        elif arg == "lookup_expr" and string_value(kw.value) in _CONTAINS_LOOKUPS:
            if _in_admin_module(ctx):
                return
            ctx.report(RULE, kw, "lookup_expr", value=string_value(kw.value))


@check(RULE, ast.Assign)
def contains_search_fields(node: ast.Assign, ctx: Context) -> None:
    """DRF `search_fields` entries without a prefix search with `icontains`."""
    frame = ctx.frame
    if frame.kind != "class" or len(node.targets) != 1:
        return
    target = node.targets[0]
    if not isinstance(target, ast.Name) or target.id != "search_fields" or _in_admin_module(ctx):
        return
    if not isinstance(node.value, (ast.List, ast.Tuple)):
        return
    cls = ctx.classes[-1] if ctx.classes else None
    if cls is None or not any(base.endswith(VIEW_BASE_SUFFIXES) for base in cls.base_names):
        return  # a model's own `search_fields` (Oscar, Wagtail) or an admin's are not DRF's
    for entry in node.value.elts:
        text = string_value(entry)
        if text and not text.startswith(_SEARCH_PREFIXES):
            ctx.report(RULE, entry, "search_field", field=text)
