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
)
