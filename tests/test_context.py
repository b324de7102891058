"""The shared vocabulary the rules ask the context about, tested where it lives (the
context), including the parts no shipped rule reads yet (request handlers, task
contexts) so that the rule families built on them start from a tested base."""
from __future__ import annotations

import ast
from typing import Dict, Optional

import pytest

from flake8_backend_rules.context import Context
from flake8_backend_rules.options import DEFAULT_OPTIONS, Options, build_options, module_kind, normalise_path


def make_context(source: str, filename: str = "app/services.py", options: Options = DEFAULT_OPTIONS) -> Context:
    return Context(ast.parse(source), filename, options, frozenset())


def enter(ctx: Context, name: str) -> None:
    """Walk the frames down to the function (or method) called ``name``."""
    tree = ctx.tree
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.name == name for child in node.body
        ):
            ctx.enter_class(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            ctx.enter_function(node)
            return
    raise AssertionError(name)


# -- resolved names ----------------------------------------------------------------
@pytest.mark.parametrize(
    "source, expression, expected",
    [
        ("from os import getenv as ge", "ge", "os.getenv"),
        ("import requests as r", "r.get", "requests.get"),
        ("import os.path", "os.path.exists", "os.path.exists"),
        ("from os import environ", "environ.get", "os.environ.get"),
        ("from . import utils", "utils.send", ".utils.send"),
        ("from .mail import send_mail", "send_mail", ".mail.send_mail"),
        ("", "open", "open"),
        ("def open(): pass", "open", None),  # a module-level def shadows the builtin
        ("", "send_mail", None),  # neither imported nor builtin: never a library function
        ("if True:\n    import requests", "requests.post", "requests.post"),
        # the except body is a fallback: the try's binding stands
        ("try:\n    import ujson as json\nexcept ImportError:\n    import json", "json.loads", "ujson.loads"),
        ("try:\n    import ujson\nexcept ImportError:\n    import json", "json.loads", "json.loads"),
        ("import requests as http\nimport httpx as http", "http.get", "httpx.get"),
    ],
)
def test_resolve(source: str, expression: str, expected: Optional[str]) -> None:
    ctx = make_context(source)
    assert ctx.resolve(ast.parse(expression, mode="eval").body) == expected


def test_numeric_module_needs_numpy_and_no_orm() -> None:
    assert make_context("import numpy as np").numeric_module
    assert make_context("import pandas").numeric_module
    assert not make_context("import numpy\nfrom django.db import models").numeric_module
    assert not make_context("import numpy\nimport sqlalchemy as sa").numeric_module
    assert not make_context("import os").numeric_module


# -- module kinds by glob ------------------------------------------------------------
@pytest.mark.parametrize(
    "path, kinds",
    [
        ("config/settings/prod.py", {"settings"}),
        ("settings/prod.py", {"settings"}),
        ("./myproject/settings.py", {"settings"}),
        ("settings_local.py", {"settings", "dev_settings"}),
        ("config/settings/dev.py", {"settings", "dev_settings"}),
        ("app/conf.py", {"settings"}),
        ("app/localization.py", set()),  # dev globs only matter for settings modules
        ("shop/views.py", {"handler"}),
        ("shop/views/orders.py", {"handler"}),
        ("api/routers/items.py", {"handler"}),
        ("shop\\api\\v1.py", {"handler"}),
        ("shop/migrations/0001_initial.py", {"migration"}),
        ("migrations/0001_initial.py", {"migration"}),
        ("shop/models.py", {"models"}),
        ("shop/models/order.py", {"models"}),
        ("tests/test_orders.py", {"test"}),
        ("shop/tests.py", {"test"}),
        ("conftest.py", {"test"}),
        ("shop/orders_test.py", {"test"}),
        ("shop/tasks.py", {"task"}),
        ("shop/tasks/emails.py", {"task"}),
        ("manage.py", {"manage", "entry_point"}),
        ("config/wsgi.py", {"entry_point"}),
        ("scripts/backfill.py", {"scripts"}),
        ("shop/services.py", set()),
    ],
)
def test_module_kinds(path: str, kinds: set) -> None:
    kind = module_kind(path, DEFAULT_OPTIONS)
    fields = {"settings", "dev_settings", "handler", "migration", "models", "test", "task", "manage",
              "entry_point", "scripts"}
    assert {name for name in fields if getattr(kind, name)} == kinds


def test_normalise_path() -> None:
    assert normalise_path("./a/b.py") == "/a/b.py"
    assert normalise_path("a\\b.py") == "/a/b.py"
    assert normalise_path("/abs/b.py") == "/abs/b.py"


def test_list_options_replace_or_extend_the_defaults() -> None:
    replaced = build_options({"backend_settings_modules": ["conf/*.py"]})
    assert replaced.settings_modules == ("conf/*.py",)
    extended = build_options({"extend_backend_settings_modules": "deploy/*.py, ops/*.py"})
    assert extended.settings_modules == DEFAULT_OPTIONS.settings_modules + ("deploy/*.py", "ops/*.py")
    assert module_kind("ops/x.py", extended).settings and not module_kind("ops/x.py", DEFAULT_OPTIONS).settings
    assert build_options({"backend_check_tests": True}).check_tests


# -- request handlers ----------------------------------------------------------------
HANDLERS = '''
from fastapi import APIRouter
from rest_framework.decorators import action, api_view
from rest_framework import viewsets

router = APIRouter()

@router.get("/items")
async def list_items(): ...

@app.route("/legacy", methods=["POST"])
def legacy(): ...

@api_view(["GET"])
def drf_function(request): ...

class OrderViewSet(viewsets.ModelViewSet):
    def list(self, request): ...
    def helper(self): ...

    @action(detail=True)
    def refund(self, request, pk=None): ...

class CheckoutMixin(CreateModelMixin):
    def perform_create(self, serializer): ...

class NamedMixin:
    def perform_update(self, serializer): ...

class Report:
    def get(self, key): ...

def plain(): ...
'''


@pytest.mark.parametrize(
    "function, expected",
    [
        ("list_items", True), ("legacy", True), ("drf_function", True), ("list", True), ("refund", True),
        ("perform_create", True), ("perform_update", False), ("helper", False), ("get", False), ("plain", False),
    ],
)
def test_request_handlers(function: str, expected: bool) -> None:
    ctx = make_context(HANDLERS, "shop/services.py")
    enter(ctx, function)
    assert ctx.is_request_handler() is expected


def test_every_function_of_a_handler_module_is_a_handler() -> None:
    ctx = make_context(HANDLERS, "shop/views.py")
    enter(ctx, "plain")
    assert ctx.is_request_handler()


# -- task contexts ---------------------------------------------------------------------
TASKS = '''
from celery import shared_task
from myproject.celery import app
import dramatiq
from huey.contrib.djhuey import db_task as huey_db

@shared_task
def a(): ...

@app.task(bind=True)
def b(self): ...

@dramatiq.actor
def c(): ...

@huey_db()
def d(): ...

@custom_job
def e(): ...

def f():
    def inner(): ...
'''


@pytest.mark.parametrize(
    "function, expected",
    [("a", True), ("b", True), ("c", True), ("d", True), ("e", False), ("f", False)],
)
def test_task_decorators(function: str, expected: bool) -> None:
    ctx = make_context(TASKS)
    enter(ctx, function)
    assert ctx.in_task_context() is expected


def test_task_decorator_option_extends() -> None:
    options = build_options({"extend_backend_task_decorators": ["custom_job"]})
    ctx = make_context(TASKS, options=options)
    enter(ctx, "e")
    assert ctx.in_task_context()


def test_task_modules() -> None:
    ctx = make_context(TASKS, "shop/tasks.py")
    enter(ctx, "f")
    assert ctx.in_task_context()


# -- query expressions -----------------------------------------------------------------
QUERY_CASES: Dict[str, Optional[str]] = {
    "Order.objects.filter(a=1).first()": "manager",
    "Order.objects.get(pk=1)": "manager",
    "self.model._default_manager.all()": "manager",
    "Order.objects.published()": None,  # a custom manager method alone is unknown
    "Order.objects.published().count()": "manager",
    "order.items.all()": "related",
    "order.items.count()": "related",
    "order.items.count('x')": None,  # str.count-like call
    "order.items.get(pk=1)": None,  # .get first on a non-manager: dict.get-like
    "order.data.values()": None,
    "order.cache.delete(key)": None,  # cache.delete(key), not QuerySet.delete()
    "order.path.exists()": None,  # pathlib
    "order.tags.reverse()": None,  # list.reverse
    "session.execute(stmt)": "sqlalchemy",
    "self.db.query(User).filter(User.id == 1).all()": "sqlalchemy",
    "cursor.execute('SELECT 1')": "sqlalchemy",
    "client.execute(stmt)": None,
    "unknown.items.all()": None,  # base is not a parameter, loop target or query local
}


@pytest.mark.parametrize("expression", list(QUERY_CASES))
def test_query_expressions(expression: str) -> None:
    source = f"def view(order, session, cursor, client, key, stmt):\n    return {expression}\n"
    ctx = make_context(source)
    enter(ctx, "view")
    call = ctx.tree.body[0].body[0].value  # type: ignore[attr-defined]
    info = ctx.outer_query(call)
    assert (info.kind if info else None) == QUERY_CASES[expression]


def test_query_locals() -> None:
    source = (
        "def view(pk):\n"
        "    order = get_object_or_404(Order, pk=pk)\n"
        "    qs = Order.objects.filter(a=1)\n"
        "    prices = Price.objects.in_bulk([1])\n"
        "    return order.items.all(), qs.exists(), prices.get(1)\n"
    )
    ctx = make_context("from django.shortcuts import get_object_or_404\n" + source)
    enter(ctx, "view")
    calls = ctx.tree.body[1].body[-1].value.elts  # type: ignore[attr-defined]
    kinds = [getattr(ctx.outer_query(call), "kind", None) for call in calls]
    assert kinds == ["related", "local", None]  # in_bulk() returns a dict


def test_numeric_module_bare_all_is_not_a_query() -> None:
    source = "import numpy as np\ndef f(frame):\n    return frame.mask.all()\n"
    ctx = make_context(source)
    enter(ctx, "f")
    assert ctx.outer_query(ctx.tree.body[1].body[0].value) is None  # type: ignore[attr-defined]
