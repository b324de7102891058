"""The per-function queryset flow (rules/orm/_queryflow.py) BR003 and BR004 share, tested
where it lives: how each read of a local is classified, which locals are querysets, and
the "no other use" question both rules ask; and the locals derived from the serialized
object that BR006 follows."""
from __future__ import annotations

import ast
from typing import Dict, List

import pytest

from flake8_backend_rules.context import Context
from flake8_backend_rules.options import DEFAULT_OPTIONS
from flake8_backend_rules.rules.orm._queryflow import (
    ITERATE,
    MEASURE,
    OTHER,
    REBUILD,
    compute_flow,
    is_queryset_local,
    note_chain_assignment,
    sole_queryset_use,
)
from flake8_backend_rules.rules.orm.br006_query_in_serializer_method import derived_names

SOURCE = '''
from shop.models import Order


def view(customer, render):
    qs = Order.objects.filter(customer=customer)
    qs = qs.order_by("-created")
    if qs:
        pass
    n = len(qs)
    for o in qs:
        pass
    rows = [o for o in qs]
    page = render(qs)
    listed = list(Order.objects.all())
    maybe = Order.objects.all() if customer else []
    for loop_var in range(3):
        pass
    total = 0
    total += 1
    lonely = Order.objects.filter(customer=customer)
    return len(lonely), bool(not listed), maybe, page, rows, n
'''


def _function_context(source: str) -> Context:
    tree = ast.parse(source)
    ctx = Context(tree, "shop/services.py", DEFAULT_OPTIONS, frozenset())
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    ctx.enter_function(func)
    return ctx


def _kinds(source: str) -> Dict[str, List[str]]:
    ctx = _function_context(source)
    flow = compute_flow(ctx, ctx.frame)
    return {name: [kind for _, kind in uses] for name, uses in flow.uses.items()}


def test_reads_are_classified_by_their_use() -> None:
    kinds = _kinds(SOURCE)
    assert kinds["qs"] == [REBUILD, MEASURE, MEASURE, ITERATE, ITERATE, OTHER]
    assert kinds["lonely"] == [MEASURE]
    assert kinds["listed"] == [MEASURE]


def test_queryset_locals_are_bound_only_to_querysets() -> None:
    ctx = _function_context(SOURCE)
    flow = compute_flow(ctx, ctx.frame)
    assert is_queryset_local(ctx, flow, "qs")
    assert is_queryset_local(ctx, flow, "lonely")
    assert not is_queryset_local(ctx, flow, "listed")  # a list
    assert not is_queryset_local(ctx, flow, "maybe")  # a conditional expression
    assert not is_queryset_local(ctx, flow, "loop_var")  # a loop target
    assert not is_queryset_local(ctx, flow, "total")  # augmented
    assert not is_queryset_local(ctx, flow, "customer")  # a parameter


@pytest.mark.parametrize("name, sole", [("qs", False), ("lonely", True)])
def test_sole_use_means_no_other_read(name: str, sole: bool) -> None:
    ctx = _function_context(SOURCE)
    tree = ctx.tree
    for node in ast.walk(tree):  # the walk records queryset assignments as it goes
        if isinstance(node, ast.Assign):
            note_chain_assignment(node, ctx)
    reads = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    measured = [n for n in reads if _is_len_argument(tree, n)]
    assert measured
    assert (sole_queryset_use(ctx, measured[-1]) == "local") is sole


def _is_len_argument(tree: ast.AST, name: ast.Name) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len" and name in n.args
        for n in ast.walk(tree)
    )


def test_derived_names_follow_bindings_to_a_fixed_point() -> None:
    ctx = _function_context(
        "def get_x(self, obj):\n    user = obj.user\n    groups = user.groups\n    other = self.x\n"
    )
    assert derived_names(ctx, ctx.frame, {"obj"}) == {"obj", "user", "groups"}
