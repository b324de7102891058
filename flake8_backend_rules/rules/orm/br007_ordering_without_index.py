"""BR007 ordering-without-index: a model's `Meta.ordering` leads with a date or date-time
field of the class that no index serves, so every default query sorts the table."""
from __future__ import annotations

import ast
from typing import Dict, Optional, Set, Tuple

from ...astutil import call_name, dotted_name, string_value
from ...context import Context
from .. import Rule, check

RULE = Rule(
    code="BR007",
    symbol="ordering-without-index",
    summary="A model's default ordering leads with an unindexed date field",
    default_on=False,
    precision="Off by default. Read blind on nine unseen projects: 16 of 30 findings true (53%). "
    "Rows read only as one parent's children and small tables need no index on the "
    "ordering. Verdicts: docs/evaluation/2026-12-04-blind-round3-br005-br007-br063.md.",
    message="`{model}.Meta.ordering` sorts every query by `{field}` with no index; if the "
    "table grows (a small table needs none), add `db_index=True` or a `Meta.indexes` entry",
    messages={
        # a child table: its rows are mostly read through their parent's foreign key
        "child": "`{model}.Meta.ordering` sorts every query by `{field}` with no index; if "
        "the table grows (a small table needs none), a composite index serves both the "
        "filter on the parent and the sort: `models.Index(fields=[\"{fk}\", \"{field}\"])`",
    },
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
    "any other. Reported at the `ordering` assignment. The cost is the table's size: a "
    "small table sorts for free, which the message says. A model with a foreign key is "
    "usually read as the children of one parent (`ticket.followups.all()`): the message "
    "then suggests the composite index on (foreign key, date), which serves the filter "
    "and the sort together.",
)

# Field types that always have an index (relations, primary keys).
_INDEXED_FIELD_TYPES = frozenset(
    {"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey", "ManyToManyField",
     "ParentalManyToManyField", "AutoField", "BigAutoField", "SmallAutoField"}
)
_INDEX_OPTIONS = ("db_index", "unique", "primary_key")
# The keys that make a model a child table, read through its parent.
_PARENT_KEYS = frozenset({"ForeignKey", "ParentalKey", "TreeForeignKey"})
# Time-ordered tables (events, logs, lines, history) grow without bound: those are the
# ones whose default ORDER BY needs an index. A name, position, weight or code leads the
# ordering of configuration and lookup tables, or of inline children read through their
# parent's foreign key: few rows to sort (on real code nearly all such findings were
# judged not worth an index).
_TEMPORAL_FIELD_SUFFIXES = ("DateTimeField", "DateField")
_TEMPORAL_FIELDS = frozenset({"AutoCreatedField", "AutoLastModifiedField", "MonitorField"})
# Fields of these libraries are form, filter or schema fields, not columns.
_NOT_MODEL_FIELD_MODULES = ("rest_framework", "django.forms", "django_filters", "graphene", "wtforms")


def _model_field_type(value: ast.AST, ctx: Context) -> Optional[str]:
    if not isinstance(value, ast.Call):
        return None
    name = dotted_name(value.func) or ""
    last = name.rsplit(".", 1)[-1]
    if not last.endswith(("Field", "Key")) and last not in _INDEXED_FIELD_TYPES:
        return None
    resolved = ctx.resolve(value.func) or ""
    if resolved.startswith(_NOT_MODEL_FIELD_MODULES) or name.split(".", 1)[0] in ("forms", "serializers"):
        return None
    return last


def _field_is_indexed(kind: str, call: ast.Call) -> bool:
    options = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    for option in _INDEX_OPTIONS:
        value = options.get(option)
        if value is not None and not (isinstance(value, ast.Constant) and not value.value):
            return True  # True, or a value we cannot see: assume an index
    if kind == "SlugField":
        value = options.get("db_index")
        return not (isinstance(value, ast.Constant) and value.value is False)
    return kind in _INDEXED_FIELD_TYPES or "**" in [kw.arg or "**" for kw in call.keywords]


