"""BR031 check-then-create: a row created because an existence check on the same model
found none; two requests pass the check together and both create."""
from __future__ import annotations

import ast
from typing import Callable, Dict, List, Optional, Set, Tuple

from ...astutil import dotted_name, iter_nodes, short_source
from ...budget import WORK
from ...context import Context, FactKey, Frame
from ...vocabulary import LEAVING_STATEMENTS
from .. import Rule, check
from ._txflow import (
    FLOW_NOTE, FlowFacts, Path, Write, catches, ends_with_exit, flow_facts, follows, inside, new_set,
)
from ._checks import CHECK_NAMES, CREATES, GETS, cannot_be_a_key, checked_fields, creation_base, existence_facts
from ._writes import SAVES, is_write_call

RULE = Rule(
    code="BR031",
    symbol="check-then-create",
    summary="A row is created after an existence check on the same model",
    default_on=False,
    precision="Off by default. Read blind on fifteen unseen projects: 8 of 30 findings true. Most "
    "keys had just been created by the same flow, were staff-only actions or one-off "
    "seeding: no concurrent creator. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br030-br031-br033-br042-br062.md.",
    message="`{write}` is decided by the check `{check}`: a concurrent request can pass "
    "the same check and create a duplicate; use get_or_create/update_or_create with a "
    "unique constraint, or catch IntegrityError",
    messages={
        # the model's unique set is exactly the checked fields: no duplicate, a failed insert
        "constrained": "`{write}` is decided by the check `{check}`: a concurrent request can "
        "pass the same check, and the unique constraint ({fields}) then fails its insert with "
        "IntegrityError (a 500); use get_or_create/update_or_create, or catch IntegrityError",
    },
    what="Finds an existence check whose outcome decides a create on the same model in "
    "the same function: `if not X.objects.filter(...).exists(): X.objects.create(...)`, "
    "`.count() == 0`, `.first() is None`, the check kept in a local, the create in the "
    "`else` of a positive check, the early-return shape (`if X.objects.filter(...)"
    ".exists(): return` then `X.objects.create(...)`), `try: X.objects.get(...) except "
    "X.DoesNotExist: X.objects.create(...)`, and in a model's own `save()` a check on "
    "that model deciding a field (`if not self.pk and not X.objects.filter(...)"
    ".exists(): self.is_primary = True`) before `super().save()`. Creates are "
    "`create`, `bulk_create`, `X(...).save()` and `obj = X(...); obj.save()`.",
    why="Between the check and the insert another request can run the same check: both "
    "see \"no row\" and both insert. Duplicate subscriptions, two \"primary\" "
    "addresses, a second welcome credit. Only a unique constraint (or a lock) makes "
    "the database refuse the second insert.",
    bad="""
        from shop.models import Subscription


        def subscribe(user, plan):
            if not Subscription.objects.filter(user=user, plan=plan).exists():
                Subscription.objects.create(user=user, plan=plan)
        """,
    good="""
        from django.conf import settings
        from django.db import models


        class Subscription(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            plan = models.CharField(max_length=20)

            class Meta:
                constraints = [
                    models.UniqueConstraint(fields=["user", "plan"], name="one_subscription_per_plan"),
                ]


        def subscribe(user, plan):
            # the constraint makes the database refuse the second insert; get_or_create
            # catches that IntegrityError and returns the row the other request made
            subscription, _ = Subscription.objects.get_or_create(user=user, plan=plan)
            return subscription
        """,
    notes="The check and the create must target the same model: the same manager base "
    "(`X.objects`, `self.addresses`, a local queryset built from one), or in a model's "
    "`save()` that model itself (`X.objects` or `self.__class__.objects`). Silent when "
    "the create is inside `try/except IntegrityError` (or `DatabaseError`), when the "
    "check runs inside `transaction.atomic()` on a queryset with `select_for_update()`, "
    "for capacity checks (`.count() >= n`: only `== 0`, `< 1`, `> 0`, `>= 1` and `!= "
    "0` say whether a row exists) and in migrations. Also silent for a check that cannot "
    "name the row a create would duplicate: a table-wide check with no filter (`if not "
    "X.objects.exists():`, seeding defaults into an empty table) and a range or "
    "containment lookup (`created__gte=...`, `name__contains=...`); and in one-off "
    "programs (management commands, scripts with a `__main__` block, `argparse` or "
    "`sys.argv`), run once by an operator. " + FLOW_NOTE,
)

