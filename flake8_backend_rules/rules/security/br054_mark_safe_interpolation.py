"""BR054 mark-safe-interpolation: text marked safe (`mark_safe`, `SafeString`, `Markup`)
although a part formatted into it is not escaped (cross-site scripting)."""
from __future__ import annotations

import ast
from typing import FrozenSet

from ...astutil import call_name, short_source
from ...context import Context
from ...strings import string_flow
from .. import Rule, check

RULE = Rule(
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
)

_MARK_SAFE_NAMES = frozenset({"mark_safe", "SafeString", "SafeText", "Markup"})
_MARK_SAFE = frozenset(
    {"django.utils.safestring.mark_safe", "django.utils.safestring.SafeString",
     "django.utils.safestring.SafeText", "markupsafe.Markup", "jinja2.Markup", "flask.Markup"}
)
# Calls whose result is escaped (or already safe) HTML, or a number.
_HTML_SAFE_CALLS: FrozenSet[str] = frozenset(
    {"escape", "conditional_escape", "format_html", "format_html_join", "mark_safe", "SafeString",
     "render_to_string", "json_script", "escapejs", "flatatt", "urlencode", "iri_to_uri",
     "escape_uri_path", "reverse", "render", "linebreaks", "urlize", "static", "intcomma",
     "html_safe", "Markup", "quote", "quote_plus", "escape_html", "html_escape", "__html__",
     "get_absolute_url", "naturalday", "naturaltime", "clean_html", "sanitize", "sanitize_html",
     "isoformat", "strftime", "date_format", "localize"}
)


@check(RULE, ast.Call, callees=_MARK_SAFE_NAMES)
def mark_safe_interpolation(node: ast.Call, ctx: Context) -> None:
    """`mark_safe(f"<b>{name}</b>")`: text marked safe although a part of it is not
    escaped (cross-site scripting)."""
    if call_name(node) not in _MARK_SAFE_NAMES or len(node.args) != 1:
        return
    if ctx.resolve(node.func) not in _MARK_SAFE:
        return
    arg = node.args[0]
    if isinstance(arg, ast.Constant):
        return
    part = string_flow(ctx).dynamic_part(arg, node, _HTML_SAFE_CALLS)
    if part is not None:
        ctx.report(RULE, node, expr=short_source(node, 50), part=short_source(part, 30))
