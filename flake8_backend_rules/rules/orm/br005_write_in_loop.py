"""BR005 write-in-loop: a database write (`obj.save()`, `create()`, `update()`, a SQL
write, a commit) once per row of a for-loop or comprehension, where one bulk statement
would do."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import attribute_path, call_name, dotted_name, iter_nodes, names_in, short_source
from ...context import Context, FactKey, Frame, LoopFrame
from ...queries import WRITE_METHODS, is_session_name, receiver_name
from ...vocabulary import BATCH_WRITES, INSTANCE_WRITES, TRY_TYPES
from .. import Rule, check
from ...project.model import ModelInfo
from ._execution import add_calls_of_block, loop_dependency, prepared_statement, runs_once, walk_loop_regions
from ._rows import loop_rows

RULE = Rule(
    code="BR005",
    symbol="write-in-loop",
    summary="A database write runs once per loop iteration",
    default_on=False,
    precision="Off by default. Read blind on sixteen unseen projects: 7 of 30 findings true. Loops "
    "over rows few by construction, models whose save()/delete() does per-row work, and "
    "loops whose table changes per item were the false ones. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br005-br007-br063.md.",
    message="`{expr}` writes once per `{var}` in the loop; collect the objects and call "
    "bulk_update()/bulk_create() once after the loop",
    messages={
        # by the write the loop runs (the main message: save()/asave())
        "create": "`{expr}` writes once per `{var}` in the loop; build the objects and call "
        "bulk_create() once after the loop",
        "get_or_create": "`{expr}` writes once per `{var}` in the loop; fetch the existing rows "
        "with one `__in` query, then bulk_create()/bulk_update()",
        "update_or_delete": "`{expr}` writes once per `{var}` in the loop; run one "
        "update()/delete() over all rows with an `__in` filter",
        "execute": "`{expr}` writes once per `{var}` in the loop; run one statement for all "
        "rows (executemany, a bulk UPDATE/INSERT)",
        "commit": "`{expr}` writes once per `{var}` in the loop; commit once after the loop",
    },
    what="Finds per-row writes in a `for` loop or comprehension body: `<x>.save()` and "
    "`<x>.delete()` on the loop target (or a local derived from it), `create`, "
    "`get_or_create`, `update_or_create`, `update` and `delete` query chains that depend "
    "on the loop target, `session.execute(update(...)/insert(...)/delete(...))` and "
    "`cursor.execute` of literal INSERT/UPDATE/DELETE text (or an `EXECUTE` of a "
    "statement the function `PREPARE`s as one) that depend on it, and "
    "`session.commit()` in the loop body.",
    why="One write per row is one round-trip (and, with autocommit, one transaction) per "
    "row: importing 10,000 rows runs 10,000 statements where `bulk_create`, "
    "`bulk_update` or one `update()` run one.",
    bad="""
        def deactivate(products):
            for product in products:
                product.active = False
                product.save()
        """,
    good="""
        from shop.models import Product


        def deactivate(products):
            for product in products:
                product.active = False
            Product.objects.bulk_update(products, ["active"])
        """,
    notes="Silent in migration modules, in `while` loops (chunked batch jobs), for "
    "`session.add(x)` (that is batching), for `bulk_create`/`bulk_update` in a loop "
    "(one statement per batch), for `__in` batches (`filter(id__in=chunk).update(...)`), "
    "for writes that do not depend on the loop target, for `save(commit=False)` (a "
    "form building an unsaved instance) and for `save(...)`/`delete(...)` with "
    "positional arguments (files, images, caches, storages) or keywords `Model.save()`/"
    "`delete()` do not take (`page.delete(user=u)`, `file.delete(save=False)`: an "
    "overriding method or another API). Also silent, because the per-row write is a "
    "deliberate choice there: forms and formsets (`form.save()`, "
    "`form.instance.delete()`, the instances `formset.save(commit=False)` returns: no "
    "bulk form API); a loop that also runs the row's own "
    "methods (`obj.snapshot()`, `obj.full_clean()`: per-object logic bulk_update would "
    "skip); a function that takes a `bulk` flag or bulk-writes itself; a write or commit "
    "inside a per-item `with transaction.atomic():`, or inside a `try` in the loop "
    "whose handler carries on (per-item writes that isolate "
    "failures, which a bulk write cannot); a write in a block "
    "that ends with `return`/`break`/`raise` (it runs once); a manager chain whose "
    "model varies with the loop (one statement per table); objects from "
    "`serializers.deserialize(...)` (loaddata); modules that import Alembic (revisions "
    "and the migration environment), Alembic revisions and modules of numbered steps "
    "(`def m0012_backfill(...)`); in one-off programs: management commands and scripts "
    "(a `__main__` block, `argparse`, `sys.argv`), run once by an operator; for a clone "
    "saved per row (`obj.pk = None` then `obj.save()`: each save inserts a copy); for "
    "writes in an `except` handler (they run for failing items only) or inside a "
    "session opened per item (`with get_session() as session:`); for per-object deletes in a "
    "function that also deletes a queryset in one statement (the per-object branch is "
    "chosen beside the bulk one). "
    "BR002 never reports a write: this rule owns them.",
)

# The wording (a variant of RULE's message) by the method that writes; the others
# (update, delete and their async twins) are "update_or_delete".
_VARIANTS = {
    "save": None, "asave": None,
    "create": "create", "acreate": "create",
    "get_or_create": "get_or_create", "aget_or_create": "get_or_create",
    "update_or_create": "get_or_create", "aupdate_or_create": "get_or_create",
    "commit": "commit",
    "execute": "execute",
}
# Model.save()/delete() keywords; any other one means an overriding method with its own
# logic (`page.delete(user=u)`, `save(clean=False)`) or another API (`file.delete(save=False)`).
_MODEL_WRITE_KEYWORDS = {
    "save": frozenset({"force_insert", "force_update", "using", "update_fields"}),
    "delete": frozenset({"using", "keep_parents"}),
}

# (the write, (its loop, the loop variables it depends on))
_Write = Tuple[str, Tuple[LoopFrame, str]]

_CHOOSES_PER_ROW_WRITES: FactKey[bool] = FactKey("br005.bulk")
_CHOOSES_PER_OBJECT_DELETES: FactKey[bool] = FactKey("br005.deletes")
_QUERYSET_DELETES = frozenset({"delete", "adelete"})
_TRANSACTION_OPENERS = frozenset({"atomic", "begin", "begin_nested", "transaction"})
_ISOLATED_PER_ITEM: FactKey[Set[int]] = FactKey("br005.isolated")
_RUNS_ROW_METHODS: FactKey[Dict[Tuple[int, str], bool]] = FactKey("br005.row_methods")


def _chooses_per_row_writes(ctx: Context, frame: Frame) -> bool:
    """The function takes a `bulk` flag or runs bulk writes itself: its per-row writes
    are a deliberate branch (signals, per-object save logic), not an oversight."""
    if "bulk" in frame.params:
        return True
    for node in iter_nodes(frame.node, into_scopes=False):
        if isinstance(node, ast.Call) and call_name(node) in BATCH_WRITES:
            return True
    return False


def _chooses_per_object_deletes(ctx: Context, frame: Frame) -> bool:
    """The function deletes a queryset in one statement outside its loops (`qs.delete()`
    on what a loop deletes row by row, or on a query chain): its per-object deletes are
    the other branch, chosen (signals, files, per-object cleanup)."""
    deletes: List[ast.Call] = []
    iterated: Set[str] = set()  # what the function's loops iterate, as source text
    for node, _, in_loop in walk_loop_regions(frame.node):
        if isinstance(node, (ast.For, ast.AsyncFor)):
            iterated.add(ast.dump(node.iter))
        elif isinstance(node, ast.Call) and not in_loop and call_name(node) in _QUERYSET_DELETES \
                and not node.args and not node.keywords:
            deletes.append(node)
    for node in deletes:
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else node
        if ast.dump(receiver) in iterated or ctx.query_info(node) is not None:
            return True
    return False


def _isolated_per_item(ctx: Context, frame: Frame) -> Set[int]:
    """Calls inside a `try` within a loop body whose handler carries on (does not end by
    raising), or inside a per-item `with transaction.atomic():` or session (`with
    get_session() as session:`), and the calls of an `except` handler in a loop (they run
    for the failing items only): each item's write is isolated so one failure does not
    stop or roll back the others, which a bulk write cannot do (deliberate per-item
    writes and commits)."""
    guarded: Set[int] = set()
    for inner, in_body, _ in walk_loop_regions(frame.node):
        if not in_body:
            continue
        if isinstance(inner, (ast.With, ast.AsyncWith)):
            # `with transaction.atomic():` / `with get_session() as s:` per item: one
            # transaction per row, chosen
            if not any(_opens_transaction(item) for item in inner.items):
                continue
        elif not isinstance(inner, TRY_TYPES):
            continue
        else:
            for handler in getattr(inner, "handlers", ()):
                add_calls_of_block(handler.body, guarded)
            if not any(h.body and not isinstance(h.body[-1], ast.Raise) for h in getattr(inner, "handlers", ())):
                continue
        add_calls_of_block(getattr(inner, "body", ()), guarded)
    return guarded


def _opens_transaction(item: ast.withitem) -> bool:
    """`transaction.atomic()`, `session.begin()`, `get_session() as session`."""
    expr = item.context_expr
    name = call_name(expr) if isinstance(expr, ast.Call) else None
    if name in _TRANSACTION_OPENERS or is_session_name(name):
        return True
    target = item.optional_vars
    return isinstance(target, ast.Name) and is_session_name(target.id)


def _clones(loop: LoopFrame, name: str) -> bool:
    """`obj.pk = None` (or `obj.id = None`) in the loop body before the save: each save
    inserts a copy, the clone idiom."""
    for node in iter_nodes(loop.node, into_scopes=False):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is None:
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr in ("pk", "id")
                        and isinstance(target.value, ast.Name) and target.value.id == name):
                    return True
    return False


def _is_form_like(receiver: ast.AST) -> bool:
    """`form.save()`, `formset.save()`, `subform.instance.delete()`, `panel.save()`: a
    form saves (or deletes) its own instance; there is no bulk form API."""
    for node in iter_nodes(receiver, into_scopes=False):
        text = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        lowered = text.lower()
        if "form" in lowered or lowered.endswith("panel"):
            return True
    return False


def _per_row_loop(names: Set[str], ctx: Context) -> Optional[Tuple[LoopFrame, str]]:
    """The innermost for-loop/comprehension whose (derived) targets ``names`` read."""
    for loop in reversed(ctx.frame.loops):
        if loop.kind == "while":
            continue
        used = names & loop.tainted
        if used:
            direct = used & loop.targets
            return loop, ", ".join(sorted(direct or loop.targets))
    return None


def _query_write(node: ast.Call, ctx: Context) -> Optional[_Write]:
    info = ctx.outer_query(node)
    if info is None:
        return None
    if not info.is_write and prepared_statement(info, ctx) != "write":
        return None
    writes = [m for m in info.methods if m in WRITE_METHODS]
    if info.kind != "sqlalchemy" and (not writes or all(m in BATCH_WRITES for m in writes)):
        return None
    if info.kind == "related":
        if _is_form_like(info.root):
            return None  # `form.instance.delete()`
        if info.methods[-1] in ("delete", "adelete") and node.keywords:
            return None  # `obj.file.delete(save=False)`: QuerySet.delete() takes no arguments
    if ctx.is_per_model_query(node):
        return None  # `for model in registry: model.objects.filter(...).update(...)`: per table
    dependency = loop_dependency(info, ctx)
    if dependency is None:
        return None
    method = "execute" if info.kind == "sqlalchemy" else writes[-1]
    return method, dependency


def _instance_write(node: ast.Call, ctx: Context) -> Optional[_Write]:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in INSTANCE_WRITES or node.args:
        return None
    allowed = _MODEL_WRITE_KEYWORDS[func.attr.lstrip("a")]  # asave -> save
    if any(kw.arg not in allowed for kw in node.keywords) or _is_form_like(func.value):
        return None
    if isinstance(func.value, ast.Call) and not _is_constructor_save(func):
        return None  # `bucket.Object(key).delete()`, `obj.copy_for_translation(l).save()`
    dependency = _per_row_loop(names_in(func.value), ctx)
    if dependency is None or call_name(dependency[0].iterable or node) == "deserialize":
        return None  # deserialized fixtures save themselves one by one (loaddata)
    base, _ = attribute_path(func.value)
    if isinstance(base, ast.Name) and (
        _runs_row_methods(dependency[0], base.id, ctx) or _clones(dependency[0], base.id)
    ):
        return None
    if _rows_built_by_a_form(dependency[0], ctx):
        return None
    return func.attr, dependency


def _rows_built_by_a_form(loop: LoopFrame, ctx: Context) -> bool:
    """`members = formset.save(commit=False); for member in members: member.save()`: the
    formset's own instances, saved the way formsets save them."""
    iterable = loop.iterable
    values: List[ast.AST] = [iterable] if iterable is not None else []
    if isinstance(iterable, ast.Name):
        values = [value for _, value in ctx.bindings().get(iterable.id, ())]
    return any(
        isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and _is_form_like(value.func.value)
        for value in values
    )


