"""The word lists and node-type groups more than one rule family uses, each defined once.

A list used by a single rule lives with that rule. Anything here is read by several
families, so a change here changes all of them: the fixtures of every family prove it.
The vocabulary of *query expressions* (queryset methods, managers, SQLAlchemy sessions)
is in :mod:`queries`.
"""
from __future__ import annotations

import ast
import re
from typing import FrozenSet, Optional, Tuple

# -- node types ----------------------------------------------------------------------
#: Nodes that open a scope of their own: their bodies belong to another function.
SCOPE_TYPES: Tuple[type, ...] = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
FUNCTION_TYPES: Tuple[type, ...] = (ast.FunctionDef, ast.AsyncFunctionDef)
LOOP_TYPES: Tuple[type, ...] = (ast.For, ast.AsyncFor, ast.While)
COMPREHENSION_TYPES: Tuple[type, ...] = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
#: ``try`` and, on Python 3.11+, ``try``/``except*``.
TRY_TYPES: Tuple[type, ...] = (ast.Try,) + tuple(t for t in (getattr(ast, "TryStar", None),) if t is not None)
MATCH_TYPE: Optional[type] = getattr(ast, "Match", None)

# -- how a block ends --------------------------------------------------------------------
#: A block ending in one of these leaves the function: nothing after it runs.
LEAVING_STATEMENTS: Tuple[type, ...] = (ast.Return, ast.Raise)
#: ... or leaves the loop it is in: inside a loop, the block runs at most once.
LOOP_LEAVING_STATEMENTS: Tuple[type, ...] = (ast.Return, ast.Break, ast.Raise)
#: Calls that end the process (a script's way of leaving).
PROCESS_EXIT_CALLS: FrozenSet[str] = frozenset({"sys.exit", "exit", "quit", "os._exit"})

# -- web frameworks ------------------------------------------------------------------------
#: The HTTP method a route decorator's attribute declares (``@router.get(...)``).
ROUTE_VERBS = {
    "get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE",
    "head": "HEAD", "options": "OPTIONS",
}
#: Route decorators that declare their methods some other way (``methods=[...]``).
ROUTE_DECORATORS: FrozenSet[str] = frozenset(ROUTE_VERBS) | {"route", "api_route", "websocket"}
#: The HTTP method each view-class method answers (Django views, DRF views and viewsets).
VIEW_METHOD_VERBS = {
    "get": "GET", "head": "HEAD", "list": "GET", "retrieve": "GET", "post": "POST",
    "create": "POST", "perform_create": "POST", "put": "PUT", "update": "PUT",
    "perform_update": "PUT", "patch": "PATCH", "partial_update": "PATCH",
    "delete": "DELETE", "destroy": "DELETE", "perform_destroy": "DELETE",
}
#: Methods of a view class that serve a request (``get_queryset`` builds the rows one serves).
VIEW_HANDLER_METHODS: FrozenSet[str] = frozenset(VIEW_METHOD_VERBS) | {"get_queryset", "options"}
#: A base class whose name ends so makes a class a view (``ListView``, ``ModelViewSet``,
#: ``LoginRequiredMixin``).
VIEW_BASE_SUFFIXES: Tuple[str, ...] = ("View", "ViewSet", "APIView", "Mixin")
SAFE_HTTP_METHODS: FrozenSet[str] = frozenset({"GET", "HEAD", "OPTIONS"})
#: Callees whose arguments reach the client: responses, ``jsonify``, ``abort``, HTTP exceptions.
CLIENT_SINK_SUFFIXES: Tuple[str, ...] = ("Response", "response", "jsonify", "abort", "HTTPException",
                                         "APIException")
#: Methods of an HTTP client that send a request (``requests.get``, ``client.post``).
HTTP_CLIENT_VERBS: FrozenSet[str] = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})

#: The names authentication dependencies go by (``get_current_user``, ``current_active_user``,
#: ``require_admin``, ``auth_required``, ``authenticate``): the fallback for a FastAPI
#: dependency whose own facts the project model cannot read.
AUTH_DEPENDENCY_NAME = re.compile(r"^(get_)?current_\w*user|^get_current_|^require_|^auth(?!or)", re.IGNORECASE)

# -- Django --------------------------------------------------------------------------------
#: ``obj.save()``/``obj.delete()`` and their async twins: a model instance's writes.
INSTANCE_WRITES: FrozenSet[str] = frozenset({"save", "asave", "delete", "adelete"})
BATCH_WRITES: FrozenSet[str] = frozenset({"bulk_create", "bulk_update", "abulk_create", "abulk_update"})
#: Queryset methods that return one row.
ROW_METHODS: FrozenSet[str] = frozenset("get first last latest earliest aget afirst alast alatest aearliest".split())
ROW_FUNCTIONS: FrozenSet[str] = frozenset({"get_object_or_404", "aget_object_or_404"})
#: Settings only a Django settings module binds: a module binding three or more of them at
#: top level configures Django, whatever its name (`config/django/base.py`,
#: `smoketest_configuration.py`).
DJANGO_SETTING_NAMES: FrozenSet[str] = frozenset({
    "SECRET_KEY", "ALLOWED_HOSTS", "INSTALLED_APPS", "MIDDLEWARE", "DATABASES", "ROOT_URLCONF",
    "TEMPLATES", "WSGI_APPLICATION", "ASGI_APPLICATION", "AUTH_PASSWORD_VALIDATORS", "STATIC_URL",
    "STATIC_ROOT", "MEDIA_URL", "MEDIA_ROOT", "LANGUAGE_CODE", "TIME_ZONE", "USE_TZ", "USE_I18N",
    "DEFAULT_AUTO_FIELD", "AUTH_USER_MODEL", "CACHES", "LOGGING", "EMAIL_BACKEND",
    "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "STATICFILES_DIRS",
    "AUTHENTICATION_BACKENDS", "DATABASE", "REDIS",
})
#: Django's management command base classes.
COMMAND_BASES: FrozenSet[str] = frozenset({"BaseCommand", "LabelCommand", "AppCommand"})

# Receivers whose ``save()``/``delete()``/``get(...)`` belong to something other than the
# ORM: sessions, caches, files and storages, HTTP clients and responses, documents.
NOT_ORM_RECEIVER_WORDS: FrozenSet[str] = frozenset({
    "session", "cache", "storage", "store", "file", "image", "img", "buffer", "stream",
    "request", "requests", "response", "cookie", "client", "http", "api", "redis",
    "config", "settings", "serializer", "form", "wb", "workbook", "doc", "pdf", "zip",
})
_WORDS = re.compile(r"[^a-z0-9]+")


def looks_non_orm(receiver_text: str) -> bool:
    """Does the receiver's text (``self.image_file``, ``request.session``, ``api_client``)
    name something that is not a model or a manager? Any of its words counts."""
    return any(word in NOT_ORM_RECEIVER_WORDS for word in _WORDS.split(receiver_text.lower()) if word)


# -- logging ----------------------------------------------------------------------------------
#: Methods of a logger that write a record.
LOG_METHODS: FrozenSet[str] = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                                         "fatal", "log"})
#: Error trackers' calls that record an exception.
ERROR_TRACKER_CALLS: FrozenSet[str] = frozenset({"capture_exception", "capture_message"})

# -- text ----------------------------------------------------------------------------------
#: gettext's functions: ``_("...")`` is a literal text, translated.
TRANSLATIONS: FrozenSet[str] = frozenset(
    {"_", "gettext", "gettext_lazy", "ugettext", "ugettext_lazy", "pgettext", "pgettext_lazy",
     "ngettext", "ngettext_lazy", "gettext_noop", "_lazy"}
)