# The existence-check methods met so far in the function, noted as the walk meets them.
_CHECKS_MET: FactKey[Set[str]] = FactKey("br031.checks_met")
# The function's reported creates: id of the create call -> the check that decided it.
_DECIDED_CREATES: FactKey[Dict[int, ast.Call]] = FactKey("br031.decided_creates")


def _check_then_creates(ctx: Context, frame: Frame) -> Dict[int, ast.Call]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, ast.Call] = {}
    if facts is None:
        return found
    creations: List[Tuple[Write, str]] = []
    for w in facts.writes:
        base = creation_base(w, facts)
        if base is not None and not w.site.integrity:
            creations.append((w, base))

    def unlocked_check(call: ast.Call) -> bool:
        # a check on a locked queryset inside atomic() is serialised by the lock, and so
        # is a check after a lock taken earlier in the same transaction (the parent row)
        if facts.query_locked.get(id(call)) and facts.in_atomic(call):
            return False
        return not facts.serialized_by_earlier_lock(call)

    def report(write: Write, call: ast.Call) -> None:
        if not cannot_be_a_key(call, facts, ctx, frame):
            found.setdefault(id(write.node), call)

    for stmt, path in facts.ifs:
        known_true = existence_facts(stmt.test, True, facts, ctx, frame)
        known_false = existence_facts(stmt.test, False, facts, ctx, frame)
        if not known_true and not known_false:
            continue
        exits = ends_with_exit(stmt.body, LEAVING_STATEMENTS)
        # `continue`/`break` leave only the rest of this iteration: after a `break` the
        # code after the loop runs whatever the check said
        skips = not exits and ends_with_exit(stmt.body, (ast.Continue, ast.Break))
        for write, base in creations:
            WORK.lookup()  # an (if, write) pair: bounded by the work budget
            wpath = write.site.path
            if inside(wpath, stmt, "body", path):
                regions = known_true
            elif follows(path, wpath, stmt, facts.owners):
                in_else = inside(wpath, stmt, "orelse", path)
                after = exits or (skips and _in_same_loop_body(path, wpath, facts))
                regions = known_false if (in_else or after) else []
            else:
                continue
            for call, exists in regions:
                if not exists and facts.query_bases.get(id(call)) == base and unlocked_check(call):
                    report(write, call)
                    break
        _model_save_shape(frame, facts, stmt, path, known_true + known_false, found,
                          lambda c: unlocked_check(c) and not cannot_be_a_key(c, facts, ctx, frame))
    for try_stmt, try_path in facts.tries:
        _get_or_create_by_hand(try_stmt, try_path, facts, creations, found)
    return found


def _in_same_loop_body(guard: Path, later: Path, facts: FlowFacts) -> bool:
    """Is ``later`` inside the body of the innermost loop around the statement at
    ``guard``?"""
    for k in range(len(guard) - 1, -1, -1):
        owner = facts.owners.get(guard[k][0])
        if isinstance(owner, (ast.For, ast.AsyncFor, ast.While)) and guard[k][1] == "body":
            return len(later) > k and later[:k] == guard[:k] and later[k][:2] == guard[k][:2]
    return False


def _model_save_shape(frame: Frame, facts: FlowFacts, stmt: ast.If, path: Path, checks: List[Tuple[ast.Call, bool]],
                      found: Dict[int, ast.Call], unlocked_check: Callable[[ast.Call], bool]) -> None:
    """In a model's own `save()`: `if not X.objects.filter(...).exists(): self.flag = True`
    then `super().save()`: the flag ("first address is primary") is decided by a check
    a concurrent save can pass too."""
    if getattr(frame.node, "name", "") not in ("save", "asave") or frame.class_frame is None:
        return
    own = {frame.class_frame.name, f"{frame.self_name}.__class__"}
    relevant = [call for call, _ in checks if facts.query_bases.get(id(call)) in own and unlocked_check(call)]
    if not relevant:
        return
    sets_flag = any(
        isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == frame.self_name
        for branch in (stmt.body, stmt.orelse) for s in branch for n in iter_nodes(s, into_scopes=False)
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
    )
    if not sets_flag:
        return
    for write in facts.writes:
        if write.method in SAVES and write.receiver in ("super()", frame.self_name) \
                and follows(path, write.site.path, stmt, facts.owners) and not write.site.integrity:
            found.setdefault(id(write.node), relevant[0])
            return


