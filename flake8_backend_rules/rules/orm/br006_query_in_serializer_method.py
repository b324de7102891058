"""BR006 query-in-serializer-method: a `get_<field>(self, obj)` method of a serializer runs
a query on the serialized object, once per object of a list."""
from __future__ import annotations

import ast
from typing import Dict, Set

from ...astutil import names_in, short_source
from ...context import Context, FactKey, Frame
from .. import Rule, check
from ...queries import QueryInfo, lookup_covers
from ._execution import is_unevaluated
from ._prefetches import CACHE_SERVED, served_lookups

RULE = Rule(
    code="BR006",
    symbol="query-in-serializer-method",
    summary="A serializer method field runs a query per object",
    default_on=False,
    precision="Off by default. Read blind on four unseen projects: 15 of 21 findings true (71%). "
    "The false ones were fallback branches for rows missing a related object the list "
    "view already select_related. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br001-br002-br006.md.",
    message="`{method}()` runs `{expr}` for every serialized object; annotate or "
    "prefetch it in the view's queryset",
    what="Finds queries in `get_<field>(self, obj)` methods of classes whose base name "
    "ends in `Serializer` that depend on the object (the second parameter, whatever its "
    "name, or a local derived from it): `obj.items.count()`, "
    "`Review.objects.filter(product=obj).exists()`.",
    why="DRF calls the method once per row: a list endpoint of 50 objects runs 50 extra "
    "queries per method field.",
    bad="""
        from rest_framework import generics, serializers

        from shop.models import Product


        class ProductSerializer(serializers.ModelSerializer):
            review_count = serializers.SerializerMethodField()

            def get_review_count(self, obj):
                return obj.reviews.count()


        class ProductList(generics.ListAPIView):  # in views.py
            queryset = Product.objects.all()
            serializer_class = ProductSerializer
        """,
    good="""
        from django.db.models import Count
        from rest_framework import generics, serializers

        from shop.models import Product


        class ProductSerializer(serializers.ModelSerializer):
            review_count = serializers.IntegerField(read_only=True)


        class ProductList(generics.ListAPIView):  # in views.py
            queryset = Product.objects.annotate(review_count=Count("reviews"))
            serializer_class = ProductSerializer
        """,
    notes="Only methods with exactly two positional parameters are checked, and DRF's "
    "own `get_*` hooks (`get_fields`, `get_attribute`, `get_value`, "
    "`get_validators`...) are not method fields. `obj.<rel>.all()` alone (iterating a "
    "relation) is silent: a `prefetch_related` in the view, which this rule cannot see, "
    "serves it from the cache and is the DRF idiom; `.filter()`, `.order_by()`, "
    "`.first()`, `.values_list()` and friends bypass that cache, and `.count()`/"
    "`.exists()` are cured by annotating, so they are reported. A queryset built into a "
    "local is reported where it is evaluated. With the project model (the project's "
    "views read from source), a serializer that no list view serves and no code calls "
    "with `many=True` serializes one object per request and is silent, and a "
    "`.count()`/`.exists()` on a relation that every list view serving it prefetches "
    "is read from the cache and is silent too.",
)

# DRF's own `get_*` hooks of serializers and fields: not method fields.
_DRF_GET_HOOKS = frozenset(
    "get_attribute get_value get_fields get_field_names get_default_field_names get_extra_kwargs"
    " get_validators get_initial get_queryset get_unique_together_validators"
    " get_unique_for_date_validators get_uniqueness_extra_kwargs get_object get_url"
    " get_choices get_serializer_context get_default get_nested_field get_relation_kwargs"
    " get_serializer_field get_instance".split()
)

# The serialized object's name and the locals derived from it (empty: not a method field)
_OBJECT_NAMES: FactKey[Set[str]] = FactKey("br006.object")


def derived_names(ctx: Context, frame: Frame, roots: Set[str]) -> Set[str]:
    """``roots`` and the locals whose bindings read one of them, to a fixed point
    (``user = obj.user``; ``groups = user.groups``): reachability over "bound from"
    edges, each binding read once."""
    readers: Dict[str, Set[str]] = {}  # name -> the locals some binding of which reads it
    for name, bound in ctx.bindings(frame).items():
        for _, value in bound:
            for read in names_in(value):
                readers.setdefault(read, set()).add(name)
    tainted = set(roots)
    pending = list(roots)
    while pending:
        for name in readers.get(pending.pop(), ()):
            if name not in tainted:
                tainted.add(name)
                pending.append(name)
    return tainted


def _serializer_object_names(ctx: Context, frame: Frame) -> Set[str]:
    """For a `get_<field>(self, obj)` method of a serializer: `obj` and the locals derived
    from it; empty for every other function."""
    node = frame.node
    name = getattr(node, "name", "")
    cls = frame.class_frame
    if cls is None or not name.startswith("get_") or name in _DRF_GET_HOOKS:
        return set()
    if not any(base.endswith("Serializer") for base in cls.base_names):
        return set()
    args = node.args  # type: ignore[attr-defined]
    positional = args.posonlyargs + args.args
    if len(positional) != 2 or args.vararg is not None:
        return set()
    return derived_names(ctx, frame, {positional[1].arg})


@check(RULE, ast.Call)
def query_in_serializer_method(node: ast.Call, ctx: Context) -> None:
    """A query on the serialized object inside a SerializerMethodField getter."""
    frame = ctx.frame
    if frame.kind != "function" or frame.class_frame is None:
        return
    names = frame.facts.get(_OBJECT_NAMES)  # once computed, a dict read per call
    if names is None:
        names = ctx.frame_fact(_OBJECT_NAMES, _serializer_object_names)
    if not names:
        return
    info = ctx.outer_query(node)
    if info is None or is_unevaluated(info, ctx) or not (names_in(node) & names):
        return
    if info.kind == "related" and all(m in ("all", "aall") for m in info.methods):
        return  # `obj.tags.all()`: the view's prefetch_related serves it (the DRF idiom)
    if _served_one_at_a_time_or_prefetched(info, frame, ctx):
        return
    ctx.report(RULE, node, method=getattr(frame.node, "name", "?"), expr=short_source(node))


def _served_one_at_a_time_or_prefetched(info: QueryInfo, frame: Frame, ctx: Context) -> bool:
    """With the project model: a serializer no list view serves and no code calls with
    `many=True` serializes one object (one query, not one per row); and a relation every
    list view serving it prefetches is read from the cache (`.count()`, `.exists()`)."""
    cls = frame.class_frame
    project = ctx.project
    if project is None or cls is None:
        return False
    serializer = project.serializer(ctx.project_name(cls.name))
    if serializer is None:
        return False
    if not serializer.many and not serializer.list_views:
        return True
    if info.kind != "related" or not info.rel_path or not all(m in CACHE_SERVED for m in info.methods):
        return False
    views = [project.view(name) for name in serializer.list_views]
    if serializer.many or not views or any(v is None or not v.querysets for v in views):
        return False  # serialized somewhere we cannot see the queryset of
    return all(lookup_covers(served_lookups(view), info.rel_path) for view in views if view is not None)
