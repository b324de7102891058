"""The data-integrity family's flow facts (``rules/integrity/_txflow.py``), tested where
they live: atomic blocks and decorators, IntegrityError guards, locked rows, block paths,
nested scopes, and once-per-function caching through ``Context.frame_fact``."""
from __future__ import annotations

import ast
from typing import List, Optional

import pytest

from flake8_backend_rules.rules.integrity import _txflow as txflow
from flake8_backend_rules.astutil import call_name
from flake8_backend_rules.context import Context
from flake8_backend_rules.options import DEFAULT_OPTIONS


def make_context(source: str, filename: str = "app/services.py") -> Context:
    return Context(ast.parse(source), filename, DEFAULT_OPTIONS, frozenset())


def enter_path(ctx: Context, *names: str) -> None:
    """Enter the frames of nested functions (or a class's method) named ``names``."""
    body: List[ast.stmt] = ctx.tree.body  # type: ignore[attr-defined]
    for name in names:
        node = next(n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and n.name == name)
        if isinstance(node, ast.ClassDef):
            ctx.enter_class(node)
        else:
            ctx.enter_function(node)
        body = node.body


def facts_of(source: str, *names: str) -> txflow.FlowFacts:
    ctx = make_context(source)
    enter_path(ctx, *names)
    facts = txflow.flow_facts(ctx)
    assert facts is not None
    return facts


def call_named(facts: txflow.FlowFacts, attr: str, index: int = 0) -> ast.Call:
    calls = [s.node for s in facts.calls if isinstance(s.node.func, ast.Attribute) and s.node.func.attr == attr]
    return calls[index]


PRELUDE = "from django.db import transaction, IntegrityError\nfrom django.db.transaction import atomic\n"


@pytest.mark.parametrize(
    "decorator",
    ["@transaction.atomic", "@transaction.atomic()", "@transaction.atomic(using='x', savepoint=False)",
     "@atomic", "@atomic(using='x')", "@method_decorator(transaction.atomic)"],
)
def test_atomic_decorators_cover_the_whole_function(decorator: str) -> None:
    facts = facts_of(PRELUDE + f"{decorator}\ndef f():\n    X.objects.select_for_update().get()\n", "f")
    assert facts.covered
    assert facts.in_atomic(call_named(facts, "get"))


def test_non_atomic_requests_is_not_atomic() -> None:
    facts = facts_of(PRELUDE + "@transaction.non_atomic_requests\ndef f():\n    X.objects.get()\n", "f")
    assert not facts.covered


def test_with_block_covers_its_body_only() -> None:
    source = PRELUDE + (
        "def f():\n"
        "    X.objects.create()\n"
        "    with transaction.atomic(using='default'):\n"
        "        X.objects.update()\n"
        "    X.objects.delete()\n"
    )
    facts = facts_of(source, "f")
    assert [facts.in_atomic(call_named(facts, m)) for m in ("create", "update", "delete")] == [False, True, False]


def test_nested_function_inside_an_atomic_block_is_covered_outside_is_not() -> None:
    source = PRELUDE + (
        "def outer():\n"
        "    def before():\n"
        "        X.objects.get()\n"
        "    with transaction.atomic():\n"
        "        def inside():\n"
        "            X.objects.get()\n"
    )
    assert not facts_of(source, "outer", "before").covered
    ctx = make_context(source)
    enter_path(ctx, "outer")
    outer = txflow.flow_facts(ctx)
    assert outer is not None and not outer.covered
    assert [call_name(s.node) for s in outer.calls] == ["atomic"]  # nested calls are not the outer's
    inner = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.FunctionDef) and n.name == "inside")
    ctx.enter_function(inner)
    facts = txflow.flow_facts(ctx)
    assert facts is not None and facts.covered


def test_writes_inside_try_except_integrity_error_are_guarded() -> None:
    source = PRELUDE + (
        "def f():\n"
        "    try:\n"
        "        X.objects.create()\n"
        "    except IntegrityError:\n"
        "        X.objects.update_or_create()\n"
        "    X.objects.bulk_create([])\n"
    )
    facts = facts_of(source, "f")
    guarded = {w.method: w.site.integrity for w in facts.writes}
    assert guarded == {"create": True, "update_or_create": False, "bulk_create": False}


