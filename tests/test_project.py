"""The project model, on small projects written to a temporary folder: what it reads from
each module, how it joins them, its cache, and how it degrades."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Dict

import pytest

from flake8_backend_rules.project import ProjectModels
from flake8_backend_rules.project import files as project_files
from flake8_backend_rules.project.summary import from_json, summarise, to_json

MODELS = '''
from django.db import models
from django.conf import settings
from imagekit.models import ImageSpecField

from .base import Stamped


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)


class Book(Stamped):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    editor = models.ForeignKey("shop.Author", null=True, on_delete=models.SET_NULL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    isbn = models.CharField(max_length=13)
    cover_thumb = ImageSpecField(source="cover")
    tags = models.ManyToManyField("Tag")

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["isbn", "owner"], name="one_isbn_per_owner"),
            models.UniqueConstraint(fields=["title"], condition=models.Q(active=True), name="x"),
        ]
        indexes = [models.Index(fields=["title", "isbn"])]

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)


class Tag(models.Model):
    label = models.SlugField()
'''

BASE = '''
from django.db import models


class Stamped(models.Model):
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
'''

VIEWS = '''
from rest_framework import generics, viewsets

from .models import Book
from .serializers import BookSerializer


class BookList(generics.ListAPIView):
    queryset = Book.objects.select_related("author").order_by("title")
    serializer_class = BookSerializer


class BookViewSet(viewsets.ModelViewSet):
    serializer_class = BookSerializer

    def get_queryset(self):
        return Book.objects.prefetch_related("tags")
'''

SERIALIZERS = '''
from rest_framework import serializers

from .models import Author, Book


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["name"]


class BookSerializer(serializers.ModelSerializer):
    author = AuthorSerializer()
    editor_name = serializers.CharField(source="editor.name")

    class Meta:
        model = Book
        fields = ["title", "author", "editor_name"]


def dump(books):
    return AuthorSerializer([b.author for b in books], many=True).data
'''


def write(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    return write(tmp_path / "project", {
        "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n',
        "config/__init__.py": "",
        "config/settings/__init__.py": "from .base import *\nfrom .local import *\n",
        "config/settings/base.py": (
            'DEBUG = False\nAUTH_USER_MODEL = "accounts.User"\nREST_FRAMEWORK = {"PAGE_SIZE": 10}\n'
        ),
        "config/settings/local.py": "DEBUG = True\n",
        "accounts/__init__.py": "",
        "accounts/models.py": (
            "from django.contrib.auth.models import AbstractUser\n\n\nclass User(AbstractUser):\n    pass\n"
        ),
        "shop/__init__.py": "",
        "shop/base.py": BASE,
        "shop/models.py": MODELS,
        "shop/views.py": VIEWS,
        "shop/serializers.py": SERIALIZERS,
        "shop/helpers.py": "import os\n\n\ndef token():\n    return os.getenv('TOKEN')\n",
    })


def models_for(root: Path, cache: Path) -> ProjectModels:
    return ProjectModels(str(cache), use_cache=True)


def test_models_fields_relations_and_inheritance(shop: Path, tmp_path: Path) -> None:
    model = models_for(shop, tmp_path / "cache").for_file(str(shop / "shop" / "views.py"))
    assert model is not None and model.root == shop.resolve()
    book = model.model("shop.models.Book")
    assert book is not None and not book.abstract
    assert book.fields["author"].kind == "fk" and book.fields["author"].target == "shop.models.Author"
    assert book.fields["author"].related_name == "books"
    assert book.fields["editor"].target == "shop.models.Author" and book.fields["editor"].null
    assert book.fields["owner"].target == "accounts.models.User"  # AUTH_USER_MODEL from the settings
    assert book.fields["tags"].kind == "m2m" and book.fields["tags"].target == "shop.models.Tag"
    assert "cover_thumb" not in book.fields  # a third-party field is no column
    # inherited from an abstract base in another module, with its options
    created = book.fields["created"]
    assert created.declared_in == "shop.base.Stamped" and created.db_index
    assert book.unique_sets == [("isbn", "owner")]
    assert book.conditional_unique_sets == [("title",)]
    assert book.unique_set_for(["owner_id", "isbn"]) == ("isbn", "owner")
    assert book.unique_set_for(["isbn"]) is None
    assert book.ordering == ["-created"] and book.index_leads == ["title"]
    assert book.overrides == {"save": "shop.models.Book"}
    author = model.model("shop.models.Author")
    assert author is not None and author.unique_sets == [("email",)] and author.overrides == {}
    assert model.model("shop.base.Stamped").abstract  # type: ignore[union-attr]
    assert model.model("shop.views.BookList") is None  # a view is no model
    assert model.model("accounts.models.User") is not None  # AbstractUser makes a model


def test_settings_modules_and_values(shop: Path, tmp_path: Path) -> None:
    model = models_for(shop, tmp_path / "cache").for_file(str(shop / "shop" / "models.py"))
    assert model is not None
    assert model.settings_modules() == ["config.settings", "config.settings.base", "config.settings.local"]
    assert model.is_settings_path("config/settings/local.py")
    assert not model.is_settings_path("shop/helpers.py")
    assert model.setting("DEBUG") is True  # the later star import rebinds it
    assert model.setting("REST_FRAMEWORK") == {"PAGE_SIZE": 10}


def test_views_and_serializers(shop: Path, tmp_path: Path) -> None:
    model = models_for(shop, tmp_path / "cache").for_file(str(shop / "shop" / "views.py"))
    assert model is not None
    listing = model.view("shop.views.BookList")
    assert listing is not None and listing.lists and listing.model == "shop.models.Book"
    assert listing.covers("author") and not listing.covers("editor")
    assert listing.serializers == ["shop.serializers.BookSerializer"]
    viewset = model.view("shop.views.BookViewSet")
    assert viewset is not None and viewset.lists and viewset.covers("tags") and not viewset.covers("author")
    book = model.serializer("shop.serializers.BookSerializer")
    assert book is not None and book.model == "shop.models.Book"
    assert sorted(book.list_views) == ["shop.views.BookList", "shop.views.BookViewSet"]
    assert not book.many
    assert model.serializer("shop.serializers.AuthorSerializer").many  # type: ignore[union-attr]
    assert model.serializer("shop.models.Book") is None


def test_second_run_reads_the_cache_and_an_edit_is_seen(shop: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    def ask(models: ProjectModels) -> object:
        model = models.for_file(str(shop / "shop" / "models.py"))
        assert model is not None
        return model.model("shop.models.Author").unique_sets  # type: ignore[union-attr]

    first = models_for(shop, cache)
    assert ask(first) == [("email",)]
    # modules are summarised when a question needs them, not all of them
    assert 0 < first.builds < len(list(shop.rglob("*.py")))
    second = models_for(shop, cache)
    assert ask(second) == [("email",)]
    assert second.builds == 0  # every summary it needed came from the cache
    (shop / "shop" / "models.py").write_text(MODELS.replace("unique=True", "db_index=True"), encoding="utf-8")
    third = models_for(shop, cache)
    assert ask(third) == []
    assert third.builds == 1  # only the edited module is parsed again


def test_an_unsaved_buffer_replaces_its_file(shop: Path, tmp_path: Path) -> None:
    models = models_for(shop, tmp_path / "cache")
    buffer = ast.parse(MODELS.replace("class Tag(models.Model)", "class Label(models.Model)"))
    model = models.for_file(str(shop / "shop" / "models.py"), buffer)
    assert model is not None
    assert model.model("shop.models.Label") is not None and model.model("shop.models.Tag") is None
    # the disk's version is untouched for the next file
    on_disk = models.for_file(str(shop / "shop" / "views.py"))
    assert on_disk is not None and on_disk.model("shop.models.Tag") is not None


def test_no_cache_writes_nothing(shop: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    models = ProjectModels(str(cache), use_cache=False)
    assert models.for_file(str(shop / "shop" / "models.py")) is not None
    assert not cache.exists()


def test_a_broken_cache_is_not_an_error(shop: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    models_for(shop, cache).for_file(str(shop / "shop" / "models.py"))
    for database in cache.glob("*.sqlite3"):
        database.write_bytes(b"this is not a database" * 100)
    model = models_for(shop, cache).for_file(str(shop / "shop" / "models.py"))
    assert model is not None and model.model("shop.models.Book") is not None
    unwritable = tmp_path / "file-not-folder"
    unwritable.write_text("x")
    model = ProjectModels(str(unwritable / "cache")).for_file(str(shop / "shop" / "models.py"))
    assert model is not None
    assert model.model("shop.models.Book") is not None


def test_outside_a_project_or_too_large_there_is_no_model(tmp_path: Path, monkeypatch) -> None:
    lonely = tmp_path / "lonely.py"
    lonely.write_text("x = 1\n")
    assert ProjectModels(use_cache=False, cwd=str(tmp_path)).for_file(str(lonely)) is None or \
        project_files.project_root(str(lonely)) is not None  # a marker above tmp (rare) is fine
    big = write(tmp_path / "big", {"setup.py": "", **{f"m{i}.py": "x = 1\n" for i in range(30)}})
    monkeypatch.setattr(project_files, "MAX_FILES", 10)
    assert ProjectModels(use_cache=False).for_file(str(big / "m1.py")) is None


def test_cycles_and_unresolvable_bases_end(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {
        "setup.cfg": "",
        "app/__init__.py": "",
        "app/models.py": '''
            from django.db import models
            from app.other import B
            from mptt.models import MPTTModel


            class A(B):
                x = models.IntegerField()


            class Node(MPTTModel):
                parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)


            class Plain(MPTTModel):
                pass
            ''',
        "app/other.py": "from app.models import A\n\n\nclass B(A):\n    pass\n",
    })
    model = ProjectModels(use_cache=False).for_file(str(root / "app" / "models.py"))
    assert model is not None
    cyclic = model.model("app.models.A")
    assert cyclic is None or cyclic.name == "app.models.A"
    node = model.model("app.models.Node")  # Django fields on an external base: a model
    assert node is not None and node.fields["parent"].target == "app.models.Node"
    assert model.model("app.models.Plain") is None  # nothing says it is a model


def test_summaries_round_trip_through_json() -> None:
    tree = ast.parse(textwrap.dedent(MODELS))
    summary = summarise(tree, "shop/models.py", "shop.models")
    again = from_json(to_json(summary))
    assert again == summary
    data = to_json(summary)
    data["schema"] = -1
    assert from_json(data) is None


def test_src_layout_and_manage_py_folders_name_modules(tmp_path: Path) -> None:
    root = write(tmp_path / "r", {
        "pyproject.toml": "",
        "src/pkg/__init__.py": "",
        "src/pkg/models.py": "from django.db import models\n\n\nclass M(models.Model):\n    pass\n",
        "web/manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")\n',
        "web/site/__init__.py": "",
        "web/site/settings.py": "DEBUG = False\n",
    })
    model = ProjectModels(use_cache=False).for_file(str(root / "src" / "pkg" / "models.py"))
    assert model is not None
    assert model.model("pkg.models.M") is not None
    assert model.settings_modules() == ["site.settings"]


def test_reading_other_modules_costs_the_checked_file_nothing(shop: Path, tmp_path: Path) -> None:
    """The first file that asks makes the model parse other modules: that work must not be
    charged to its budget, or its findings would depend on the order files are checked in."""
    from flake8_backend_rules.budget import WORK

    models = models_for(shop, tmp_path / "cache")
    model = models.for_file(str(shop / "shop" / "views.py"))
    assert model is not None
    before = WORK.total
    assert model.model("shop.models.Book") is not None
    assert models.builds > 0  # modules were parsed just now ...
    assert WORK.total == before  # ... and charged to nobody


def test_a_get_queryset_rebinding_its_local_many_times_is_read_in_bounded_work() -> None:
    """`qs = qs.filter(...)` thousands of times in get_queryset(): the local's links stop
    being collected past a bound and read as 'may load anything' (silence, not a guess)."""
    rebinds = "".join(f"        qs = qs.filter(f{i}={i}).order_by('f{i}')\n" for i in range(3000))
    source = (
        "from rest_framework import generics\n\n\n"
        "class Big(generics.ListAPIView):\n"
        "    def get_queryset(self):\n"
        "        qs = Book.objects.select_related('author')\n"
        f"{rebinds}"
        "        return qs\n"
    )
    summary = summarise(ast.parse(source), "shop/views.py", "shop.views")
    [returned] = summary.classes[0].queryset_returns
    assert len(returned.links) == 1 and returned.links[0][0] == "<opaque>"
