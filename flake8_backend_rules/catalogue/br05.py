"""BR05x: Security. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR050",
        symbol="sql-built-from-strings",
        summary="SQL text is built from strings with non-literal parts",
        message="SQL `{expr}` is built from strings (`{part}` is formatted in); pass "
        "values as query parameters",
        what="Finds SQL text built with an f-string, `%`, `.format()` or `+` with a part "
        "that is neither a literal nor a module-level constant, passed directly or through "
        "a local of the same function (`sql = f\"...\"`, `sql += ...`) to "
        "`cursor.execute(...)`/`executemany(...)` (or `execute` on a `conn`/`session`/"
        "`db`-like receiver), `<M>.objects.raw(...)`, `.extra(where=[...], select={...})`, "
        "`RawSQL(...)` or SQLAlchemy's `text(...)`.",
        why="A value formatted into SQL text is an injection: the database cannot tell "
        "the attacker's quote from the statement's. Parameters are sent apart from the "
        "SQL and can never change its meaning.",
        bad="""
            from django.db import connection


            def orders_of(email):
                sql = f"SELECT id FROM orders WHERE email = '{email}'"
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    return cursor.fetchall()
            """,
        good="""
            from django.db import connection


            def orders_of(email):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT id FROM orders WHERE email = %s", [email])
                    return cursor.fetchall()
            """,
        notes="A formatted part counts only in a *value* position of the statement, where "
        "a parameter would go: inside a quoted SQL string (`'{name}'`), after a comparison, "
        "`LIKE`, `LIMIT`/`OFFSET` or `BETWEEN ... AND`, inside `IN (...)`/`VALUES (...)`. "
        "Identifier positions are silent: `FROM {table}`, `{tbl}.id`, `\"{schema}\"`, "
        "`SELECT {fn}()`, DDL (`CREATE DATABASE {name}`): SQL cannot bind identifiers, and "
        "that is how Django's own backends and compilers build statements from table and "
        "column names. A value read from the request (`request.GET[...]`, "
        "`request.query_params.get(...)`, directly or through a local) counts in any "
        "position: `ORDER BY {request.GET[\"o\"]}` is identifier injection. Other "
        "identifiers from parameters are left to review. Also silent: literal SQL; parts that are literals, "
        "module-level constants (an UPPER_CASE name bound once to a literal, or an "
        "UPPER_CASE attribute such as `constants.TABLE`), numbers (`int(...)`, `len(...)`, "
        "`%d`, `{n:d}`), primary and foreign keys (`obj.pk`, `ct.id`, `obj.user_id`), model "
        "options (`model._meta.db_table`), repeated placeholders (`\", \".join([\"%s\"] * "
        "len(ids))`) and quoted identifiers (`connection.ops.quote_name(table)`, "
        "`qn(column)`). A call that passes parameters separately (`cursor.execute(sql, "
        "params)`, `raw(sql, params)`, `RawSQL(sql, params)`, `extra(..., params=...)`) is "
        "silent: the author chose parameterisation. Text that arrives whole (a parameter "
        "`sql`, a method's return value, `sql + \" LIMIT 10\"`) is not built where it is "
        "executed; the rule reports where text is formatted and executed in the same "
        "function.",
    ),
    Rule(
        code="BR051",
        symbol="csrf-exempt",
        summary="A view is exempted from CSRF protection",
        message="`{expr}` turns CSRF protection off for this view; authenticate the caller "
        "another way (a signature, a token header) and say so, or drop the exemption",
        what="Finds `@csrf_exempt` on a function or class, `method_decorator(csrf_exempt, "
        "...)`, and `csrf_exempt(view)` as the view of a `path()`/`re_path()`/`url()` "
        "pattern.",
        why="Without CSRF protection any site the user visits can make their browser POST "
        "to the view with their cookies. Webhooks and token-authenticated APIs need the "
        "exemption, but each one must verify its caller some other way; the finding asks "
        "the reviewer to check that it does.",
        bad="""
            from django.views.decorators.csrf import csrf_exempt


            @csrf_exempt
            def update_profile(request):
                request.user.email = request.POST["email"]
                request.user.save()
            """,
        good="""
            from django.views.decorators.http import require_POST


            @require_POST
            def update_profile(request):
                request.user.email = request.POST["email"]
                request.user.save()
            """,
        notes="The name must resolve to Django's `csrf_exempt` through the imports. "
        "`csrf_exempt(view)` elsewhere (a framework wrapping its own views, as DRF's "
        "`APIView.as_view()` does while enforcing CSRF in its session authentication) "
        "is not reported.",
    ),
    Rule(
        code="BR052",
        symbol="unsafe-deserialization",
        summary="Data is deserialized with a loader that can run code",
        message="`{expr}` can run arbitrary code while loading; use JSON, or "
        "`yaml.safe_load`, for data that may not be yours",
        what="Finds `pickle.load(s)` (also `cPickle`, `_pickle`, `dill`, `cloudpickle`, "
        "`pickle.Unpickler`), `marshal.load(s)`, `jsonpickle.decode`, `yaml.unsafe_load` "
        "and `yaml.load(...)`/`yaml.load_all(...)` without `Loader=SafeLoader`/"
        "`CSafeLoader` (or `BaseLoader`), resolved through imports.",
        why="Unpickling (and YAML's full loader) constructs arbitrary objects: bytes an "
        "attacker can write, in a cache, a cookie, an upload or a queue, become code run "
        "by your process.",
        bad="""
            import yaml


            def load_rules(upload):
                return yaml.load(upload.read())
            """,
        good="""
            import yaml


            def load_rules(upload):
                return yaml.safe_load(upload.read())
            """,
        notes="Bytes the process pickled itself are silent: a round trip "
        "(`pickle.loads(pickle.dumps(obj))`, a picklability check) and the object's own "
        "memory (`pickle.loads(self._cache[key])`, directly or through a local), which "
        "nobody outside the process can write. Caches in a database, files or Redis are "
        "not: whoever can write there runs code in every reader. "
        "A loader expression naming `SafeLoader`/`CSafeLoader` (`Loader=getattr(yaml, "
        "\"CSafeLoader\", yaml.SafeLoader)`) is safe. `yaml.FullLoader` is not: it has "
        "had code-execution bypasses.",
    ),
    Rule(
        code="BR053",
        symbol="secret-in-log",
        summary="A secret is written to a log",
        message="`{expr}` is written to a log; log an identifier or a masked form instead",
        what="Finds logging calls (`debug`/`info`/`warning`/`error`/`exception`/`critical`/"
        "`log` on `logger`, `log`, `logging` or a name ending in `logger`, and `print`) "
        "whose arguments (names, attributes, f-string fields, `%`/`.format()` arguments, "
        "`extra=` values) include a name or attribute whose last word is `password`, "
        "`passwd`, `secret`, `token`, `apikey`, `authorization`, `cvv` or `ssn`, or whose "
        "last two are `api_key`, `private_key`, `secret_key`, `access_key` or "
        "`card_number` (`jwt_token`, `user.password`, `settings.SECRET_KEY`).",
        why="Logs are kept long, shipped to third parties and read by many people: a "
        "token or card number in a log is a leaked token or card number.",
        bad="""
            import logging

            logger = logging.getLogger(__name__)


            def login(user, jwt_token):
                logger.info("login %s with %s", user.pk, jwt_token)
            """,
        good="""
            import logging

            logger = logging.getLogger(__name__)


            def login(user, jwt_token):
                logger.info("login %s", user.pk)
            """,
        notes="Names that qualify the word are something else (`token_count`, "
        "`token_type`, `password_changed_at`, `max_tokens`, `reset_token_sent`), as are "
        "flags and counts (`has_password`, `is_secret`, `num_tokens`) and pagination "
        "tokens (`next_page_token`); the definition is shared with BR012. A value passed "
        "through a call is not shown as is (`mask(token)`, `len(cvv)`, `token[:6]`), except "
        "`str()`/`repr()`/`.format()`. Only the last attribute of a chain counts: "
        "`token.user_id` logs a user id. A bare `.token` attribute counts on credential "
        "holders (`self`, `request`, `auth`, `client`, `credentials`, `session`, `settings`, "
        "`user`...) but not on business objects, where it is the row's public identifier "
        "(Saleor's `checkout.token`). `print` in management commands and `scripts/` is the "
        "program's output to its operator, not a log.",
    ),
    Rule(
        code="BR054",
        symbol="mark-safe-interpolation",
        summary="Text marked safe is built from unescaped parts",
        message="`{expr}` marks text safe that formats in `{part}` unescaped; build it "
        "with format_html(...)",
        what="Finds `mark_safe(...)`/`SafeString(...)` (also `markupsafe.Markup(...)`) on "
        "an f-string, `%`, `.format()` or `+` with a part that is neither a literal nor a "
        "module-level constant, directly or through a local of the same function.",
        why="`mark_safe` switches auto-escaping off for the whole string: a user's name "
        "formatted into it becomes a script in every page that shows it.",
        bad="""
            from django.utils.safestring import mark_safe


            def badge(user):
                return mark_safe(f"<b>{user.display_name}</b>")
            """,
        good="""
            from django.utils.html import format_html


            def badge(user):
                return format_html("<b>{}</b>", user.display_name)
            """,
        default_on=False,
        notes="Off by default. On real code (Django, DRF, Wagtail, Oscar, Netbox, taiga) "
        "most `mark_safe` calls format in text the developers control (model options, "
        "badge colours from code, admin-authored link templates, plugin HTML), which no "
        "static reading can tell from user data: fewer than half of its findings were true, "
        "far below the 90% a default-on rule needs. Enable it (`--extend-select BR054`) to "
        "review every interpolating `mark_safe` once. Parts that are already escaped or "
        "safe are silent: `escape(...)`, "
        "`conditional_escape(...)`, `format_html(...)`, `format_html_join(...)`, "
        "`mark_safe(...)`, `render_to_string(...)`, `json_script(...)`, `flatatt(...)`, "
        "`reverse(...)`, `static(...)`, numbers (`len(...)`, `int(...)`), and translations "
        "of literals (`_(\"...\")`), model options (`obj._meta.verbose_name`), "
        "`get_absolute_url()`, `__html__()`, date formatting (`isoformat()`, `naturaltime(...)`), "
        "sanitisers (`clean_html(...)`), numbers (`.count()`, arithmetic on them) and a "
        "local rebound through one of those (`html = clean_html(html)`). Text arriving whole (`mark_safe(html)` of a "
        "parameter) is not reported: the rule looks where text is formatted.",
    ),
    Rule(
        code="BR055",
        symbol="default-admin-url",
        summary="The Django admin is mounted at the default admin/ URL",
        message="`{expr}` mounts the admin at the guessable `admin/`; move it to a "
        "non-default prefix",
        what="Finds `path(\"admin/\", admin.site.urls)` and `re_path`/`url` on "
        "`^admin/` (also `include(admin.site.urls)`).",
        why="Every scanner on the internet tries `/admin/` first: a default admin URL "
        "invites credential stuffing and advertises the framework.",
        bad="""
            from django.contrib import admin
            from django.urls import path

            urlpatterns = [path("admin/", admin.site.urls)]
            """,
        good="""
            from django.contrib import admin
            from django.urls import path

            urlpatterns = [path("ops-7f3a/", admin.site.urls)]
            """,
        default_on=False,
        notes="Off by default: moving the admin is obscurity, not protection, and many "
        "teams rely on MFA and network rules instead. Enable it with `--extend-select "
        "BR055`.",
    ),
)
