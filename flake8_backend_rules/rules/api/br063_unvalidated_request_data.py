"""BR063 unvalidated-request-data: raw request input (``request.data``, ``request.GET``...)
handed to the ORM: mass assignment, filter injection, or a 500 where a 400 belongs."""
from __future__ import annotations

import ast
from typing import List, NamedTuple, Optional, Set, Tuple

from ...astutil import dotted_name, iter_nodes, short_source
from ...context import Context, FactKey, Frame
from ...project.model import FieldInfo, ModelInfo, ProjectModel
from .. import Rule, check

_ADVICE = "validate it first (a serializer or form, int(...)/UUID(...)) and pass the validated values"
_KEYWORDS = "keywords"  # `**` keywords: the rule's main wording

RULE = Rule(
    code="BR063",
    symbol="unvalidated-request-data",
    summary="Raw request input goes straight into the ORM",
    default_on=False,
    precision="Off by default. Read blind on twelve unseen projects: 13 of 30 findings true (43%). "
    "Text search values, DRF's get_object_or_404 (which already answers 404), values "
    "validated earlier and text columns were the false ones. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br005-br007-br063.md.",
    message="`{raw}` reaches `{expr}` as ** keywords (mass assignment, filter injection); " + _ADVICE,
    messages={
        # a field value stored by create/update or a model constructor
        "value": "`{raw}` reaches `{expr}` as a field value, unvalidated; " + _ADVICE,
        # the value of a lookup that must parse
        "lookup": "`{raw}` reaches `{expr}` as an unparsed lookup value (junk input is a 500); " + _ADVICE,
        # order_by(...), values(...), only(...)
        "field_name": "`{raw}` reaches `{expr}` as a field name (any field, related ones included, "
        "can be sorted or read); " + _ADVICE,
    },
    what="Finds `request.data`, `request.POST`, `request.GET`, `request.query_params` "
    "(also via `self.request`) and their items (`[...]`, `.get(...)`, `.getlist(...)`, "
    "`.dict()`), directly or through a local assigned in the same function, passed to a "
    "query expression, `get_object_or_404`/`get_list_or_404` or a model constructor (a "
    "class imported from a models module): as `**` keywords (mass assignment, filter "
    "injection); as field values written (`create`, `update`, `get_or_create`, "
    "`update_or_create`, a model constructor); as field names (`order_by(...)`, "
    "`values(...)`, `only(...)`: sorting or reading any field, related ones included); "
    "as ids for `in_bulk(...)`; or as the value of a lookup that must parse (a relation, "
    "a number, a UUID, a boolean, a date or time: `pk`, `id`, `category`, `category_id`, "
    "`pk__in`, `category__id`, `price__gte`) outside a `try` that catches "
    "`ValueError`/`ValidationError`.",
    why="`Model.objects.create(**request.data)` lets a client set any field (`is_staff`, "
    "`price`), `filter(**request.GET.dict())` lets it filter on any relation "
    "(`user__password__startswith`), and a raw value in a lookup turns a typo into a 500 "
    "instead of a 400.",
    bad="""
        from rest_framework.decorators import api_view
        from rest_framework.response import Response

        from shop.models import Product


        @api_view(["POST"])
        def create_product(request):
            product = Product.objects.create(**request.data)
            return Response({"id": product.pk}, status=201)
        """,
    good="""
        from rest_framework.decorators import api_view
        from rest_framework.response import Response

        from shop.serializers import ProductSerializer


        @api_view(["POST"])
        def create_product(request):
            serializer = ProductSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            product = serializer.save()
            return Response({"id": product.pk}, status=201)
        """,
    notes="Silent for values converted first (`int(...)`, `UUID(...)`, any call that "
    "is not an item access) and for a serializer's or form's `validated_data` / "
    "`cleaned_data`. Raw input wrapped in `Q(...)` or another expression is not "
    "followed. Precision choice: a raw string used as the value of a text lookup "
    "(`name__icontains=request.GET[\"q\"]`, `email=username`) is silent, since the ORM "
    "parametrises it and any string is a valid value (search boxes and autocompletes do "
    "exactly this); a typed lookup inside `try: ... except (ValueError, ...)` is silent "
    "too, since junk input is answered there. Which lookups must parse comes from the "
    "queried model's fields, read from the project (the model of `X.objects`, "
    "`get_object_or_404`'s first argument), wherever it is defined: a relation (also "
    "as `<relation>_id`, `<relation>__in`), an integer, decimal, float, UUID, boolean, "
    "date, time or duration column, and `pk`/`id` unless the primary key is a text "
    "field; a text column is silent whatever its name (`external_id = "
    "models.CharField(...)`, a `CharField` primary key). Where the model cannot be read "
    "(a related manager, a queryset held in a local, a model from outside the project, "
    "a field of a reverse relation), `pk`, `id` and `*_id` lookups are taken to be "
    "numbers or UUIDs and other lookups to be text.",
)