def _ordering_field(entry: ast.AST) -> Optional[str]:
    text = string_value(entry)
    if text is None and isinstance(entry, ast.Call):
        # F("x"), F("x").asc(), F("x").desc(nulls_last=True)
        node: ast.AST = entry
        if isinstance(entry.func, ast.Attribute) and entry.func.attr in ("asc", "desc"):
            node = entry.func.value
        if isinstance(node, ast.Call) and call_name(node) == "F" and node.args:
            text = string_value(node.args[0])
    if not text:
        return None
    text = text.lstrip("-+")
    if text in ("?", "pk", "id") or "__" in text:
        return None
    return text


def _first_fields(value: ast.AST) -> Set[str]:
    """First fields of index-like Meta entries: `indexes`, `index_together`,
    `unique_together`, `constraints` (UniqueConstraint)."""
    out: Set[str] = set()
    entries = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    if entries and all(isinstance(e, ast.Constant) for e in entries):
        entries = [value]  # index_together = ("a", "b")
    for entry in entries:
        fields: Optional[ast.AST] = entry
        if isinstance(entry, ast.Call):
            fields = next((kw.value for kw in entry.keywords if kw.arg == "fields"), None)
            if fields is None and entry.args:
                fields = entry.args[0]
        if isinstance(fields, (ast.List, ast.Tuple)) and fields.elts:
            first = string_value(fields.elts[0]) or ""
            out.add(first.lstrip("-"))
    return out


def _assigned(stmt: ast.stmt) -> Optional[Tuple[str, ast.AST]]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id, stmt.value
    return None


@check(RULE, ast.ClassDef)
def ordering_without_index(node: ast.ClassDef, ctx: Context) -> None:
    """`Meta.ordering` on a field with no index: every default query sorts the table."""
    meta = next((s for s in node.body if isinstance(s, ast.ClassDef) and s.name == "Meta"), None)
    if meta is None:
        return
    ordering: Optional[Tuple[ast.stmt, ast.AST]] = None
    indexed: Set[str] = set()
    for stmt in meta.body:
        pair = _assigned(stmt)
        if pair is None:
            continue
        if pair[0] == "ordering":
            ordering = (stmt, pair[1])
        elif pair[0] in ("indexes", "index_together", "unique_together", "constraints"):
            indexed |= _first_fields(pair[1])
    if ordering is None or not isinstance(ordering[1], (ast.List, ast.Tuple)):
        return
    fields: Dict[str, Tuple[str, ast.Call]] = {}
    for stmt in node.body:
        pair = _assigned(stmt)
        if pair is not None:
            kind = _model_field_type(pair[1], ctx)
            if kind is not None:
                fields[pair[0]] = (kind, pair[1])  # type: ignore[assignment]
    # Only the leading column decides whether an index can serve the ORDER BY (later ones
    # break ties among few rows); a leading `?`, `pk`, relation lookup or inherited field
    # is nothing this class can tell.
    if not ordering[1].elts:
        return
    name = _ordering_field(ordering[1].elts[0])
    if name is None or name in indexed:
        return
    parent = next((f for f, (kind, _) in fields.items() if kind in _PARENT_KEYS), None)
    variant = "child" if parent is not None else None
    if name not in fields:
        if _inherited_unindexed_date(ctx, node.name, name):
            ctx.report(RULE, ordering[0], variant, model=node.name, field=name, fk=parent)
        return
    kind, call = fields[name]
    if kind.endswith(_TEMPORAL_FIELD_SUFFIXES) or kind in _TEMPORAL_FIELDS:
        if not _field_is_indexed(kind, call):
            ctx.report(RULE, ordering[0], variant, model=node.name, field=name, fk=parent)


def _inherited_unindexed_date(ctx: Context, class_name: str, field: str) -> bool:
    """A date field the model inherits from an abstract base (per the project model), with
    no index of its own or from the base's `Meta.indexes`."""
    model = ctx.project_model(class_name)
    if model is None:
        return False
    inherited = model.fields.get(field)
    if inherited is None or inherited.declared_in == model.name:
        return False
    temporal = inherited.field_class.endswith(_TEMPORAL_FIELD_SUFFIXES) or inherited.field_class in _TEMPORAL_FIELDS
    indexed = inherited.db_index or inherited.unique or inherited.primary_key or field in model.index_leads
    return temporal and not indexed
