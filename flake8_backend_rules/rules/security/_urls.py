"""Django's URL pattern functions, for BR051 (`csrf_exempt(view)` as a pattern's view)
and BR055 (the admin mounted at `admin/`)."""
from __future__ import annotations

#: The callee names of a URL pattern (a cheap test before resolving) ...
URL_FUNCTION_NAMES = frozenset({"path", "re_path", "url"})
#: ... and what they must resolve to.
URL_FUNCTIONS = frozenset({"django.urls.path", "django.urls.re_path", "django.conf.urls.url"})
