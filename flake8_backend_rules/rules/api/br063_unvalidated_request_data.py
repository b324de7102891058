"""BR063 unvalidated-request-data: raw request input (``request.data``, ``request.GET``...)
handed to the ORM: mass assignment, filter injection, or a 500 where a 400 belongs."""
from __future__ import annotations

import ast
from typing import List, NamedTuple, Optional, Set, Tuple

from ...astutil import iter_nodes, short_source
from ...context import Context, FactKey, Frame
from .. import Rule, check

_ADVICE = "validate it first (a serializer or form, int(...)/UUID(...)) and pass the validated values"
_KEYWORDS = "keywords"  # `**` keywords: the rule's main wording

RULE = Rule(
    code="BR063",
    symbol="unvalidated-request-data",
    summary="Raw request input goes straight into the ORM",
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
    "as ids for `in_bulk(...)`; or as the value of a lookup that must "
    "parse (`pk`, `id`, `*_id`, `pk__in`, `category__id`) outside a `try` that catches "
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
    "too, since junk input is answered there. Known limit: `pk`/`id`/`*_id` are taken "
    "to be numbers or UUIDs; with a `CharField` primary key the lookup takes any "
    "string and the finding is false (the field's type is not visible from the view).",
)


_RAW_ATTRS = frozenset({"data", "POST", "GET", "query_params"})
_ITEM_METHODS = frozenset({"get", "dict", "getlist", "copy"})
_LOOKUP_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404"})
_WRITE_SINKS = frozenset({"create", "get_or_create", "update_or_create", "update", "acreate",
                          "aget_or_create", "aupdate_or_create", "aupdate"})
_FIELD_NAME_METHODS = frozenset({"order_by", "values", "values_list", "only", "defer",
                                 "select_related", "prefetch_related", "distinct"})
_GUARD_EXCEPTIONS = frozenset({"ValueError", "ValidationError", "Exception", "TypeError", "BaseException"})

_READS_REQUEST: FactKey[bool] = FactKey("br063.reads_request")
_GUARDED: FactKey[Set[int]] = FactKey("br063.guarded")


class _Sink(NamedTuple):
    """A call that hands its arguments to the ORM."""

    values: List[Tuple[ast.AST, str]]  # (argument value or keyword, the method receiving it)
    writes: bool  # the values are stored (create/update, a model constructor)


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


def _must_parse(keyword: str) -> bool:
    """``pk``, ``id``, ``product_id``, ``pk__in``, ``order__id``: a lookup whose value
    must parse (junk input raises ValueError there, a 500); a text lookup
    (``name__icontains``) takes any string."""
    return any(part in ("pk", "id") or part.endswith("_id") for part in keyword.split("__"))


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
            return _Sink(values, any(m in _WRITE_SINKS for m in info.methods))
    if isinstance(func, (ast.Name, ast.Attribute)):
        resolved = ctx.resolve(func) or ""
        if resolved.rsplit(".", 1)[-1] in _LOOKUP_SHORTCUTS:
            values.extend((arg, "get") for arg in node.args[1:])
            values.extend((kw, "get") for kw in node.keywords)
            return _Sink(values, False)
        if _is_model_constructor(ctx, func):
            values.extend((arg, "__init__") for arg in node.args)
            values.extend((kw, "__init__") for kw in node.keywords)
            return _Sink(values, True)
    return _Sink(values, False)


def _variant(ctx: Context, value: ast.AST, method: str, sink: _Sink) -> Optional[str]:
    """How a raw value hurts where it lands (the name of its wording), or None where any
    string is fine."""
    if isinstance(value, ast.keyword):
        if value.arg is None:
            return _KEYWORDS
        if sink.writes:
            return "value"
        return "lookup" if _must_parse(value.arg) else None  # a text lookup takes any string
    if method in _FIELD_NAME_METHODS:
        return "field_name"
    if method in ("in_bulk", "ain_bulk"):
        return "lookup"
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
