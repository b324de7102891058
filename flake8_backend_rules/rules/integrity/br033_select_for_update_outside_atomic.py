"""BR033 select-for-update-outside-atomic: `select_for_update()` evaluated with no
transaction open, which Django refuses with TransactionManagementError."""
from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from ...astutil import short_source
from ...context import Context, Frame
from ...entrypoints import call_graph, chain_text, function_key
from ...project.calls import Edge
from .. import Rule, check
from ._txflow import FLOW_NOTE, FlowFacts, flow_facts

RULE = Rule(
    code="BR033",
    symbol="select-for-update-outside-atomic",
    summary="select_for_update() is evaluated outside transaction.atomic()",
    default_on=False,
    precision="Off by default. Read blind on three unseen projects: 0 of 4 findings true (the "
    "callers held the transaction, once through a project context manager not named "
    "atomic). Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br030-br031-br033-br042-br062.md.",
    message="`{expr}` runs outside transaction.atomic(): Django raises "
    "TransactionManagementError in autocommit mode; wrap the read and the writes in "
    "`with transaction.atomic():`",
    messages={
        "chain": "`{expr}` runs outside transaction.atomic() when called as `{chain}`: Django "
        "raises TransactionManagementError in autocommit mode; open the transaction in "
        "`{top}` (`with transaction.atomic():` around the call) or in this function",
    },
    what="Finds `.select_for_update(` in a function that owns its transaction (a "
    "request handler, a task, a management command's `handle()`) with no enclosing "
    "`with transaction.atomic():`, `@transaction.atomic` (with or without arguments) "
    "or `@atomic`.",
    why="Outside a transaction a row lock would end with the query itself, so Django "
    "refuses: evaluating the queryset raises `TransactionManagementError` in "
    "autocommit mode. The code fails the first time it runs outside a test that wraps "
    "everything in a transaction.",
    bad="""
        from django.http import JsonResponse
        from rest_framework.decorators import api_view

        from shop.models import Product


        @api_view(["POST"])
        def reserve(request, product_id):
            product = Product.objects.select_for_update().get(pk=product_id)
            return JsonResponse({"stock": product.stock})
        """,
    good="""
        from django.db import transaction
        from django.http import JsonResponse
        from rest_framework.decorators import api_view

        from shop.models import Product


        @api_view(["POST"])
        def reserve(request, product_id):
            with transaction.atomic():
                product = Product.objects.select_for_update().get(pk=product_id)
                product.stock -= int(request.data["quantity"])
                product.save()
            return JsonResponse({"stock": product.stock})
        """,
    category="E",
    options=("backend-handler-modules", "backend-task-decorators"),
    notes="With the project model, any other function is judged by its callers: a "
    "helper that takes the lock is reported (at the `select_for_update()`, the chain "
    "of calls in the message: `views.reserve -> services.lock_stock -> "
    "select_for_update()`) when a request handler, task, management command or "
    "startup hook reaches it, within four calls, with no transaction open on the way "
    "(`ATOMIC_REQUESTS = True` in the settings holds one for every view); a helper "
    "whose every caller holds a transaction (or is itself such a helper) is silent, "
    "and so is one called from tests only or through calls the model cannot resolve "
    "(`obj.lock_rows()` on an object of unknown type). A function no project code "
    "calls at all is judged as it stands: no transaction of its own, reported. "
    "Entry points are found by registration (`urlpatterns`, routers, route "
    "decorators, task decorators, `Command.handle`, `AppConfig.ready`), the naming "
    "rules of the handler modules as a fallback. "
    "Without a project model, other functions, and private (`_name`) functions of a "
    "views module, are taken to be helpers their callers run inside "
    "`atomic()`: on real code (saleor's checkout, gift-card and payment helpers, "
    "taiga's `ref_uniquely`) every `select_for_update()` outside a visible atomic "
    "block was such a helper, called from an atomic caller, mostly in another module "
    "where a per-function analysis cannot look. For the same reason a function that "
    "hands the locked rows to its caller (returns or yields the locked queryset or "
    "row, directly, through a local or as an argument) is silent, as is one that asks "
    "`connection.in_atomic_block`/`get_autocommit()` itself. `select_for_update()` "
    "chained into `.update()`/`.delete()` is silent: Django drops the lock there and "
    "raises nothing. Wrappers whose name says atomic or transaction "
    "(`traced_atomic_transaction()`, `transaction_with_commit_on_errors()`) count as "
    "atomic blocks. Not seen: `ATOMIC_REQUESTS = True`, which wraps every view. "
    "Migrations (atomic by default) are not checked. " + FLOW_NOTE,
)