_RAW_ATTRS = frozenset({"data", "POST", "GET", "query_params"})
_ITEM_METHODS = frozenset({"get", "dict", "getlist", "copy"})
_LOOKUP_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404"})
_WRITE_SINKS = frozenset({"create", "get_or_create", "update_or_create", "update", "acreate",
                          "aget_or_create", "aupdate_or_create", "aupdate"})
_FIELD_NAME_METHODS = frozenset({"order_by", "values", "values_list", "only", "defer",
                                 "select_related", "prefetch_related", "distinct"})
_GUARD_EXCEPTIONS = frozenset({"ValueError", "ValidationError", "Exception", "TypeError", "BaseException"})
# Lookups that compare a relation's key itself (`category__in=[...]`), not a field of
# the related model.
_KEY_COMPARISONS = frozenset({"exact", "in", "gt", "gte", "lt", "lte", "range"})
_MAX_HOPS = 8  # relations followed along one lookup (`a__b__c`), primary keys that are relations

_READS_REQUEST: FactKey[bool] = FactKey("br063.reads_request")
_GUARDED: FactKey[Set[int]] = FactKey("br063.guarded")


class _Sink(NamedTuple):
    """A call that hands its arguments to the ORM."""

    values: List[Tuple[ast.AST, str]]  # (argument value or keyword, the method receiving it)
    writes: bool  # the values are stored (create/update, a model constructor)
    model: Optional[ast.AST]  # the expression naming the queried model, when there is one


