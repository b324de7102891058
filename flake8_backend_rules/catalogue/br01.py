"""BR01x: Configuration and settings. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR010",
        symbol="env-read-outside-settings",
        summary="The environment is read outside settings modules",
        message="environment read `{expr}` outside settings; read it once in settings "
        "(validated, with a default) and import the setting",
        what="Finds `os.getenv(...)`, `os.environ.get(...)`, `os.environ[...]` reads and "
        "`\"X\" in os.environ` outside settings modules (see `backend-settings-modules`), "
        "resolved through imports (`from os import environ`, `from os import getenv as "
        "ge`).",
        why="Configuration read ad hoc in routers and services is unvalidated, has no "
        "single default, is hard to override in tests and impossible to audit.",
        bad="""
            import os


            def payment_client():
                return Client(api_key=os.getenv("STRIPE_KEY"))
            """,
        good="""
            from django.conf import settings


            def payment_client():
                return Client(api_key=settings.STRIPE_KEY)
            """,
        options=("backend-settings-modules",),
        notes="Writes (`os.environ[\"X\"] = v`), `os.environ.setdefault(...)` as in "
        "`manage.py`/`wsgi.py`, and `os.environ.copy()` for a subprocess are silent. So "
        "are the process entry points `manage.py`, `wsgi.py` and `asgi.py`, which wire the "
        "environment up like settings do, and reads of the process's own variables "
        "(`PATH`, `HOME`, `TERM`, `LANG`, shell-completion `COMP_*`, ...) and of "
        "`DJANGO_SETTINGS_MODULE`, which points at the settings and cannot come from them "
        "(a module-level constant naming one counts too).",
    ),
    Rule(
        code="BR011",
        symbol="insecure-setting",
        summary="An insecure setting in a production settings module",
        message="insecure setting `{expr}`; keep it to development settings (or read it "
        "from the environment with a safe default)",
        what="In a settings module that is not a development one (see "
        "`backend-settings-modules` and `backend-dev-settings-modules`): `DEBUG = True`, "
        "`ALLOWED_HOSTS` containing `\"*\"`, `CORS_ALLOW_ALL_ORIGINS = True`, "
        "`CORS_ORIGIN_ALLOW_ALL = True`, `SESSION_COOKIE_SECURE = False`, "
        "`CSRF_COOKIE_SECURE = False`. In any module: Starlette/FastAPI's `CORSMiddleware` "
        "with `allow_origins=[\"*\"]` (`app.add_middleware(CORSMiddleware, ...)`, "
        "`CORSMiddleware(app, ...)`, `Middleware(CORSMiddleware, ...)`). And, outside "
        "development modules, the defaults of a pydantic settings class (a base ending in "
        "`Settings`): `debug: bool = True`, `allowed_hosts: list[str] = [\"*\"]` (also "
        "`cors_origins`, `backend_cors_origins`, `allow_origins`, `allowed_origins`).",
        why="A debug page leaks settings and source to anyone who triggers an error; a "
        "wildcard host or CORS origin and cookies sent over plain HTTP open the door to "
        "host-header poisoning, cross-origin reads and session theft. These values are "
        "right in a developer's settings and wrong everywhere else.",
        bad="""
            DEBUG = True
            ALLOWED_HOSTS = ["*"]
            """,
        good="""
            import os

            DEBUG = os.getenv("DJANGO_DEBUG", "0") == "1"
            ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
            """,
        options=("backend-settings-modules", "backend-dev-settings-modules"),
        notes="A configuration read counts by what it falls back to when the variable is "
        "unset: `DEBUG = env.bool(\"DEBUG\", default=True)`, `config(\"DEBUG\", "
        "default=True, cast=bool)`, `os.getenv(\"DEBUG\", \"True\") == \"True\"`, a "
        "project helper named for the environment (`get_bool_from_env(\"DEBUG\", True)`) "
        "and `SESSION_COOKIE_SECURE = env.bool(..., default=False)` are insecure unless "
        "someone remembers to set the variable; a read without a default, or with the "
        "secure one, is silent. A `\"*\"` default of an environment read "
        "(`os.getenv(\"ALLOWED_HOSTS\", \"*\").split(\",\")`) counts as a wildcard, and "
        "so does a module-level list holding one. Development settings modules (by "
        "default `*dev*.py`, `*local*.py`, `*test*.py`, `*development*.py`), settings kept "
        "in a `test/`/`tests/`/`testing/` package, and Django's own `global_settings.py` "
        "(the framework's defaults, which projects override) are silent, as are assignments "
        "that only run in development: the body of `if DEBUG:` or `if ENVIRONMENT == "
        "\"dev\":`, the `else` of `if not DEBUG:`.",
    ),
    Rule(
        code="BR012",
        symbol="hardcoded-secret",
        summary="A secret is written in the code",
        message="hard-coded secret `{expr}`; read it from the environment or a secret "
        "store, with no fallback value",
        what="Finds a secret-looking string literal bound to a secret name: assigned to a "
        "name, attribute or string key, passed as a keyword argument, or written as a "
        "string key of a dict literal (`DATABASES = {\"default\": {\"PASSWORD\": "
        "\"...\"}}`), where the name's last word is `secret`, `password`, `passwd`, "
        "`token` or `apikey`, or its last two are `secret_key`, `api_key`, `private_key` "
        "or `access_key`, in any case (`STRIPE_SECRET_KEY`, `token=`, `client_secret=`, "
        "`apiKey`). Also, in any module, a non-empty literal *default* for such a name when "
        "reading configuration: `os.getenv(\"SECRET_KEY\", \"dev-secret\")`, "
        "`os.environ.get(\"DB_PASSWORD\", \"x\")`, `config(\"SECRET_KEY\", "
        "default=\"...\")`, `env.str(...)`, and a default of a pydantic settings field "
        "(`api_key: str = \"...\"` in a class whose base ends in `Settings`).",
        why="A secret in the repository is readable by everyone with access to it, lives "
        "forever in its history and is the same in every environment; a fallback default "
        "lets production start silently with the development secret.",
        bad="""
            from decouple import config

            SECRET_KEY = config("SECRET_KEY", default="dev-secret")
            STRIPE_API_KEY = "4f9c2a7d1e8b3c6a0d5e"
            """,
        good="""
            from decouple import config

            SECRET_KEY = config("SECRET_KEY")
            STRIPE_API_KEY = config("STRIPE_API_KEY")
            """,
        options=("backend-dev-settings-modules",),
        notes="A bound literal must look like a secret: strings shorter than six "
        "characters (dummies such as `\"123\"`), name-like words "
        "(`\"password\"`, `\"Authorization\"`, `\"changeme\"`, `\"X-Api-Token\"`, "
        "dotted paths such as `\"rest_framework.authtoken\"`), URLs, file paths, text with "
        "spaces (labels, help text), placeholders (`\"<token>\"`, `\"{password}\"`, "
        "`\"%s\"`, `\"****\"`) are silent. Names that qualify the secret word "
        "(`token_type`, `password_reset_timeout`, `max_tokens`), flags and counts "
        "(`has_password`, `is_secret`, `num_tokens`) and pagination tokens "
        "(`next_page_token`) are not secret names; the same definition drives BR053. Names "
        "split on `_`, `-`, `.` and camelCase, so header keys count (`\"X-Api-Key\"`). A "
        "configuration default counts whatever it looks like: any fallback secret reaches "
        "production when the variable is missing. Development settings modules, settings in "
        "a `test/`/`tests/`/`testing/` package, configuration modules named as development "
        "ones (`configuration_testing.py`, `local_config.py`) and test modules are exempt.",
    ),
    Rule(
        code="BR013",
        symbol="inline-decimal-rate",
        summary="A business rate is hidden inline as a Decimal literal",
        message="inline rate `{expr}`; name it (a module constant, a setting or a model "
        "field) so it is found, reviewed and changed in one place",
        what="Finds a `Decimal(\"0.09\")`-style literal used as an operand of `*` or `/` "
        "(or of `*=`/`/=`) inside a function body.",
        why="Tax, fee and discount rates change; a rate buried in a function is missed "
        "when it does, and two copies of it drift apart.",
        bad="""
            from decimal import Decimal


            def vat(net):
                return net * Decimal("0.2")
            """,
        good="""
            from decimal import Decimal

            VAT_RATE = Decimal("0.2")


            def vat(net):
                return net * VAT_RATE
            """,
        notes="Silent: module-level constants (the fix), `quantize(Decimal(\"0.01\"))` "
        "precision arguments, whole numbers (`Decimal(\"0\")`, `Decimal(\"1\")`, "
        "`Decimal(\"100\")`, `Decimal(60)`: unit conversions and counts) and powers of ten "
        "(`* Decimal(\"0.01\")` converts cents or percent, it is not a rate), and physical "
        "unit conversion factors (`Decimal(\"0.3048\")` feet to metres, `Decimal(453.592)` "
        "pounds to grams), which are fixed by definition.",
    ),
)