def _hands_over_the_lock(outer: ast.Call, facts: FlowFacts, ctx: Context, frame: Frame) -> bool:
    """The locked rows go to the caller: the function returns (or yields) a locked
    queryset or row, directly, through a local or as an argument (`return
    get_node_or_error(info, pk, qs=locked_qs)`). Such a lock-taking helper is made to be
    called inside its caller's transaction, and an unevaluated queryset is evaluated
    there anyway."""
    if facts.returns_locked:
        return True
    if id(outer) in facts.returned_calls:
        return True
    return any(value is outer for name in facts.returned_names for _, value in ctx.bindings(frame).get(name, ()))


def _owns_its_transaction(ctx: Context, frame: Frame) -> bool:
    """Code no caller wraps in a transaction: a request handler (a routed or
    `@api_view` function, a view class's handler method, a function of a handler
    module: :mod:`handlers`), a task, a management command's `handle()`. Any other
    function may be a helper its caller runs inside `atomic()`: on real code (saleor's
    checkout and payment helpers, taiga's `ref_uniquely`) every `select_for_update()`
    outside a visible atomic block was one, called from an atomic caller, usually in
    another module."""
    while frame.kind == "lambda" and frame.parent is not None:
        frame = frame.parent
    if frame.kind != "function":
        return False
    name = getattr(frame.node, "name", "")
    if name.startswith("_") and not name.startswith("__"):
        return False  # a private helper of a views module runs inside its caller
    if ctx.is_request_handler(frame):
        return True
    if ctx.in_task_context():
        return True
    cls = frame.class_frame
    return cls is not None and getattr(frame.node, "name", "") == "handle" and any(
        base.endswith("Command") for base in cls.base_names
    )


def _lock_is_ignored(outer: ast.Call, facts: FlowFacts) -> bool:
    """`select_for_update().filter(...).update(...)`/`.delete()`: Django drops the lock
    for an UPDATE or DELETE (which lock the rows themselves) and raises nothing."""
    info = facts.queries.get(id(outer))
    return info is not None and info.methods[-1] in ("update", "aupdate", "delete", "adelete")


def _entry_kind(ctx: Context, frame: Frame) -> Optional[str]:
    """How the project starts the function around the lock (the project model's
    registrations), or None."""
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    if graph is None or key is None:
        return None
    return graph.entry_point(*key)


def _unprotected_chain(ctx: Context, frame: Frame) -> Optional[Tuple[List[Tuple[str, str]], bool]]:
    """Judged by its callers (project model): (the chain of calls from an entry point,
    or from a function no project code calls, down to this function, with no
    transaction open on the way; whether the model could judge at all). The chain is
    empty when every caller holds a transaction (or the callers are unknown)."""
    graph = call_graph(ctx)
    key = function_key(ctx, frame)
    if graph is None or key is None:
        return None
    atomic_views = ctx.project.atomic_requests() if ctx.project is not None else False

    def holds_none(edge: Edge) -> bool:
        return not edge.call.atomic

    def unprotected_entry(_key: Tuple[str, str], kind: str) -> bool:
        return bool(kind) and not (kind == "request" and atomic_views)

    chain = graph.caller_chain(key[0], key[1], holds_none, unprotected_entry)
    return (chain or [], True)


@check(RULE, ast.Call, callees=("select_for_update",))
def select_for_update_outside_atomic(node: ast.Call, ctx: Context) -> None:
    """`select_for_update()` evaluated with no atomic block open: Django raises
    TransactionManagementError in autocommit mode (and no lock would outlive the query)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "select_for_update"):
        return
    if ctx.kind.migration:
        return
    frame = ctx.frame
    while frame.kind == "lambda" and frame.parent is not None:
        frame = frame.parent
    declared = _entry_kind(ctx, frame)
    owns = declared is not None or _owns_its_transaction(ctx, ctx.frame)
    judged = None if owns else _unprotected_chain(ctx, frame)
    if not owns and not (judged and judged[0]):
        return  # a helper: its callers hold the transaction (or, without the model, are presumed to)
    facts = flow_facts(ctx)
    if facts is None or facts.in_atomic(node) or facts.checks_atomic:
        return
    outer = next((o for site, o in facts.sfu_links if site.node is node), node)
    if _hands_over_the_lock(outer, facts, ctx, ctx.frame) or _lock_is_ignored(outer, facts):
        return
    expr = short_source(outer, 50)
    if owns:
        project = ctx.project
        kind = declared or ("request" if ctx.is_request_handler(frame) else "")
        if kind == "request" and project is not None and project.atomic_requests():
            return  # ATOMIC_REQUESTS: Django opened the transaction around the view
        ctx.report(RULE, node, expr=expr)
        return
    chain = judged[0] if judged else []
    if len(chain) <= 1:
        ctx.report(RULE, node, expr=expr)  # no project code calls it: judged as it stands
        return
    ctx.report(RULE, node, "chain", expr=expr, chain=chain_text(chain, "select_for_update()"),
               top=chain_text(chain[:1]))
