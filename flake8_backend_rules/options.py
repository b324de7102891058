"""Typed options shared by both front ends, and the path globs that classify modules.

Every list option has an ``extend-`` twin that adds to the defaults; the front ends
hand us raw values and :func:`build_options` merges them once per run.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence, Tuple, Union


@dataclass(frozen=True)
class OptionSpec:
    """One configuration option, declared once for flake8, pylint and the docs."""

    name: str  # flake8 spelling, e.g. "backend-settings-modules"
    default: Union[Tuple[str, ...], bool, str]
    help: str

    @property
    def is_list(self) -> bool:
        return isinstance(self.default, tuple)

    @property
    def is_flag(self) -> bool:
        return isinstance(self.default, bool)

    @property
    def pylint_name(self) -> str:
        return self.name[len("backend-") :]

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")


def _split(value: str) -> Tuple[str, ...]:
    return tuple(part.strip() for part in value.replace("\n", ",").split(",") if part.strip())


OPTION_SPECS: Tuple[OptionSpec, ...] = (
    OptionSpec(
        "backend-settings-modules",
        _split("*settings.py, */settings/*.py, settings_*.py, *config.py, *conf.py"),
        "Path globs of settings modules (BR010 is silent there, BR011 checks them).",
    ),
    OptionSpec(
        "backend-dev-settings-modules",
        _split("*dev*.py, *local*.py, *test*.py, *development*.py"),
        "Path globs of development settings modules (exempt from BR011 and BR012).",
    ),
    OptionSpec(
        "backend-handler-modules",
        _split(
            "*views.py, */views/*.py, *viewsets.py, *api.py, */api/*.py, */routers/*.py,"
            " */routes/*.py, */endpoints/*.py"
        ),
        "Path globs of modules whose every function is a request handler.",
    ),
    OptionSpec(
        "backend-task-decorators",
        _split(
            "shared_task, task, app.task, celery.task, actor, dramatiq.actor, job, huey.task,"
            " db_task, periodic_task"
        ),
        "Decorators that make a function a background task.",
    ),
    OptionSpec(
        "backend-test-modules",
        _split("test_*.py, *_test.py, tests.py, */tests/*.py, conftest.py"),
        "Path globs of test modules; every rule skips them unless backend-check-tests.",
    ),
    OptionSpec(
        "backend-error-reporters",
        (),
        "Extra callables that count as logging for BR020/BR022, e.g. app.errors.report.",
    ),
    OptionSpec(
        "backend-check-tests",
        False,
        "Also check test modules.",
    ),
    OptionSpec(
        "backend-cache-dir",
        "",
        "Folder of the project model's cache of module summaries (default: "
        "$XDG_CACHE_HOME/flake8-backend-rules, or ~/.cache/flake8-backend-rules).",
    ),
    OptionSpec(
        "backend-no-cache",
        False,
        "Build the project model without reading or writing its cache.",
    ),
)

LIST_SPECS = tuple(spec for spec in OPTION_SPECS if spec.is_list)


@dataclass(frozen=True)
class Options:
    settings_modules: Tuple[str, ...]
    dev_settings_modules: Tuple[str, ...]
    handler_modules: Tuple[str, ...]
    task_decorators: Tuple[str, ...]
    test_modules: Tuple[str, ...]
    error_reporters: Tuple[str, ...]
    check_tests: bool = False
    cache_dir: str = ""
    no_cache: bool = False


def _as_tuple(value: object) -> Tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return _split(value)
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            out.extend(_split(str(item)))
        return tuple(out)
    return ()


class ConfigurationError(ValueError):
    """An option value the rules cannot use; the message names the option."""


def _glob_problem(glob: str) -> Optional[str]:
    """Why a path glob is malformed, or None. ``fnmatch`` would take an unclosed ``[``
    literally and match nothing the user meant (``settings.py[``)."""
    index = 0
    while index < len(glob):
        if glob[index] == "[":
            start = index + 1
            if glob[start:start + 1] == "!":
                start += 1
            if glob[start:start + 1] == "]":  # a `]` first in the class is a member
                start += 1
            close = glob.find("]", start)
            if close < 0:
                return f"{glob!r} opens a '[' character class that is never closed"
            index = close
        index += 1
    return None


_GLOB_OPTIONS = frozenset(
    {"backend-settings-modules", "backend-dev-settings-modules", "backend-handler-modules", "backend-test-modules"}
)


def _validated(spec: OptionSpec, name: str, values: Tuple[str, ...]) -> Tuple[str, ...]:
    """``values`` if every glob is well formed; ``name`` is the option as the user wrote it."""
    if spec.name in _GLOB_OPTIONS:
        for glob in values:
            problem = _glob_problem(glob)
            if problem is not None:
                raise ConfigurationError(f"{name}: malformed glob: {problem}")
    return values


def build_options(raw: Optional[Mapping[str, object]] = None, pylint_names: bool = False) -> Options:
    """Merge raw values (keyed by flake8 attribute names, e.g. ``backend_settings_modules``
    and ``extend_backend_settings_modules``) over the defaults.

    Raises :class:`ConfigurationError` for a malformed glob, or for an option given with
    no entries where the rules need some (``backend-settings-modules =``): both would
    silently change which modules are settings, handlers or tests. Messages spell the
    option as flake8 does, or as pylint does with ``pylint_names``."""
    raw = raw or {}
    values: dict[str, object] = {}
    for spec in OPTION_SPECS:
        key = spec.attr[len("backend_") :]
        name = spec.pylint_name if pylint_names else spec.name
        if spec.is_flag:
            values[key] = bool(raw.get(spec.attr) or False)
            continue
        if not spec.is_list:
            values[key] = str(raw.get(spec.attr) or "")
            continue
        given = raw.get(spec.attr)
        if given is None:
            base = tuple(spec.default)  # type: ignore[arg-type]
        else:
            base = _validated(spec, name, _as_tuple(given))
            if not base and spec.default:
                raise ConfigurationError(
                    f"{name}: the list is empty; give at least one entry, or leave the option out "
                    f"for the default ({', '.join(spec.default)})"  # type: ignore[arg-type]
                )
        extra = _validated(spec, "extend-" + name, _as_tuple(raw.get("extend_" + spec.attr)))
        values[key] = tuple(dict.fromkeys(base + extra))
    return Options(**values)  # type: ignore[arg-type]


DEFAULT_OPTIONS = build_options()


def normalise_path(path: str) -> str:
    """The path as globs see it: ``/`` separators, no leading ``./``, a ``/`` in front."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    if not path.startswith("/"):
        path = "/" + path
    return path


def path_matches(path: str, globs: Iterable[str]) -> bool:
    """True when a normalised path matches one of the globs.

    A glob with a ``/`` matches the end of the path (``*`` crosses folders); a glob
    without one matches the file's name.
    """
    name = path.rsplit("/", 1)[-1]
    for glob in globs:
        if "/" in glob:
            pattern = glob if glob.startswith(("*", "/")) else "*/" + glob
            if fnmatch.fnmatchcase(path, pattern):
                return True
        elif fnmatch.fnmatchcase(name, glob):
            return True
    return False


@dataclass(frozen=True)
class ModuleKind:
    settings: bool
    dev_settings: bool
    handler: bool
    migration: bool
    models: bool
    test: bool
    task: bool
    manage: bool
    entry_point: bool  # manage.py, wsgi.py, asgi.py: where the process is wired up
    scripts: bool
    command: bool  # a module of a Django app's management/commands/ package


def is_django_migration_path(norm: str) -> bool:
    """A module Django loads as a migration: directly inside a `migrations/` package.
    A subpackage (`migrations/tasks/`, helpers run later with today's models) and Django's
    own `django/db/migrations/` framework package are not migrations."""
    parts = norm.split("/")
    if len(parts) < 2 or parts[-2] != "migrations" or not parts[-1].endswith(".py"):
        return False
    return not (len(parts) >= 4 and parts[-4:-2] == ["django", "db"])


def module_kind(path: str, options: Options) -> ModuleKind:
    """What a module is, from its path alone (the context adds what its imports say:
    an Alembic revision is a migration too)."""
    norm = normalise_path(path)
    name = norm.rsplit("/", 1)[-1]
    settings = path_matches(norm, options.settings_modules)
    test = path_matches(norm, options.test_modules)
    return ModuleKind(
        settings=settings,
        dev_settings=settings and path_matches(norm, options.dev_settings_modules),
        handler=path_matches(norm, options.handler_modules),
        # `migrations/test_operations.py` is the migration framework's test suite
        migration=is_django_migration_path(norm) and not test,
        models=path_matches(norm, ("*models.py", "*/models/*.py")),
        test=test,
        task=name in ("tasks.py", "jobs.py", "workers.py") or "/tasks/" in norm,
        manage=name == "manage.py",
        entry_point=name in ("manage.py", "wsgi.py", "asgi.py"),
        scripts="/scripts/" in norm,
        command="/management/commands/" in norm,
    )


def matches_dotted(text: Optional[str], resolved: Optional[str], entries: Sequence[str]) -> bool:
    """A dotted decorator/callable name matches an entry when its text equals the entry or
    ends in ``.`` + entry, or when its resolved name does."""
    for candidate in (text, resolved):
        if not candidate:
            continue
        for entry in entries:
            if candidate == entry or candidate.endswith("." + entry):
                return True
    return False
