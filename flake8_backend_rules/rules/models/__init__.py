"""BR07x: Django models and migrations. Migration operations that cannot be undone, model
fields that exist only under some settings, and migrations that use today's models
instead of the historical ones.

A *migration module* is one Django or Alembic loads as a migration (``ctx.kind.migration``):
a module directly inside a ``migrations/`` package (not a subpackage such as
``migrations/tasks/``, nor Django's own ``django/db/migrations/``), or an Alembic revision.
How a call is recognised as Django's ``RunPython``/``RunSQL`` operation is shared by
BR070 and BR072 (``_migrations.py``).
"""

FAMILY = "Django models and migrations"
