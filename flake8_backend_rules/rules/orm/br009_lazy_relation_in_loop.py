"""BR009 lazy-relation-in-loop: a forward ForeignKey or OneToOneField read on each row of a
queryset that does not load it: one query per row, the classic N+1."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import iter_nodes
from ...budget import WORK
from ...context import Context, FactKey, Frame
from ...project.model import FieldInfo, reverse_accessors
from .. import Rule, check
from ._rows import loop_rows, rows_covered

RULE = Rule(
    code="BR009",
    symbol="lazy-relation-in-loop",
    summary="A foreign key is loaded with one query per row",
    default_on=False,
    precision="Off by default. Read blind on unseen projects: 30 of 61 findings true on six "
    "projects (most false ones were serializers whose view loads the relation in "
    "get_queryset(), now read), then 19 of 30 (63%) on five more. What remains: rows few "
    "by construction, loops whose per-row work dwarfs one query, relations filled from "
    "the parent. Below the 90% a default-on rule needs. Verdicts: "
    "docs/evaluation/2026-12-04-br009-br035-blind.md, 2026-12-04-blind-round2-orm.md.",
    message="`{expr}` loads the {kind} `{model}.{field}` with one query per row of `{rows}`; "
    "add select_related(\"{field}\") to the queryset",
    messages={
        # a serializer field reads the relation of each row a list view serves
        "serializer": "`{field}` reads the {kind} `{model}.{relation}` of every row "
        "`{view}` serves, with one query per row; add select_related(\"{relation}\") to its "
        "queryset",
    },
    what="Finds, inside a loop or comprehension over the rows of a Django queryset, a read "
    "of a row's forward `ForeignKey` or `OneToOneField` (`book.author`, `book.author.name`) "
    "when the queryset does not load it with `select_related(...)` (the field or a lookup "
    "through it; `select_related()` with no argument loads every non-null forward "
    "relation) or `prefetch_related(...)`. The rows come from a query built in the same "
    "function (through locals, slices and `list(...)`) or from the view's `queryset` / "
    "`get_queryset()` (`self.get_queryset()`, `self.filter_queryset(...)`). Also finds the "
    "same read in a DRF serializer used by a list view: a nested serializer on a relation, "
    "`source=\"author.name\"`, or `StringRelatedField()`, while the view's queryset does "
    "not load it; that finding is at the serializer field and names the view. Which "
    "attribute is a foreign key is a fact of the project model: the model class and its "
    "fields (inherited ones included) are read from the project's `models.py`.",
    why="Django loads a foreign key the first time it is read, with its own query: 50 books "
    "and `book.author.name` in the loop are 51 queries. No other flake8 or pylint rule can "
    "see it, because nothing in the loop says `author` is a relation; the model says so. "
    "`select_related` fetches the author in the same query as the book.",
    bad="""
        from django.db import models


        class Author(models.Model):  # in models.py
            name = models.CharField(max_length=100)


        class Book(models.Model):
            title = models.CharField(max_length=200)
            author = models.ForeignKey(Author, on_delete=models.CASCADE)


        def catalogue():
            return [f"{book.title} by {book.author.name}" for book in Book.objects.all()]
        """,
    good="""
        from django.db import models


        class Author(models.Model):  # in models.py
            name = models.CharField(max_length=100)


        class Book(models.Model):
            title = models.CharField(max_length=200)
            author = models.ForeignKey(Author, on_delete=models.CASCADE)


        def catalogue():
            books = Book.objects.select_related("author")
            return [f"{book.title} by {book.author.name}" for book in books]
        """,
    notes="Silent for `book.author_id` (the column, read without a query), for relations "
    "loaded as above or by a `prefetch_related_objects(...)` call in the function, for "
    "rows from `values()`/`values_list()`, for a loop over a literal or a few rows "
    "(`[:1]`..`[:3]`), for a loop that writes rows itself (`.save()`, `.create(...)`: a "
    "copy or import job already pays a query per row), for a queryset whose rows come through a custom manager or "
    "queryset method (it may load the relation: not visible here), for models or "
    "relations the project model cannot resolve (no finding on a guess), for "
    "serializers no list view serves, and in migrations. Reported once per relation "
    "per loop, at its first read.",
)

_WRITING_LOOPS: FactKey[Dict[int, bool]] = FactKey("br009.writing_loops")
# Calls that write a row: a loop making one per row is a batch job (copying, importing)
# whose queries are one per row already; the relation read is not what it costs.
_ROW_WRITES = frozenset({"save", "create", "get_or_create", "update_or_create", "bulk_create", "delete"})


def _new_dict(ctx: Context, frame: Frame) -> Dict[int, bool]:
    return {}


def _writes_per_row(ctx: Context, loop: ast.AST) -> bool:
    """Does the loop's body write rows (``.save()``, ``.create(...)``...)? Once per loop."""
    seen = ctx.frame_fact(_WRITING_LOOPS, _new_dict)
    key = id(loop)
    if key not in seen:
        visited = 0
        found = False
        for stmt in getattr(loop, "body", ()) if isinstance(loop, (ast.For, ast.AsyncFor)) else ():
            for node in iter_nodes(stmt, into_scopes=False):
                visited += 1
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in _ROW_WRITES and not (node.func.attr == "delete" and node.args):
                    found = True
                    break
            if found:
                break
        WORK.visits += visited
        seen[key] = found
    return seen[key]