def _get_or_create_by_hand(stmt: ast.AST, path: Path, facts: FlowFacts,
                           creations: List[Tuple[Write, str]], found: Dict[int, ast.Call]) -> None:
    """`try: X.objects.get(...) except X.DoesNotExist: X.objects.create(...)`."""
    gets = [
        (site.node, facts.query_bases.get(id(site.node)))
        for site in facts.calls
        if id(site.node) in facts.queries and facts.queries[id(site.node)].methods[-1] in GETS
        and inside(site.path, stmt, "body", path) and not facts.query_locked.get(id(site.node))
    ]
    # a related manager's `.get(key=...)`, a row fetch the vocabulary leaves out
    for fetches in facts.fetches.values():
        for fetch in fetches:
            value = fetch.value
            if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
                continue
            if id(value) not in facts.queries and value.func.attr in GETS and inside(fetch.path, stmt, "body", path):
                gets.append((value, dotted_name(value.func.value)))
    if not gets:
        return
    for k, handler in enumerate(stmt.handlers):  # type: ignore[attr-defined]
        if not catches(handler, ("DoesNotExist",)):
            continue
        field = f"handler{k}"
        for write, base in creations:
            in_handler = inside(write.site.path, stmt, field, path)
            built_in_handler = (
                write.info is None and write.receiver is not None
                and follows(path, write.site.path, stmt, facts.owners) and _constructed_in(write.receiver, handler)
            )
            if not (in_handler or built_in_handler):
                continue
            for call, get_base in gets:
                if get_base == base:
                    found.setdefault(id(write.node), call)
                    break


def _constructed_in(name: str, handler: ast.ExceptHandler) -> bool:
    for stmt in handler.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return True
    return False


@check(RULE, ast.Call, callees=CHECK_NAMES)
def note_existence_check(node: ast.Call, ctx: Context) -> None:
    """Remember that an `exists()`/`count()`/`first()`/`get()` call was met in this
    function, so a later create builds the flow facts only when a check can precede it."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in CHECK_NAMES:
        ctx.frame_fact(_CHECKS_MET, new_set).add(func.attr)


@check(RULE, ast.Call, callees=CREATES | SAVES)
def check_then_create(node: ast.Call, ctx: Context) -> None:
    """A row created after an existence check on the same model: two requests pass the
    check together and both create (duplicate rows, two "primary" addresses)."""
    if not is_write_call(node, CREATES | SAVES):
        return
    if ctx.kind.migration or ctx.frame.kind != "function" or ctx.in_program():
        return
    if not ctx.frame_fact(_CHECKS_MET, new_set):
        return  # no existence check met earlier in this function
    checked = ctx.frame_fact(_DECIDED_CREATES, _check_then_creates).get(id(node))
    if checked is None:
        return
    constraint = _backing_constraint(checked, node, ctx)
    if constraint is not None:
        ctx.report(RULE, node, "constrained", write=short_source(node, 40), check=short_source(checked, 50),
                   fields=", ".join(constraint))
    else:
        ctx.report(RULE, node, write=short_source(node, 40), check=short_source(checked, 50))


def _backing_constraint(check_call: ast.Call, write: ast.Call, ctx: Context) -> Optional[Tuple[str, ...]]:
    """The unique set of the created model that the check's fields are exactly, per the
    project model: then the database refuses the duplicate and the race costs a 500."""
    facts = flow_facts(ctx, ctx.frame)
    if facts is None or ctx.project is None:
        return None
    base = facts.query_bases.get(id(check_call))
    model = ctx.project_model(base) if base else None
    if model is None:
        return None
    fields = checked_fields(check_call, ctx, ctx.frame)
    return model.unique_set_for(fields) if fields else None
