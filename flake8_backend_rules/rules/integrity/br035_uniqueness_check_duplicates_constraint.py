"""BR035 uniqueness-check-duplicates-constraint: an existence check on exactly the fields of
a unique constraint, whose only outcome is an error; the database enforces it already and
the check races."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ...astutil import call_name, dotted_name, short_source
from ...context import Context, FactKey, Frame
from ...project.model import ModelInfo
from ...vocabulary import LEAVING_STATEMENTS
from .. import Rule, check
from ._checks import COUNTS, CREATES, EXISTENCE, GETS, ROW_PROBES, checked_fields, creation_base, existence_facts
from ._txflow import FLOW_NOTE, FlowFacts, catches, catches_integrity_error, ends_with_exit, flow_facts, follows, inside, new_set

RULE = Rule(
    code="BR035",
    symbol="uniqueness-check-duplicates-constraint",
    summary="An existence check repeats a unique constraint the database enforces",
    default_on=False,
    precision="Off by default. Read blind: 17 of 22 findings true on ten projects (eight of them projects "
    "other rules were tuned on, never read for this one), then (after "
    "checks in IntegrityError handlers, guards of other models' writes and "
    "validate_unique() overrides were made silent) 4 of 5 on four more: 27 findings in "
    "all, fewer than the 30 from three unseen projects at 90% a default-on rule needs. "
    "Verdicts: docs/evaluation/2026-12-04-br009-br035-blind.md, "
    "2026-12-04-blind-round2-orm.md.",
    message="`{check}` checks {model}'s unique {kind} ({fields}), which the database already "
    "enforces, and races: a concurrent request passes the same check and its insert fails with "
    "IntegrityError (a 500); catch the IntegrityError of the write (or let the constraint's "
    "validation report it) instead",
    what="Finds an existence check (`X.objects.filter(...).exists()`, `.count() > 0`, "
    "`.first() is not None`, `X.objects.get(...)` in a `try`) on exactly the fields of a "
    "unique constraint of the model (a `unique=True` field, `unique_together`, or a "
    "`UniqueConstraint` without a condition), whose outcome only raises or returns an error "
    "(`raise ValidationError(...)`, a 4xx response): the check that guards a create is "
    "BR031's. The model and its constraints come from the project model (the `models.py` "
    "that declares them, its abstract bases included).",
    why="The database already refuses the duplicate; the check adds a query and still lets "
    "two concurrent requests through together: both see no row, and the second insert fails "
    "with an `IntegrityError` that nothing catches, a 500 instead of the friendly error the "
    "check was written for. Catching the `IntegrityError` of the write gives that error in "
    "every case, with one query.",
    bad="""
        from django.db import models
        from rest_framework import serializers


        class Member(models.Model):  # in models.py
            email = models.EmailField(unique=True)


        class SignupSerializer(serializers.ModelSerializer):
            def validate_email(self, value):
                if Member.objects.filter(email=value).exists():
                    raise serializers.ValidationError("This email is already registered.")
                return value
        """,
    good="""
        from django.db import IntegrityError, models, transaction
        from rest_framework import serializers


        class Member(models.Model):  # in models.py
            email = models.EmailField(unique=True)


        class SignupSerializer(serializers.ModelSerializer):
            def create(self, validated_data):
                try:
                    with transaction.atomic():
                        return Member.objects.create(**validated_data)
                except IntegrityError:
                    raise serializers.ValidationError({"email": "This email is already registered."})
        """,
    notes="Silent where the project model cannot resolve the model or the constraint (no "
    "finding on a guess), for a check on more or fewer fields than a unique set (it is "
    "not the constraint), for case-insensitive or other lookups (`email__iexact`: a "
    "case-sensitive constraint does not cover them), for constraints with a condition, "
    "when a create of the same model follows the check (BR031 reports that), for a check in "
    "an `except IntegrityError:` handler (it explains a refused write), for a check guarding "
    "only writes of other models (the constraint cannot refuse them), in an overridden "
    "`validate_unique()` (the constraint's own validation), and in "
    "migrations. " + FLOW_NOTE,
)

_CHECKS: FactKey[Set[str]] = FactKey("br035.checks_met")
_FINDINGS: FactKey[Dict[int, Tuple[str, str, str, str]]] = FactKey("br035.findings")


def _is_error_outcome(body: List[ast.stmt]) -> bool:
    """The block only fails: it ends by raising, or by returning an error response
    (a 4xx status, `HttpResponseBadRequest(...)`), and writes nothing before."""
    if not body or not ends_with_exit(body, LEAVING_STATEMENTS):
        return False
    last = body[-1]
    if isinstance(last, ast.Raise):
        return True
    if isinstance(last, ast.If):
        return _is_error_outcome(last.body) and _is_error_outcome(last.orelse)
    value = getattr(last, "value", None)
    if isinstance(value, ast.Tuple) and len(value.elts) == 2:  # Flask: `return jsonify(...), 400`
        return _is_error_status(value.elts[1])
    if isinstance(value, ast.Call):
        name = call_name(value) or ""
        if name.endswith(("BadRequest", "Conflict", "Forbidden", "NotFound")):
            return True
        status = next((kw.value for kw in value.keywords if kw.arg in ("status", "status_code")), None)
        if status is None and len(value.args) >= 2 and name in ("Response", "JSONResponse"):
            status = value.args[1]
        return status is not None and _is_error_status(status)
    return False


def _is_error_status(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return 400 <= node.value < 500
    text = dotted_name(node) or ""
    last = text.rsplit(".", 1)[-1]  # status.HTTP_409_CONFLICT, HTTPStatus.BAD_REQUEST
    return last.startswith("HTTP_4") or last in ("BAD_REQUEST", "CONFLICT", "UNPROCESSABLE_ENTITY")


def _model_of(call: ast.Call, facts: FlowFacts, ctx: Context, frame: Frame) -> Optional[ModelInfo]:
    base = facts.query_bases.get(id(call))
    if base is None:
        return None
    if base in (f"{frame.self_name}.__class__", "type(self)") and frame.class_frame is not None:
        return ctx.project_model(frame.class_frame.name)
    return ctx.project_model(base)


def _unique_kind(model: ModelInfo, unique: Tuple[str, ...]) -> str:
    if len(unique) == 1:
        fld = model.fields.get(unique[0])
        return "field" if fld is not None and (fld.unique or fld.primary_key) else "constraint"
    return "constraint"


def _findings(ctx: Context, frame: Frame) -> Dict[int, Tuple[str, str, str, str]]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, Tuple[str, str, str, str]] = {}
    if facts is None or ctx.project is None:
        return found
    creates = [(w, creation_base(w, facts)) for w in facts.writes]
    creates = [(w, base) for w, base in creates if base is not None and w.method in CREATES | {"save", "asave"}]

    if getattr(frame.node, "name", "") == "validate_unique":
        return found  # Django's own uniqueness validation, overridden: the check is the constraint's
    other_writes = {b for w, b in creates if b is not None}
    unknown_writes = any(creation_base(w, facts) is None for w in facts.writes)

    def consider(call: ast.Call, leads_to_create: bool) -> None:
        model = _model_of(call, facts, ctx, frame)
        if model is None or leads_to_create or _in_integrity_handler(call, facts):
            return
        base = facts.query_bases.get(id(call))
        if other_writes and base not in other_writes and not unknown_writes:
            return  # the check guards a write of another model, which the constraint cannot refuse
        fields = checked_fields(call, ctx, frame)
        if not fields:
            return
        unique = model.unique_set_for(fields)
        if unique is None:
            return
        found.setdefault(id(call), (short_source(call, 60), model.name.rsplit(".", 1)[-1],
                                    _unique_kind(model, unique), ", ".join(unique)))

    for stmt, path in facts.ifs:
        for call, exists in existence_facts(stmt.test, True, facts, ctx, frame):
            # the body runs when rows exist and only fails; nothing after it creates the model
            if not exists or not _is_error_outcome(stmt.body):
                continue
            base = facts.query_bases.get(id(call))
            later = any(
                b == base and follows(path, w.site.path, stmt, facts.owners) for w, b in creates
            )
            consider(call, later)
    for try_stmt, try_path in facts.tries:
        _get_in_try(try_stmt, try_path, facts, creates, consider)
    return found


def _in_integrity_handler(call: ast.Call, facts: FlowFacts) -> bool:
    """Is the check in an `except IntegrityError:` handler, explaining a refused write?"""
    site = facts.sites.get(id(call))
    if site is None:
        return False
    for stmt, path in facts.tries:
        for k, handler in enumerate(getattr(stmt, "handlers", ())):
            if catches_integrity_error(handler) and inside(site.path, stmt, f"handler{k}", path):
                return True
    return False


def _get_in_try(stmt: ast.AST, path, facts: FlowFacts, creates, consider) -> None:
    """`try: X.objects.get(email=e) ... raise Error except X.DoesNotExist: pass`: finding
    the row is the error."""
    handlers: List[ast.ExceptHandler] = getattr(stmt, "handlers", [])
    if not any(catches(h, ("DoesNotExist", "ObjectDoesNotExist")) for h in handlers):
        return
    body: List[ast.stmt] = getattr(stmt, "body", [])
    if not _is_error_outcome(body):
        return
    for site in facts.calls:
        info = facts.queries.get(id(site.node))
        if info is None or info.methods[-1] not in GETS or not inside(site.path, stmt, "body", path):
            continue
        base = facts.query_bases.get(id(site.node))
        creates_in_handler = any(b == base and any(inside(w.site.path, stmt, f"handler{k}", path)
                                                   for k in range(len(handlers))) for w, b in creates)
        consider(site.node, creates_in_handler)


@check(RULE, ast.Call, callees=EXISTENCE | ROW_PROBES | COUNTS | GETS)
def note_check(node: ast.Call, ctx: Context) -> None:
    """Remember that the function makes an existence check: only then are its flow facts
    read (when the function ends)."""
    if ctx.frame.kind == "function":
        ctx.frame_fact(_CHECKS, new_set).add(call_name(node) or "")


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef, phase="leave")
def uniqueness_check_duplicates_constraint(node: ast.AST, ctx: Context) -> None:
    """An existence check on exactly a unique set of the model, whose outcome is an error."""
    frame = ctx.frame
    if frame.node is not node or ctx.kind.migration or not frame.facts.get(_CHECKS):
        return
    if ctx.project is None:
        return
    for call_id, (check_text, model, kind, fields) in ctx.frame_fact(_FINDINGS, _findings, frame).items():
        call = _call_by_id(frame, call_id, ctx)
        if call is not None:
            ctx.report(RULE, call, check=check_text, model=model, kind=kind, fields=fields)


def _call_by_id(frame: Frame, call_id: int, ctx: Context) -> Optional[ast.Call]:
    facts = flow_facts(ctx, frame)
    site = facts.sites.get(call_id) if facts is not None else None
    return site.node if site is not None else None