_REPORTED: FactKey[Set[Tuple[int, str, str]]] = FactKey("br009.reported")
_KINDS = {"fk": "foreign key", "o2o": "one-to-one relation"}


def _new_set(ctx: Context, frame: Frame) -> Set[Tuple[int, str, str]]:
    return set()


@check(RULE, ast.Attribute)
def lazy_relation_in_loop(node: ast.Attribute, ctx: Context) -> None:
    """`row.<fk>` on the row of a loop over a queryset that does not load `<fk>`."""
    loops = ctx.frame.loops
    if not loops or not isinstance(node.value, ast.Name) or not isinstance(node.ctx, ast.Load):
        return
    name = node.value.id
    loop = next((lp for lp in reversed(loops) if lp.kind != "while" and name in lp.targets), None)
    if loop is None or ctx.kind.migration or ctx.project is None:
        return
    rows = loop_rows(ctx, loop, name)
    if rows is None or _writes_per_row(ctx, loop.node):
        return
    field = rows.model.fields.get(node.attr)
    if field is None or not field.is_forward_single or rows_covered(ctx, rows, field):
        return
    key = (id(loop.node), name, node.attr)
    reported = ctx.frame_fact(_REPORTED, _new_set)
    if key in reported:
        return
    reported.add(key)
    ctx.report(RULE, node, expr=f"{name}.{node.attr}", kind=_KINDS[field.kind],
               model=rows.model.name.rsplit(".", 1)[-1], field=field.name, rows=rows.source)


# -- serializers served by list views ---------------------------------------------------
# Relational fields that load the related object (PrimaryKeyRelatedField reads the key only).
_OBJECT_READING = frozenset({"StringRelatedField", "SlugRelatedField"})
_GENERIC_SERIALIZERS = frozenset({"Serializer", "ModelSerializer", "ListSerializer", "HyperlinkedModelSerializer"})


def _relation_read(field_name: str, callee: str, options: Dict[str, object]) -> Optional[str]:
    """The relation a serializer field reads through, or None: `source="author.name"`, a
    nested serializer on it, or a field that loads the related object."""
    source = options.get("source")
    if isinstance(source, str) and "." in source:
        return source.split(".", 1)[0]
    last = callee.rsplit(".", 1)[-1]
    nested = last in _OBJECT_READING or (last.endswith("Serializer") and last not in _GENERIC_SERIALIZERS)
    if not nested or options.get("many") is True:
        return None  # not a relation read, or a to-many one (prefetch_related territory)
    return source if isinstance(source, str) else field_name


@check(RULE, ast.ClassDef)
def relation_in_list_serializer(node: ast.ClassDef, ctx: Context) -> None:
    """A serializer field that reads a forward relation of every row a list view serves,
    while the view's queryset does not load it."""
    if ctx.project is None or not any(b.endswith("Serializer") for b in _base_names(node)):
        return
    dotted = ctx.project_name(node.name)
    info = ctx.project.serializer(dotted) if dotted else None
    if info is None or info.model is None or not info.list_views:
        return
    model = ctx.project.model(info.model)
    if model is None:
        return
    for stmt in node.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            continue
        if not isinstance(stmt.value, ast.Call):
            continue
        field_name = stmt.targets[0].id
        summary = next((f for f in info.fields if f.name == field_name), None)
        if summary is None:
            continue
        relation = _relation_read(field_name, summary.callee, summary.options)
        target: Optional[FieldInfo] = model.fields.get(relation) if relation else None
        if target is None or not target.is_forward_single:
            continue
        for view_name in info.list_views:
            view = ctx.project.view(view_name)
            if view is None or not view.querysets or view.covers(target.name, reverse_accessors(model, target)):
                continue
            ctx.report(RULE, stmt, "serializer", field=field_name, kind=_KINDS[target.kind],
                       model=model.name.rsplit(".", 1)[-1], relation=target.name,
                       view=view_name.rsplit(".", 1)[-1])
            break


def _base_names(node: ast.ClassDef) -> List[str]:
    return [base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "") for base in node.bases]