def test_rows_fetched_with_and_without_select_for_update() -> None:
    source = PRELUDE + (
        "def f(pk):\n"
        "    a = X.objects.get(pk=pk)\n"
        "    b = X.objects.select_for_update().get(pk=pk)\n"
        "    qs = X.objects.select_for_update()\n"
        "    c = qs.filter(pk=pk).first()\n"
        "    d = get_object_or_404(X.objects.select_for_update(), pk=pk)\n"
        "    e = get_object_or_404(X, pk=pk)\n"
        "    for g in X.objects.select_for_update().all():\n"
        "        pass\n"
    )
    source = "from django.shortcuts import get_object_or_404\n" + source
    facts = facts_of(source, "f")
    assert set(facts.fetches) == {"a", "b", "c", "d", "e"}
    assert {n for n in "abcdeg" if facts.is_locked(n)} == {"b", "c", "d", "g"}


def _path_of(facts: txflow.FlowFacts, attr: str, index: int = 0) -> txflow.Path:
    return facts.sites[id(call_named(facts, attr, index))].path


def test_follows_else_branch_and_later_statements_not_body_or_sibling_branch() -> None:
    source = (
        "def f(a):\n"
        "    if a:\n"
        "        if a.x:\n"
        "            return g()\n"
        "        else:\n"
        "            h()\n"
        "        k()\n"
        "    else:\n"
        "        m()\n"
        "    n()\n"
    )
    facts = facts_of(source, "f")
    guard, guard_path = next((s, p) for s, p in facts.ifs if isinstance(s.test, ast.Attribute))

    def after(name: str) -> bool:
        site = next(s for s in facts.calls if isinstance(s.node.func, ast.Name) and s.node.func.id == name)
        return txflow.follows(guard_path, site.path, guard)

    assert {name: after(name) for name in "ghkmn"} == {"g": False, "h": True, "k": True, "m": False, "n": True}


def test_exclusive_branches() -> None:
    source = (
        "def f(a):\n"
        "    if a:\n"
        "        x.save()\n"
        "    else:\n"
        "        y.save()\n"
        "    try:\n"
        "        z.save()\n"
        "    except KeyError:\n"
        "        w.save()\n"
        "    except ValueError:\n"
        "        v.save()\n"
    )
    facts = facts_of(source, "f")
    paths = [_path_of(facts, "save", i) for i in range(5)]
    exclusive = txflow.exclusive
    assert exclusive(paths[0], paths[1], facts.owners)  # if body / else
    assert exclusive(paths[2], paths[3], facts.owners)  # the try body's last statement, or its handler
    assert not exclusive(paths[0], paths[3], facts.owners)
    assert exclusive(paths[3], paths[4], facts.owners)  # two handlers
    assert not exclusive(paths[1], paths[2], facts.owners)


def test_a_try_body_write_before_more_work_is_not_exclusive_with_the_handler() -> None:
    source = (
        "def f(a):\n"
        "    try:\n"
        "        x.save()\n"
        "        a.send()\n"
        "    except KeyError:\n"
        "        w.save()\n"
    )
    facts = facts_of(source, "f")
    assert not txflow.exclusive(_path_of(facts, "save", 0), _path_of(facts, "save", 1), facts.owners)


def test_facts_are_computed_once_per_function() -> None:
    ctx = make_context("def f():\n    X.objects.create()\n")
    enter_path(ctx, "f")
    calls: List[Optional[txflow.FlowFacts]] = [txflow.flow_facts(ctx), txflow.flow_facts(ctx)]
    assert calls[0] is calls[1]
    assert ctx.frame.facts[txflow.KEY] is calls[0]


def test_no_facts_outside_functions() -> None:
    ctx = make_context("X.objects.create()\n")
    assert txflow.flow_facts(ctx) is None


def test_odd_shapes_do_not_raise() -> None:
    source = (
        "async def f(a):\n"
        "    match a:\n"
        "        case 1 if a.b:\n"
        "            await a.save()\n"
        "    async with transaction.atomic():\n"
        "        [x async for x in a]\n"
        "    while (b := a.c):\n"
        "        b.d += 1\n"
        "    lambda: a.save()\n"
        "    return\n"
    )
    facts = facts_of(source, "f")
    assert facts.writes
