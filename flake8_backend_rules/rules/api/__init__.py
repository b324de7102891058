"""BR06x: API design.

Errors returned with HTTP 200 (BR060) defeat every client's error handling; a list
endpoint that returns every row (BR061) grows with the table; a GET that writes (BR062)
is replayed by caches, crawlers and prefetchers; raw request input fed to the ORM
(BR063) is mass assignment or filter injection.
"""

FAMILY = "API design"
