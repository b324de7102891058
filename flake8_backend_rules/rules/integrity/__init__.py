"""BR03x: data integrity under concurrency. Reads and writes that two requests running at
once can interleave: a value changed in Python and saved over a concurrent change
(BR030), a row created because a check found none (BR031), a row written because a check
of its state passed without a lock (BR032), a row lock taken with no transaction open
(BR033), several writes with no transaction around them (BR034).

Every rule reads the same per-function flow facts (``_txflow.py``: what runs inside
``transaction.atomic()``, which rows were fetched and locked, what follows a guard), built
by one walk of the function and only when a cheap note taken during the engine's walk
says the function can hold a finding. ``_writes.py`` has the ORM write names and tests
several rules share.
"""

FAMILY = "Data integrity under concurrency"