def _is_constructor_save(func: ast.Attribute) -> bool:
    """`Price(sku=row.sku).save()`: a model built and inserted per row. A call result of
    anything else (a storage object, a copy made by a model method) is not a row we can
    batch."""
    call = func.value
    return (
        func.attr in ("save", "asave")
        and isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id[:1].isupper()
    )


def _runs_row_methods(loop: LoopFrame, name: str, ctx: Context) -> bool:
    """The loop body calls the row's own methods (`device.snapshot()`, `obj.full_clean()`,
    `rack.copy_racktype_attrs()`) besides writing it: each object is handled one by one on
    purpose (change-log snapshots, validation, per-object logic bulk_update would skip)."""
    cache: Dict[Tuple[int, str], bool] = ctx.frame_fact(_RUNS_ROW_METHODS, lambda c, f: {})
    key = (id(loop.node), name)
    if key not in cache:
        body = getattr(loop.node, "body", None)
        statements: List[ast.AST] = list(body) if isinstance(body, list) else [loop.node]
        found = False
        for stmt in statements:
            for node in iter_nodes(stmt, into_scopes=False):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == name
                    and node.func.attr not in INSTANCE_WRITES
                ):
                    found = True
                    break
            if found:
                break
        cache[key] = found
    return cache[key]


def _commit_in_loop(node: ast.Call, ctx: Context) -> Optional[_Write]:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr != "commit" or node.args or node.keywords:
        return None
    if not is_session_name(receiver_name(func.value)):
        return None
    for loop in reversed(ctx.frame.loops):
        if loop.kind != "while":
            return "commit", (loop, ", ".join(sorted(loop.targets)))
    return None


