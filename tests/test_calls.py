"""Entry points and calls in the project model (project/calls.py), on small projects
written to a temporary folder: registrations, callee resolution, callers, composed
effects, and the bounds (cycles, a thousand-function chain: work counted, never time)."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from flake8_backend_rules.engine import Engine
from flake8_backend_rules.options import build_options
from flake8_backend_rules.project import ProjectModels
from flake8_backend_rules.project.calls import MAX_CALLER_MODULES, MAX_DEPTH, CallGraph, Edge
from flake8_backend_rules.project.model import ProjectModel

OPTIONS = build_options({})


def _project(root: Path, files: Dict[str, str]) -> ProjectModel:
    root.mkdir(parents=True, exist_ok=True)
    (root / "setup.cfg").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    model = ProjectModels(use_cache=False).for_file(str(root / next(iter(files))))
    assert model is not None
    return model


def _graph(root: Path, files: Dict[str, str]) -> CallGraph:
    return _project(root, files).calls(OPTIONS)


# -- entry points -------------------------------------------------------------------------
REGISTERING = {
    "app/__init__.py": "",
    "app/pages.py": '''
        def home(request):
            return None


        def wrapped(request):
            return None


        def nested(request):
            return None


        def helper():
            return None
        ''',
    "app/classes.py": '''
        from rest_framework import viewsets


        class AuditMixin:
            def perform_create(self, serializer):
                serializer.save()

            def audit(self):
                return None


        class BookViewSet(AuditMixin, viewsets.ModelViewSet):
            def list(self, request):
                return None


        class Page:
            def get(self, request):
                return None


        class BookAdmin:
            def get_queryset(self, request):
                return None
        ''',
    "app/urls.py": '''
        from django.contrib import admin
        from django.contrib.auth.decorators import login_required
        from django.urls import include, path
        from rest_framework.routers import DefaultRouter

        from app import pages
        from app.classes import BookAdmin, BookViewSet, Page

        router = DefaultRouter()
        router.register("books", BookViewSet)
        admin.site.register(Page, BookAdmin)

        urlpatterns = [
            path("", pages.home),
            path("w/", login_required(pages.wrapped)),
            path("n/", include([path("x/", pages.nested)])),
            path("p/", Page.as_view()),
            path("api/", include(router.urls)),
        ]
        ''',
    "api/__init__.py": "",
    "api/main.py": '''
        from contextlib import asynccontextmanager

        from fastapi import APIRouter, FastAPI
        from starlette.routing import Route

        from api.handlers import added, starlette_page


        @asynccontextmanager
        async def lifespan(app):
            yield


        def warm():
            return None


        app = FastAPI(lifespan=lifespan, on_startup=[warm])
        router = APIRouter()
        app.add_api_route("/added", added, methods=["PUT"])
        routes = [Route("/s", starlette_page)]


        @router.get("/items")
        async def items():
            return []


        @app.on_event("startup")
        async def connect():
            return None
        ''',
    "api/handlers.py": '''
        async def added():
            return None


        async def starlette_page(request):
            return None
        ''',
    "app/tasks_impl.py": '''
        from celery import shared_task


        @shared_task
        def rebuild():
            return None
        ''',
    "app/apps.py": '''
        from django.apps import AppConfig


        class ShopConfig(AppConfig):
            def ready(self):
                return None
        ''',
    "app/management/__init__.py": "",
    "app/management/commands/__init__.py": "",
    "app/management/commands/rebuild.py": '''
        from django.core.management.base import BaseCommand


        class Command(BaseCommand):
            def handle(self, *args, **options):
                return None
        ''',
}


@pytest.mark.parametrize("module,qualname,kind", [
    ("app.pages", "home", "request"),
    ("app.pages", "wrapped", "request"),  # login_required(pages.wrapped)
    ("app.pages", "nested", "request"),  # include([...]) of a list
    ("app.pages", "helper", None),
    ("app.classes", "BookViewSet.list", "request"),  # router.register
    ("app.classes", "AuditMixin.perform_create", "request"),  # inherited by a registered viewset
    ("app.classes", "AuditMixin.audit", None),  # not a handler method
    ("app.classes", "Page.get", "request"),  # Page.as_view()
    ("app.classes", "BookAdmin.get_queryset", None),  # admin.site.register(Model, Admin) routes nothing
    ("api.main", "items", "request"),  # @router.get
    ("api.main", "lifespan", "startup"),
    ("api.main", "warm", "startup"),
    ("api.main", "connect", "startup"),  # @app.on_event("startup")
    ("api.handlers", "added", "request"),  # add_api_route
    ("api.handlers", "starlette_page", "request"),  # Route(...)
    ("app.tasks_impl", "rebuild", "task"),
    ("app.apps", "ShopConfig.ready", "startup"),
    ("app.management.commands.rebuild", "Command.handle", "command"),
])
def test_entry_points_by_registration(tmp_path: Path, module: str, qualname: str, kind: str) -> None:
    assert _graph(tmp_path, REGISTERING).entry_point(module, qualname) == kind


def test_only_the_modules_that_may_register_are_read_for_entry_points(tmp_path: Path) -> None:
    files = dict(REGISTERING)
    for index in range(40):  # modules with nothing to register: never parsed for the question
        files[f"app/plain_{index}.py"] = f"def f{index}():\n    return {index}\n"
    model = _project(tmp_path, files)
    graph = model.calls(OPTIONS)
    assert graph.entry_point("app.pages", "home") == "request"
    read = model.modules.computed
    assert read <= 5, f"{read} modules parsed to answer one entry-point question"


def test_the_naming_fallback_where_no_registration_is_seen(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {
        "shop/__init__.py": "",
        "shop/views.py": "def home(request):\n    return None\n\n\ndef _private():\n    return None\n",
        "shop/jobs.py": "def nightly():\n    return None\n",
        "shop/other.py": "class V(APIView):\n    def post(self, request):\n        return None\n",
    })
    assert graph.entry_point("shop.views", "home") is None
    assert graph.entry_kind("shop.views", "home") == "request"  # a handler module
    assert graph.entry_kind("shop.views", "_private") is None
    assert graph.entry_kind("shop.jobs", "nightly") == "task"
    assert graph.entry_kind("shop.other", "V.post") == "request"


# -- calls -------------------------------------------------------------------------------------
CALLS = {
    "shop/__init__.py": "",
    "shop/services/__init__.py": "from .mail import send_welcome\n",
    "shop/services/mail.py": '''
        from django.core.mail import send_mail


        def send_welcome(user):
            send_mail("hi", "body", "a@b.c", [user.email])
        ''',
    "shop/notify.py": '''
        from shop import services


        class Notifier:
            def notify(self, user):
                services.send_welcome(user)


        class LoudNotifier(Notifier):
            def notify(self, user):
                super().notify(user)
        ''',
    "shop/views.py": '''
        from rest_framework.views import APIView

        from shop.notify import LoudNotifier
        from shop.services import send_welcome


        def register(request):
            send_welcome(request.user)


        class Signup(APIView):
            notifier = LoudNotifier()

            def post(self, request):
                self.greet(request.user)

            def greet(self, user):
                self.notifier.notify(user)

            def relay(self, request):
                self.post(request)
        ''',
}


def test_callees_resolve_through_reexports_self_super_and_class_attributes(tmp_path: Path) -> None:
    graph = _graph(tmp_path, CALLS)
    assert [e.callee for e in graph.callees(("shop.views", "register"))] == [("shop.services.mail", "send_welcome")]
    assert [e.callee for e in graph.callees(("shop.views", "Signup.post"))] == [("shop.views", "Signup.greet")]
    assert [e.callee for e in graph.callees(("shop.views", "Signup.greet"))] == [
        ("shop.notify", "LoudNotifier.notify")]
    assert [e.callee for e in graph.callees(("shop.notify", "LoudNotifier.notify"))] == [
        ("shop.notify", "Notifier.notify")]


def test_effects_compose_along_calls_as_the_shortest_chain(tmp_path: Path) -> None:
    model = _project(tmp_path, CALLS)
    assert model.effects_through("shop.views", "register", "mail") == [
        "views.register", "mail.send_welcome", "send_mail"]
    assert model.effects_through("shop.views", "Signup.greet", "mail") == [
        "views.Signup.greet", "notify.LoudNotifier.notify", "notify.Notifier.notify", "mail.send_welcome",
        "send_mail"]
    # post reaches it in exactly MAX_DEPTH calls; relay, one call more, is past the bound
    assert len(model.effects_through("shop.views", "Signup.post", "mail") or ()) == MAX_DEPTH + 2
    assert model.effects_through("shop.views", "Signup.relay", "mail") is None
    assert model.effects_through("shop.views", "register", "lock") is None


def test_callers_are_found_in_the_modules_that_call_the_name_only(tmp_path: Path) -> None:
    files = dict(CALLS)
    for index in range(30):
        files[f"shop/unrelated_{index}.py"] = f"def g{index}():\n    return len([{index}])\n"
    model = _project(tmp_path, files)
    graph = model.calls(OPTIONS)
    edges, unknown = graph.callers(("shop.services.mail", "send_welcome"))
    assert sorted(e.caller for e in edges) == [("shop.notify", "Notifier.notify"), ("shop.views", "register")]
    assert not unknown
    assert model.modules.computed <= 6, "modules that never call send_welcome were parsed"


def test_a_call_of_the_name_the_model_cannot_resolve_makes_the_callers_unknown(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {
        "shop/__init__.py": "",
        "shop/helpers.py": "def lock(pk):\n    return pk\n",
        "shop/use.py": "def run(service, pk):\n    return service.lock(pk)\n",
    })
    edges, unknown = graph.callers(("shop.helpers", "lock"))
    assert edges == [] and unknown


# -- bounds: work counted, not time -------------------------------------------------------------
def _chain_project(length: int) -> Dict[str, str]:
    """f0 -> f1 -> ... -> f{length-1}, the last one sending mail; every tenth function also
    calls back to f0 (cycles)."""
    lines = ["from django.core.mail import send_mail", ""]
    for index in range(length):
        lines.append(f"def f{index}(x):")
        if index + 1 < length:
            lines.append(f"    f{index + 1}(x)")
        else:
            lines.append("    send_mail('s', 'b', 'a@b.c', [x])")
        if index % 10 == 9:
            lines.append("    f0(x)")
        lines.append("")
    return {"chain/__init__.py": "", "chain/calls.py": "\n".join(lines)}


def _all_queries(graph: CallGraph, length: int) -> int:
    for index in range(length):
        graph.effects_through("chain.calls", f"f{index}", "mail")
        graph.caller_chain("chain.calls", f"f{index}", lambda edge: True, lambda key, kind: False)
    return graph.work


def test_composition_is_bounded_and_linear_on_a_thousand_function_chain(tmp_path: Path) -> None:
    small = _graph(tmp_path / "small", _chain_project(1000))
    assert small.effects_through("chain.calls", "f995", "mail") == [
        "calls.f995", "calls.f996", "calls.f997", "calls.f998", "calls.f999", "send_mail"]
    assert small.effects_through("chain.calls", "f0", "mail") is None  # 999 calls away: past the bound
    work_1000 = _all_queries(small, 1000)
    large = _graph(tmp_path / "large", _chain_project(2000))
    work_2000 = _all_queries(large, 2000)
    # every function and call visited at most once per remaining depth, per direction
    assert work_1000 <= 1000 * 3 * (MAX_DEPTH + 1)
    assert work_2000 <= 2.2 * work_1000, (work_1000, work_2000)


def test_a_cycle_is_not_walked_twice(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {
        "loop/__init__.py": "",
        "loop/calls.py": '''
            from django.core.mail import send_mail


            def a(x):
                b(x)


            def b(x):
                a(x)
                c(x)


            def c(x):
                send_mail("s", "b", "a@b.c", [x])


            def ping(x):
                pong(x)


            def pong(x):
                ping(x)
            ''',
    })
    assert graph.effects_through("loop.calls", "a", "mail") == ["calls.a", "calls.b", "calls.c", "send_mail"]
    assert graph.effects_through("loop.calls", "ping", "mail") is None
    before = graph.work
    assert graph.effects_through("loop.calls", "ping", "mail") is None
    assert graph.work == before, "a second question recomputed a memoised answer"
    # up from ping: its only caller is pong, whose only caller is ping: no entry, no root
    assert graph.caller_chain("loop.calls", "ping", lambda edge: True, lambda key, kind: bool(kind)) is None


# -- the rules through the engine ----------------------------------------------------------------
def _findings(root: Path, files: Dict[str, str], path: str) -> List[Tuple[int, str]]:
    _project(root, files)
    engine = Engine(None, build_options({}), strict=True, project=ProjectModels(use_cache=False))
    full = root / path
    tree = ast.parse(full.read_bytes())
    return sorted((f.line, f.message) for f in engine.run(tree, path, path=str(full)))


ATOMIC_SITE = {
    "manage.py": 'import os\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")\n',
    "desk/__init__.py": "",
    "desk/settings.py": 'DATABASES = {"default": {"NAME": "desk", "ATOMIC_REQUESTS": True}}\n',
    "desk/models.py": "from django.db import models\n\n\nclass Ticket(models.Model):\n    pass\n",
    "desk/views.py": '''
        from desk.helpers import lock_row
        from desk.models import Ticket


        def claim(request, pk):
            return Ticket.objects.select_for_update().get(pk=pk).pk


        def claim_through_helper(request, pk):
            return lock_row(pk)
        ''',
    "desk/helpers.py": '''
        from desk.models import Ticket


        def lock_row(pk):
            return Ticket.objects.select_for_update().get(pk=pk).pk


        def lock_for_command(pk):
            return Ticket.objects.select_for_update().get(pk=pk).pk
        ''',
    "desk/management/__init__.py": "",
    "desk/management/commands/__init__.py": "",
    "desk/management/commands/close.py": '''
        from django.core.management.base import BaseCommand

        from desk.helpers import lock_for_command


        class Command(BaseCommand):
            def handle(self, *args, **options):
                lock_for_command(options["pk"])
        ''',
}


def test_br033_atomic_requests_holds_the_transaction_of_views_only(tmp_path: Path) -> None:
    assert _findings(tmp_path, ATOMIC_SITE, "desk/views.py") == []
    found = _findings(tmp_path, ATOMIC_SITE, "desk/helpers.py")
    assert [(line, message.split(":")[0]) for line, message in found] == [
        (9, "BR033 `Ticket.objects.select_for_update().get(pk=pk)` runs outside transaction.atomic() when called "
            "as `close.Command.handle -> helpers.lock_for_command -> select_for_update()`")]


def test_br033_without_the_settings_reports_the_view_and_the_helper(tmp_path: Path) -> None:
    files = dict(ATOMIC_SITE)
    files["desk/settings.py"] = 'DATABASES = {"default": {"NAME": "desk"}}\n'
    assert [line for line, _ in _findings(tmp_path, files, "desk/views.py")] == [6]
    assert [line for line, _ in _findings(tmp_path, files, "desk/helpers.py")] == [5, 9]


def test_edges_say_whether_the_value_is_returned(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {
        "shop/__init__.py": "",
        "shop/h.py": "def text():\n    return 'x'\n",
        "shop/v.py": '''
            from shop.h import text


            def returns(request):
                ok, message = True, text()
                return {"m": message}


            def logs(request, logger):
                logger.info(text())
                return None
            ''',
    })
    edges: List[Edge] = graph.callers(("shop.h", "text"))[0]
    assert sorted((e.caller[1], e.call.returned) for e in edges) == [("logs", False), ("returns", True)]


def test_a_name_called_everywhere_is_not_read_everywhere(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/helpers.py": "def process(x):\n    return x\n"}
    for index in range(MAX_CALLER_MODULES + 1):
        files[f"shop/user_{index}.py"] = f"def u{index}(job):\n    return job.process({index})\n"
    model = _project(tmp_path, files)
    assert model.calls(OPTIONS).callers(("shop.helpers", "process")) == ([], True)
    assert model.modules.computed == 0
