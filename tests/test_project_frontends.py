"""The project model through the real front ends: an editor's unsaved buffer on stdin, the
cache options, and ``explain-model``."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

MODELS = '''
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
'''

SERVICES = '''
from .models import Book


def catalogue():
    return [book.author for book in Book.objects.all()]
'''


def _env(cache: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONSAFEPATH"] = "1"
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def _run(args: List[str], cwd: Path, cache: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          env=_env(cache), timeout=300)


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "library").mkdir(parents=True)
    (root / "setup.cfg").write_text("")
    (root / "library" / "__init__.py").write_text("")
    (root / "library" / "models.py").write_text(textwrap.dedent(MODELS))
    (root / "library" / "services.py").write_text(textwrap.dedent(SERVICES))
    return root


# BR009 is opt-in: the runs below name it in --select.
def test_flake8_and_pylint_read_the_model_from_another_module(library: Path, tmp_path: Path) -> None:
    flake8 = _run(["-m", "flake8", "--isolated", "--select=BR,BR009", "--format=%(path)s:%(row)d:%(col)d:%(code)s",
                   "library"], library, tmp_path / "cache")
    assert flake8.stdout.splitlines() == ["library/services.py:6:13:BR009"], flake8.stdout + flake8.stderr
    pylint = _run(["-m", "pylint", "--rcfile=/dev/null", "--load-plugins=pylint_plugins.backend_rules",
                   "--disable=all", "--enable=lazy-relation-in-loop", "--score=n",
                   "--msg-template={path}:{line}:{column}:{symbol}", "library"], library, tmp_path / "cache")
    assert pylint.stdout.splitlines()[-1:] == ["library/services.py:6:12:lazy-relation-in-loop"], pylint.stdout
    assert list((tmp_path / "cache" / "flake8-backend-rules").glob("*.sqlite3")), "the cache was not written"


def test_an_unsaved_buffer_on_stdin_replaces_its_file(library: Path, tmp_path: Path) -> None:
    """The editor's buffer of models.py (author no longer a foreign key) decides what the
    loop in the same buffer reads; the file on disk says otherwise."""
    buffer = textwrap.dedent(MODELS).replace(
        "author = models.ForeignKey(Author, on_delete=models.CASCADE)", "author = models.CharField(max_length=9)"
    ) + "\n\ndef names():\n    return [book.author for book in Book.objects.all()]\n"
    args = ["-m", "flake8", "--isolated", "--select=BR,BR009", "--format=%(path)s:%(row)d:%(code)s",
            "--stdin-display-name=library/models.py", "-"]
    edited = _run(args, library, tmp_path / "cache", stdin=buffer)
    assert edited.stdout == "" and edited.returncode == 0, edited.stdout + edited.stderr
    # the same loop against the model on disk, where author is a foreign key
    on_disk = textwrap.dedent(MODELS) + "\n\ndef names():\n    return [book.author for book in Book.objects.all()]\n"
    unedited = _run(args, library, tmp_path / "cache", stdin=on_disk)
    assert unedited.stdout.splitlines() == ["library/models.py:15:BR009"], unedited.stdout + unedited.stderr


def test_no_cache_and_cache_dir_options(library: Path, tmp_path: Path) -> None:
    base = ["-m", "flake8", "--isolated", "--select=BR,BR009", "--format=%(code)s", "library"]
    no_cache = _run([*base, "--backend-no-cache"], library, tmp_path / "home-cache")
    assert no_cache.stdout.split() == ["BR009"]
    assert not (tmp_path / "home-cache").exists()
    chosen = tmp_path / "chosen"
    with_dir = _run([*base, f"--backend-cache-dir={chosen}"], library, tmp_path / "home-cache")
    assert with_dir.stdout.split() == ["BR009"]
    assert list(chosen.glob("*.sqlite3")) and not (tmp_path / "home-cache").exists()


def test_explain_model_prints_what_the_model_believes(library: Path, tmp_path: Path) -> None:
    result = _run(["-m", "flake8_backend_rules", "explain-model", "library/models.py::Book"], library,
                  tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("library.models.Book  (project root: ")
    assert "  Django model" in lines
    assert "    author: ForeignKey [fk] -> library.models.Author" in lines
    assert "    title: CharField [column]" in lines
    missing = _run(["-m", "flake8_backend_rules", "explain-model", "library/models.py::Nope"], library,
                   tmp_path / "cache")
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "explain-model: Nope: no class or function of that name in library.models (library/models.py)"
    )
    bad = _run(["-m", "flake8_backend_rules", "explain-model", "library/models.py"], library, tmp_path / "cache")
    assert bad.returncode == 2 and "expected PATH::Name" in bad.stderr


# -- entry points and calls: a helper judged by its callers in another module ----------
SHOP = {
    "shop/__init__.py": "",
    "shop/models.py": '''
        from django.db import models


        class Product(models.Model):
            stock = models.IntegerField()
        ''',
    "shop/stock.py": '''
        from .models import Product


        def lock_stock(pk):
            return Product.objects.select_for_update().get(pk=pk).stock


        def lock_in_transaction(pk):
            return Product.objects.select_for_update().get(pk=pk).stock


        def add_item(cart, sku):
            try:
                cart.add(sku)
            except Exception as e:
                return str(e)
            return ""
        ''',
    "shop/pages.py": '''
        from django.db import transaction
        from django.http import JsonResponse

        from . import stock


        def reserve(request, pk):
            return JsonResponse({"stock": stock.lock_stock(pk)})


        def reserve_safely(request, pk):
            with transaction.atomic():
                return JsonResponse({"stock": stock.lock_in_transaction(pk)})


        def add(request, sku):
            return JsonResponse({"error": stock.add_item(request.cart, sku)})
        ''',
    "shop/urls.py": '''
        from django.urls import path

        from .pages import add, reserve, reserve_safely

        urlpatterns = [path("r/", reserve), path("s/", reserve_safely), path("a/", add)]
        ''',
}


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name, text in SHOP.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"))
    (root / "setup.cfg").write_text("")
    return root


def test_flake8_and_pylint_judge_a_helper_by_its_registered_callers(shop: Path, tmp_path: Path) -> None:
    """`pages.py` is no handler module by name: urls.py registers its views. The helper
    they call without a transaction is reported at its lock, the other is silent."""
    flake8 = _run(["-m", "flake8", "--isolated", "--select=BR033,BR021",
                   "--format=%(path)s:%(row)d:%(col)d:%(code)s %(text)s", "shop"], shop, tmp_path / "cache")
    assert flake8.stdout.splitlines() == [
        "shop/stock.py:5:12:BR033 `Product.objects.select_for_update().get(pk=pk)` runs outside "
        "transaction.atomic() when called as `pages.reserve -> stock.lock_stock -> select_for_update()`: Django "
        "raises TransactionManagementError in autocommit mode; open the transaction in `pages.reserve` "
        "(`with transaction.atomic():` around the call) or in this function",
        "shop/stock.py:16:16:BR021 exception text `str(e)` is returned up to the handler `pages.add`, which sends it "
        "to the client (`pages.add -> stock.add_item`); log the exception and return a generic message",
    ], flake8.stdout + flake8.stderr
    pylint = _run(["-m", "pylint", "--rcfile=/dev/null", "--load-plugins=pylint_plugins.backend_rules",
                   "--disable=all", "--enable=select-for-update-outside-atomic,exception-leaked-to-client",
                   "--score=n", "--msg-template={path}:{line}:{column}:{symbol}", "shop"], shop, tmp_path / "cache")
    assert [line for line in pylint.stdout.splitlines() if not line.startswith("*")] == [
        "shop/stock.py:5:11:select-for-update-outside-atomic",
        "shop/stock.py:16:15:exception-leaked-to-client",
    ], pylint.stdout + pylint.stderr


def test_explain_model_shows_a_functions_entry_point_calls_and_effects(shop: Path, tmp_path: Path) -> None:
    result = _run(["-m", "flake8_backend_rules", "explain-model", "shop/stock.py::lock_stock"], shop,
                  tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("shop.stock.lock_stock  (function; project root: ")
    assert lines[1:] == [
        "  entry point: none (a helper: judged by its callers)",
        "  callers:",
        "    pages.reserve (line 8, returns its value)",
        "  calls into the project: none",
        "  effects of its own: query (line 5); lock (line 5)",
        "  effects through its calls (up to 4 calls): none",
    ]
    view = _run(["-m", "flake8_backend_rules", "explain-model", "shop/pages.py::reserve"], shop, tmp_path / "cache")
    assert view.stdout.splitlines()[1:] == [
        "  entry point: request (registered or declared)",
        "  callers: none found",
        "    (and uses of its name the model cannot follow: callers not all known)",  # urls.py names it
        "  calls into the project:",
        "    stock.lock_stock (line 8: stock.lock_stock(...))",
        "  effects of its own: none",
        "  effects through its calls (up to 4 calls):",
        "    query: pages.reserve -> stock.lock_stock -> a query",
        "    lock: pages.reserve -> stock.lock_stock -> select_for_update()",
    ], view.stdout + view.stderr


API = {
    "manage.py": '''
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings")
        ''',
    "conf/__init__.py": "",
    "conf/settings.py": '''
        INSTALLED_APPS = ["rest_framework", "shop"]
        REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
        ''',
    "shop/__init__.py": "",
    "shop/views.py": '''
        from rest_framework import viewsets
        from rest_framework.permissions import AllowAny

        from .models import Order


        class OrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()


        class PublicOrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()
            permission_classes = [AllowAny]
        ''',
    "service/__init__.py": "",
    "service/auth.py": '''
        from fastapi import Depends
        from fastapi.security import HTTPBearer

        bearer = HTTPBearer()


        def viewer(credentials=Depends(bearer)):
            return credentials
        ''',
    "service/notes.py": '''
        from fastapi import APIRouter, Depends

        from .auth import viewer

        router = APIRouter()


        @router.get("/notes")
        def notes(user=Depends(viewer)):
            return []


        @router.delete("/notes/{pk}")
        def forget(pk: int):
            return None
        ''',
}


@pytest.fixture()
def api(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name, text in API.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"))
    (root / "setup.cfg").write_text("")
    return root


def test_flake8_and_pylint_read_the_default_permissions_and_the_auth_dependency(api: Path, tmp_path: Path) -> None:
    """The settings module makes IsAuthenticated the default: only the view that opts out
    is open. The FastAPI route is judged by a dependency defined in another module."""
    flake8 = _run(["-m", "flake8", "--isolated", "--select=BR064",
                   "--format=%(path)s:%(row)d:%(col)d:%(code)s %(text)s", "shop", "service"], api, tmp_path / "cache")
    assert flake8.stdout.splitlines() == [
        "service/notes.py:13:2:BR064 `DELETE /notes/{pk}` (`forget`) changes data with no authentication dependency "
        "on the route, its router or the app, while `notes.notes` depends on `viewer`: add `Depends(viewer)` to the "
        "route or to its router's dependencies",
        "shop/views.py:11:1:BR064 `PublicOrderViewSet` lets anyone update and destroy: its permission_classes are "
        "only AllowAny; set permission_classes (e.g. [IsAuthenticated]) or a restrictive DEFAULT_PERMISSION_CLASSES",
    ], flake8.stdout + flake8.stderr
    pylint = _run(["-m", "pylint", "--rcfile=/dev/null", "--load-plugins=pylint_plugins.backend_rules",
                   "--disable=all", "--enable=unauthenticated-write-endpoint", "--score=n",
                   "--msg-template={path}:{line}:{column}:{msg_id}:{symbol}", "shop", "service"], api, tmp_path / "cache")
    assert sorted(line for line in pylint.stdout.splitlines() if not line.startswith("*")) == [
        "service/notes.py:13:1:W5964:unauthenticated-write-endpoint",
        "shop/views.py:11:0:W5964:unauthenticated-write-endpoint",
    ], pylint.stdout + pylint.stderr
