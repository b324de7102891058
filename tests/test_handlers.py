"""The HTTP methods a request handler answers (handlers.py), which BR061/BR062 read."""
from __future__ import annotations

from typing import Optional, Set

import pytest

from flake8_backend_rules.handlers import handler_info
from tests.test_context import enter, make_context

SOURCE = '''
from unittest import mock

from django.contrib import admin
from django.views import View
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from fastapi import APIRouter
from rest_framework.decorators import action, api_view
from rest_framework.viewsets import ModelViewSet
from slack_bolt import App

router = APIRouter()
app = App()

@router.get("/items")
def fastapi_get(): ...

@router.post("/items")
def fastapi_post(): ...

@router.api_route("/items", methods=["GET", "POST"])
def api_route_both(): ...

@app.route("/legacy")
def flask_default(): ...

@api_view
def bare_api_view(request): ...

@api_view()
def empty_api_view(request): ...

@api_view(["get", "post"])
def listed_api_view(request): ...

@require_GET
def django_get(request): ...

@require_safe
def django_safe(request): ...

@require_http_methods(["GET", "POST"])
def django_both(request): ...

@app.options("select-id")
def slack_options(ack): ...

@app.action("button")
def slack_action(ack): ...

@mock.patch("x")
def patched(): ...

class Items(ModelViewSet):
    def list(self, request): ...

    def get_queryset(self): ...

    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None): ...

    @action(detail=False)
    def recent(self, request): ...

class Page(View):
    def get(self, request): ...

class Shop(admin.ModelAdmin):
    @admin.action(description="x")
    def expire(self, request, queryset): ...

def plain(): ...
'''


@pytest.mark.parametrize(
    "function, methods, handler",
    [
        ("fastapi_get", {"GET"}, True), ("fastapi_post", {"POST"}, True),
        ("api_route_both", {"GET", "POST"}, True), ("flask_default", {"GET"}, True),
        ("bare_api_view", {"GET"}, True), ("empty_api_view", {"GET"}, True),
        ("listed_api_view", {"GET", "POST"}, True), ("django_get", {"GET"}, True),
        ("django_safe", {"GET", "HEAD"}, True), ("django_both", {"GET", "POST"}, True),
        ("list", {"GET"}, True), ("get_queryset", None, True), ("refund", {"POST"}, True),
        ("recent", {"GET"}, True), ("get", {"GET"}, True),
        # one definition of a handler: Slack Bolt's `@app.options("select-id")` and
        # `@mock.patch("x")` are no routes (a route's first argument is a URL path)
        ("slack_options", None, False), ("patched", None, False), ("plain", None, False),
    ],
)
def test_declared_methods(function: str, methods: Optional[Set[str]], handler: bool) -> None:
    ctx = make_context(SOURCE, "shop/services.py")
    enter(ctx, function)
    info = handler_info(ctx)
    assert info.methods == (frozenset(methods) if methods is not None else None)
    assert info.is_handler is handler


def test_non_drf_actions_declare_no_method() -> None:
    for name in ("slack_action", "expire"):
        ctx = make_context(SOURCE, "shop/services.py")
        enter(ctx, name)
        assert handler_info(ctx).methods is None


def test_route_path_is_kept_and_safe_only_reads_it() -> None:
    ctx = make_context(SOURCE, "shop/services.py")
    enter(ctx, "fastapi_get")
    info = handler_info(ctx)
    assert info.path == "/items" and info.safe_only and info.get_only


def test_a_function_of_a_handler_module_has_unknown_methods() -> None:
    ctx = make_context(SOURCE, "shop/views.py")
    enter(ctx, "plain")
    info = handler_info(ctx)
    assert info.is_handler and info.methods is None and not info.safe_only
