"""BR001 query-in-property: a property getter (of a class whose instances are listed row
by row) runs a query, directly or by reading another property of its class that does."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import iter_nodes, short_source
from ...context import ClassFrame, Context, FactKey, Frame
from ...queries import QUERYSET_RETURNING, QueryInfo
from .. import Rule, check
from ._execution import is_unevaluated, served_elsewhere

RULE = Rule(
    code="BR001",
    symbol="query-in-property",
    summary="A property runs a database query",
    default_on=False,
    precision="Off by default. Read blind on nine projects its authors never read (round 3, after "
    "the classes found on other projects were fixed): 7 of 30 findings true. Most "
    "properties are read on one object per request, not per row, or have no reader in the "
    "project at all; a property's cost depends on its callers, which the rule cannot yet "
    "see. Verdicts: docs/evaluation/2026-12-04-blind-round3-br001-br002-br006.md.",
    message="property `{prop}` runs a query: `{expr}`; serializing N objects runs N "
    "queries (annotate or prefetch in the queryset, or make it a method)",
    messages={
        # the property reads another property of its class that runs the query
        "via": "property `{prop}` runs a query via self.{read}: `{expr}`; serializing N "
        "objects runs N queries (annotate or prefetch in the queryset, or make it a method)",
        # the property hands out an unevaluated queryset: each caller that evaluates it
        # runs the query, once per object
        "returns": "property `{prop}` returns a queryset: `{expr}`; every caller that "
        "evaluates it runs one query per object (prefetch it with Prefetch(..., "
        "to_attr=...), or make it a method)",
    },
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
    "building step. A property that only returns a queryset runs no query itself: it is "
    "reported as returning one (whoever evaluates it queries once per object). One "
    "finding per property, at its first query (an evaluated one before a returned "
    "queryset). Silent for `.none()` (no query), for a query in the branch of a check "
    "on the prefetch cache (`if \"items\" in self._prefetched_objects_cache:`), and "
    "for the fallback after an early return of a value the queryset annotated "
    "(`annotated = getattr(self, \"_annotated_total\", None)` then `if annotated is "
    "not None: return annotated`) when the property never stores that attribute "
    "itself.",
)

# Views, forms, serializers and admin classes are built once per request, not per row.
_NOT_ROW_BASES = ("View", "ViewSet", "APIView", "Form", "Serializer", "Admin", "Panel")


class _Properties:
    """What the checks noted about one class's properties, resolved when it closes."""

    __slots__ = ("querying", "self_reads", "first")

    def __init__(self) -> None:
        self.querying: Dict[str, str] = {}  # property -> text of the first query it runs
        # property -> (its first query, the text, the wording): one finding per property
        self.first: Dict[str, Tuple[ast.Call, str, Optional[str]]] = {}
        # (reading property, read property, the `self.<prop>` node)
        self.self_reads: List[Tuple[str, str, ast.Attribute]] = []


# id of a class node -> its properties' notes (on the module frame: classes nest)
_CLASS_PROPERTIES: FactKey[Dict[int, _Properties]] = FactKey("br001.properties")


def _new_dict(ctx: Context, frame: Frame) -> Dict[int, _Properties]:
    return {}


def _properties_of(ctx: Context, cls: ClassFrame) -> _Properties:
    by_class = ctx.frame_fact(_CLASS_PROPERTIES, _new_dict, ctx.module_frame)
    found = by_class.get(id(cls.node))
    if found is None:
        found = by_class[id(cls.node)] = _Properties()
    return found


def _represents_rows(info: QueryInfo, ctx: Context) -> bool:
    """Is the property's class one whose instances are listed and serialized?

    A model (a class in a models module, or with a base named `...Model`), or any class
    whose property queries a related manager of `self` (only model instances have
    those). A cached property on a connection, features or service object runs once
    per object, not once per row: not the N+1 this rule is about."""
    frame = ctx.frame
    cls = frame.class_frame
    bases = cls.base_names if cls is not None else []
    if any(base.endswith(_NOT_ROW_BASES) for base in bases):
        return False
    if ctx.kind.models or any(base.endswith("Model") for base in bases):
        return True
    # `self.items.all()`: a related manager of self itself (not `self.object.items`,
    # nor a queryset attribute such as `self.qs`/`self.queryset`)
    if info.kind != "related" or info.base_name != frame.self_name or len(info.rel_path) != 1:
        return False
    attr = info.rel_path[0].lower()
    return not (attr in ("qs", "queryset") or attr.endswith(("_qs", "_queryset")))


_RETURNED: FactKey[Set[int]] = FactKey("br001.returned")


def _returned_values(ctx: Context, frame: Frame) -> Set[int]:
    """The expressions the function returns as they stand (`return X.objects.filter(...)`)."""
    return {
        id(node.value) for node in iter_nodes(frame.node, into_scopes=False)
        if isinstance(node, ast.Return) and node.value is not None
    }


@check(RULE, ast.Call)
def query_in_property(node: ast.Call, ctx: Context) -> None:
    """A query run by a property getter: once per object when a list is serialized."""
    frame = ctx.frame
    if not frame.is_property:
        return
    info = ctx.outer_query(node)
    if info is None or is_unevaluated(info, ctx) or not _represents_rows(info, ctx):
        return
    if "none" in info.methods or served_elsewhere(node, ctx):
        return  # an empty queryset; a value the prefetch cache or an annotation serves
    prop = getattr(frame.node, "name", "?")
    expr = short_source(node)
    cls = frame.class_frame
    if cls is None:
        return
    variant: Optional[str] = None
    if info.methods[-1] in QUERYSET_RETURNING and id(node) in ctx.frame_fact(_RETURNED, _returned_values):
        variant = "returns"
    props = _properties_of(ctx, cls)
    props.querying.setdefault(prop, expr)
    first = props.first.get(prop)
    if first is None or (first[2] == "returns" and variant is None):
        props.first[prop] = (node, expr, variant)


@check(RULE, ast.Attribute)
def property_reads_property(node: ast.Attribute, ctx: Context) -> None:
    """Remember `self.<name>` reads inside properties; resolved when the class closes."""
    frame = ctx.frame
    if not frame.is_property or frame.class_frame is None:
        return
    value = node.value
    if isinstance(value, ast.Name) and value.id == frame.self_name and isinstance(node.ctx, ast.Load):
        _properties_of(ctx, frame.class_frame).self_reads.append((getattr(frame.node, "name", "?"), node.attr, node))


@check(RULE, ast.ClassDef, phase="leave")
def transitive_property_queries(node: ast.ClassDef, ctx: Context) -> None:
    """One finding per querying property, at its first query; then `tax_amount` reads
    `self.subtotal`, which queries: tax_amount queries too (once, at its first such read)."""
    cls = ctx.classes[-1] if ctx.classes else None
    if cls is None or cls.node is not node:
        return
    props = _properties_of(ctx, cls)
    for prop, (call, expr, variant) in props.first.items():
        ctx.report(RULE, call, variant, prop=prop, expr=expr)
    if not props.self_reads:
        return
    querying = dict(props.querying)
    changed = True
    while changed:
        changed = False
        for reader, read, _ in props.self_reads:
            if read in querying and reader not in querying and reader != read:
                querying[reader] = querying[read]
                changed = True
    reported = set(props.first)
    for reader, read, attr in props.self_reads:
        if read in querying and read != reader and reader not in reported:
            reported.add(reader)
            ctx.report(RULE, attr, "via", prop=reader, read=read, expr=querying[read])
