"""BR00x: query efficiency. Queries run once per object (in properties, loops and
serializer method fields), rows fetched only to be aggregated, counted or tested in
Python, writes run once per row, and orderings and searches no index serves.

What the rules share sits beside them: when a query expression runs at all and once per
which loop (``_execution.py``), which relations the rows of a loop carry prefetched
(``_prefetches.py``), and where a function's queryset locals go (``_queryflow.py``).
"""

FAMILY = "Query efficiency"
