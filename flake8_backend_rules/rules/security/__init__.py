"""BR05x: security. Injection (SQL, HTML marked safe), CSRF exemptions, unsafe
deserialization, secrets in logs, the admin at its default URL.

The injection rules (BR050, BR054) follow the text to the sink rather than matching a
shape: the string-flow analysis in ``strings.py`` says which part of the text was
formatted in and whether it is only literals and constants. BR051 and BR055 share the
names of Django's URL pattern functions (``_urls.py``).
"""

FAMILY = "Security"