# The writes that go through the model's own save()/delete(): create() saves the new row.
_THROUGH_SAVE = {"save": "save", "asave": "save", "create": "save", "acreate": "save", "get_or_create": "save",
                 "aget_or_create": "save", "update_or_create": "save", "aupdate_or_create": "save",
                 "delete": "delete", "adelete": "delete"}


def _saved_one_by_one(node: ast.Call, found: _Write, ctx: Context) -> bool:
    """The model written overrides save()/delete() (itself or a base, per the project
    model): bulk_create/bulk_update/queryset delete() would skip that code (signals, files,
    derived fields), so writing its rows one by one is the point."""
    method, (loop, _) = found
    through = _THROUGH_SAVE.get(method)
    if through is None or ctx.project is None:
        return False
    model = _written_model(node, loop, ctx)
    return model is not None and through in model.overrides


def _written_model(node: ast.Call, loop: LoopFrame, ctx: Context) -> Optional[ModelInfo]:
    """The model a per-row write writes: `X.objects.create(...)`, `X(...).save()`, a local
    built by `X(...)`, or the row of a loop over a queryset of X."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    info = ctx.query_info(node)
    if info is not None and info.kind == "manager" and isinstance(info.root, ast.Attribute):
        return ctx.project_model(dotted_name(info.root.value))
    receiver = func.value
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name):
        return ctx.project_model(receiver.func.id)
    if isinstance(receiver, ast.Name):
        if receiver.id in loop.targets:
            rows = loop_rows(ctx, loop, receiver.id)
            return rows.model if rows is not None else None
        bound = ctx.bindings().last_before(receiver.id, node)
        if isinstance(bound, ast.Call) and isinstance(bound.func, (ast.Name, ast.Attribute)):
            return ctx.project_model(dotted_name(bound.func))
    return None


@check(RULE, ast.Call)
def write_in_loop(node: ast.Call, ctx: Context) -> None:
    """A write per row (`obj.save()`, `create()`, `update()`, a commit) in a for-loop or
    comprehension body: N statements where a bulk operation runs one."""
    if not ctx.frame.loops or not isinstance(node.func, ast.Attribute):
        return
    if ctx.in_migration() or ctx.in_program():
        return  # run once by an operator: a migration, a command, a script
    if ctx.query_info(node) is not None:  # a query chain is judged as one, by its links
        found = _query_write(node, ctx)
    else:
        found = _instance_write(node, ctx) or _commit_in_loop(node, ctx)
    if found is None or runs_once(node, ctx):
        return
    if ctx.frame.kind in ("function", "lambda"):
        if ctx.frame_fact(_CHOOSES_PER_ROW_WRITES, _chooses_per_row_writes):
            return
        if found[0] in _QUERYSET_DELETES and ctx.frame_fact(_CHOOSES_PER_OBJECT_DELETES, _chooses_per_object_deletes):
            return
    if id(node) in ctx.frame_fact(_ISOLATED_PER_ITEM, _isolated_per_item):
        return
    if _saved_one_by_one(node, found, ctx):
        return
    method, (_, var) = found
    ctx.report(RULE, node, _VARIANTS.get(method, "update_or_delete"), expr=short_source(node), var=var)
