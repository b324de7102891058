"""BR04x: blocking work in the request path.

Blocking I/O inside ``async def`` stalls every request the event loop serves (BR040);
a disk probe per row of a handler's loop costs a round-trip each (BR041); SMTP in the
request makes the user wait for the mail server (BR042); an outbound HTTP call with no
timeout hangs the worker as long as the peer does (BR043).

``_calls.py`` recognises the calls several of these rules look for: path expressions and
disk probes (BR040, BR041), outbound HTTP requests and sessions (BR040, BR043), Django's
mail functions (BR040, BR042).
"""

FAMILY = "Blocking work in the request path"
