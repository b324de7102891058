"""What BR010, BR011 and BR012 share: the calls that read configuration, development
configuration modules, and pydantic settings classes and their field defaults."""
from __future__ import annotations

import ast
import fnmatch
from typing import Optional

from ...astutil import dotted_name
from ...context import Context, FactKey, Frame
from ...options import normalise_path, path_matches

#: Reads of one environment variable (``os.getenv("X", default)``).
ENV_READ_CALLS = frozenset({"os.getenv", "os.getenvb", "os.environ.get", "os.environb.get"})
#: Configuration readers, resolved (python-decouple's ``config``) ...
CONFIG_READERS = frozenset({"decouple.config"})
#: ... or as written, when they do not resolve (django-environ's ``env``, a bare ``config``).
CONFIG_READER_TEXTS = frozenset({"config", "env", "env.str", "env.get_value", "environ.get", "getenv"})

_TEST_FOLDERS = frozenset({"test", "tests", "testing"})
_CONFIG_WORDS = ("settings", "config", "conf")
_DEVELOPMENT_CONFIG: FactKey[bool] = FactKey("br01.development_config")


def development_config(ctx: Context) -> bool:
    """A development settings module, and also (computed once per module) settings kept
    in a test package (`wagtail/test/settings_ui.py`) and configuration modules named as
    development ones without being settings modules (`configuration_testing.py`)."""
    return ctx.frame_fact(_DEVELOPMENT_CONFIG, _compute_development_config, frame=ctx.module_frame)


def _compute_development_config(ctx: Context, frame: Frame) -> bool:
    if ctx.kind.dev_settings:
        return True
    path = normalise_path(ctx.filename)
    folders, _, name = path.rpartition("/")
    if ctx.in_settings_module():
        parts = [part for part in folders.split("/") if part]
        if _TEST_FOLDERS & set(parts):
            return True
        # a settings module in a development project folder (`devproject/settings.py`):
        # the folder is named as the development globs name a module
        dev_globs = [glob for glob in ctx.options.dev_settings_modules if "/" not in glob]
        if any(fnmatch.fnmatchcase(part + ".py", glob) for part in parts for glob in dev_globs):
            return True
        if _overrides_with_debug(ctx) and not _named_by_settings_variable(ctx):
            return True
    return any(word in name for word in _CONFIG_WORDS) and path_matches(path, ctx.options.dev_settings_modules)


def _named_by_settings_variable(ctx: Context) -> bool:
    """``DJANGO_SETTINGS_MODULE`` names the module itself (in manage.py, wsgi.py...): a
    process loads it as it stands."""
    project, module = ctx.project, ctx.project_module()
    return bool(project and module and module.module in project.named_settings_modules())


def _overrides_with_debug(ctx: Context) -> bool:
    """A settings module that star-imports other settings and turns `DEBUG = True` on
    unconditionally: a developer's override of the shared settings."""
    star = debug = False
    for stmt in getattr(ctx.tree, "body", ()):
        if isinstance(stmt, ast.ImportFrom) and any(alias.name == "*" for alias in stmt.names):
            star = True
        elif isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DEBUG" for t in stmt.targets):
            debug = isinstance(stmt.value, ast.Constant) and stmt.value.value is True
    return star and debug


def is_settings_class(ctx: Context) -> bool:
    """Directly in the body of a pydantic settings class (a base ending in `Settings`)."""
    if ctx.frame.kind != "class" or not ctx.classes:
        return False
    return any(base.endswith("Settings") for base in ctx.classes[-1].base_names)


def field_default(value: ast.AST) -> Optional[ast.AST]:
    """`Field("x")`, `Field(default="x")`, `SecretStr("x")`: the default of a pydantic
    field."""
    if isinstance(value, ast.Call):
        callee = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
        if callee == "Field":
            for kw in value.keywords:
                if kw.arg == "default":
                    return field_default(kw.value) if isinstance(kw.value, ast.Call) else kw.value
            return value.args[0] if value.args else None
        if callee in ("SecretStr", "SecretBytes") and len(value.args) == 1:
            return value.args[0]
    return value