def _is_request(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "request"
    return (
        isinstance(node, ast.Attribute) and node.attr == "request"
        and isinstance(node.value, ast.Name) and node.value.id == "self"
    )


def _raw_request_input(ctx: Context, node: ast.AST) -> Optional[str]:
    """The text of raw request input the expression is (``request.GET``,
    ``request.data["x"]``, ``request.POST.get("x")``, ``self.request.query_params.dict()``,
    or a local assigned from one), else None."""
    start = node
    for _ in range(8):
        if isinstance(node, ast.Attribute):
            if node.attr in _RAW_ATTRS and _is_request(node.value):
                return short_source(start, 50)
            return None
        if isinstance(node, ast.Subscript):
            node = node.value
            continue
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _ITEM_METHODS:
                node = func.value
                continue
            return None
        if isinstance(node, ast.Name) and ctx.frame.kind != "module":
            value = ctx.bindings().last_before(node.id, node)
            if value is None:
                return None
            node = value
            continue
        return None
    return None


def _is_model_constructor(ctx: Context, func: ast.AST) -> bool:
    """``Product(...)`` where ``Product`` comes from a models module."""
    if not isinstance(func, (ast.Name, ast.Attribute)):
        return False
    resolved = ctx.resolve(func) or ""
    parts = resolved.split(".")
    return len(parts) >= 2 and "models" in parts[:-1] and parts[-1][:1].isupper()


def _is_typed_lookup(keyword: str) -> bool:
    """``pk``, ``id``, ``product_id``, ``pk__in``, ``order__id``: by its name, a lookup
    whose value must parse; a text lookup (``name__icontains``) takes any string."""
    return any(part in ("pk", "id") or part.endswith("_id") for part in keyword.split("__"))


def _field_named(model: ModelInfo, name: str) -> Optional[FieldInfo]:
    """The field a lookup part names: a declared field, the declared primary key for
    ``pk`` (and ``id`` when no field has that name), the relation for ``<relation>_id``."""
    if name == "pk" or (name == "id" and name not in model.fields):
        return next((f for f in model.fields.values() if f.primary_key), None)
    found = model.fields.get(name)
    if found is None and name.endswith("_id"):
        relation = model.fields.get(name[:-3])
        if relation is not None and relation.is_forward_single:
            return relation
    return found


def _rejects_text(project: ProjectModel, model: ModelInfo, parts: List[str]) -> Optional[bool]:
    """Whether the column a lookup (``["category", "id"]``) compares rejects malformed text,
    read from the model's fields; None where the model does not say (a reverse relation, a
    field a base outside the project declares). A relation compares the related row's
    key: its target's primary key decides, when the target is a project model."""
    for _ in range(_MAX_HOPS):
        found = _field_named(model, parts[0])
        if found is None:
            if parts[0] in ("pk", "id") and not model.external_bases:
                return True  # the implicit auto-increment primary key
            return None
        if not found.is_relation:
            return found.rejects_text  # a column, with or without a transform or lookup
        target = project.model(found.target)
        rest = parts[1:]
        if not rest or rest[0] in _KEY_COMPARISONS:
            if target is None:
                return found.rejects_text  # a related model from outside the project
            parts = ["pk"]  # `category=...`, `category_id=...`, `category__in=...`
        elif target is None:
            return None
        else:
            parts = rest  # `category__slug=...`: a field of the related model
        model = target
    return None


def _must_parse(ctx: Context, sink: _Sink, keyword: str) -> bool:
    """A lookup whose value must parse (junk input raises there, a 500): where the
    project model reads the queried model, a lookup of a field that rejects malformed
    text (a relation, a number, a UUID, a boolean, a date); elsewhere one named like a
    key (``pk``, ``id``, ``*_id``)."""
    project = ctx.project
    if project is not None and sink.model is not None:
        model = ctx.project_model(dotted_name(sink.model))
        decided = _rejects_text(project, model, keyword.split("__")) if model is not None else None
        if decided is not None:
            return decided
    return _is_typed_lookup(keyword)


def _guarded_nodes(ctx: Context, frame: Frame) -> Set[int]:
    """Ids of the nodes inside a ``try`` whose handlers catch ValueError (or broader):
    a bad value there is answered, not a 500."""
    out: Set[int] = set()
    for node in iter_nodes(frame.node, into_scopes=False):
        if not isinstance(node, ast.Try):
            continue
        caught = False
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for kind in kinds:
                name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", None)
                if kind is None or name in _GUARD_EXCEPTIONS:
                    caught = True
        if caught:
            for stmt in node.body:
                out.update(id(n) for n in iter_nodes(stmt, into_scopes=False))
    return out


def _sink(ctx: Context, node: ast.Call) -> _Sink:
    """The values a query, a lookup shortcut or a model constructor hands to the ORM."""
    func = node.func
    values: List[Tuple[ast.AST, str]] = []
    if isinstance(func, ast.Attribute):
        info = ctx.outer_query(node)
        if info is not None and info.kind != "sqlalchemy":
            for method, link in info.links:
                values.extend((arg, method) for arg in link.args)
                values.extend((kw, method) for kw in link.keywords)
            model = info.root.value if info.kind == "manager" and isinstance(info.root, ast.Attribute) else None
            return _Sink(values, any(m in _WRITE_SINKS for m in info.methods), model)
    if isinstance(func, (ast.Name, ast.Attribute)):
        resolved = ctx.resolve(func) or ""
        if resolved.rsplit(".", 1)[-1] in _LOOKUP_SHORTCUTS:
            values.extend((arg, "get") for arg in node.args[1:])
            values.extend((kw, "get") for kw in node.keywords)
            return _Sink(values, False, node.args[0] if node.args else None)
        if _is_model_constructor(ctx, func):
            values.extend((arg, "__init__") for arg in node.args)
            values.extend((kw, "__init__") for kw in node.keywords)
            return _Sink(values, True, None)
    return _Sink(values, False, None)


def _variant(ctx: Context, value: ast.AST, method: str, sink: _Sink) -> Optional[str]:
    """How a raw value hurts where it lands (the name of its wording), or None where any
    string is fine."""
    if isinstance(value, ast.keyword):
        if value.arg is None:
            return _KEYWORDS
        if sink.writes:
            return "value"
        return "lookup" if _must_parse(ctx, sink, value.arg) else None  # a text lookup takes any string
    if method in _FIELD_NAME_METHODS:
        return "field_name"
    if method in ("in_bulk", "ain_bulk"):
        return "lookup" if _must_parse(ctx, sink, "pk") else None
    if sink.writes:
        return "value"
    return None


@check(RULE, ast.Attribute)
def note_raw_request_read(node: ast.Attribute, ctx: Context) -> None:
    """Remember that the scope reads raw request input: only such scopes are checked."""
    if node.attr in _RAW_ATTRS and _is_request(node.value):
        ctx.frame.facts[_READS_REQUEST] = True


@check(RULE, ast.Call, phase="leave")
def unvalidated_request_data(node: ast.Call, ctx: Context) -> None:
    """Raw request input handed to a query, a lookup shortcut or a model constructor:
    as ``**`` keywords (mass assignment, filter injection), as field values written
    (create/update/constructor), as field names (``order_by(request.GET["sort"])``), or
    as the value of a lookup that must parse outside a ``try`` that answers ValueError."""
    if not ctx.frame.facts.get(_READS_REQUEST):
        return  # checked after the call's subtree, so its own arguments count already
    func = node.func
    if not node.args and not node.keywords and not isinstance(func, ast.Attribute):
        return
    sink = _sink(ctx, node)
    guarded: Optional[Set[int]] = None
    for value, method in sink.values:
        expr = value.value if isinstance(value, ast.keyword) else value
        if isinstance(expr, ast.Starred):
            expr = expr.value
        raw = _raw_request_input(ctx, expr)
        if raw is None:
            continue
        variant = _variant(ctx, value, method, sink)
        if variant is None:
            continue
        if variant == "lookup":
            frame = ctx.function_frame()
            if frame is not None:
                if guarded is None:
                    guarded = ctx.frame_fact(_GUARDED, _guarded_nodes, frame)
                if id(node) in guarded:
                    continue
        ctx.report(RULE, node, None if variant == _KEYWORDS else variant, raw=raw, expr=short_source(node))
        return
