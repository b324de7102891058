"""Django's reversible migration operations, recognised through the module's imports, for
BR070 (their reverse argument) and BR072 (the functions ``RunPython`` hands over)."""
from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

from ...astutil import call_name
from ...context import Context

# operation -> (name of its reverse parameter, its position)
REVERSIBLE_OPERATIONS: Dict[str, Tuple[str, int]] = {
    "RunPython": ("reverse_code", 1),
    "RunSQL": ("reverse_sql", 1),
}


def migration_operation(call: ast.Call, ctx: Context) -> Optional[str]:
    """`RunPython`/`RunSQL` when the call builds Django's operation (through
    `migrations.RunPython`, `from django.db.migrations import RunPython`, ...)."""
    name = call_name(call)
    if name not in REVERSIBLE_OPERATIONS:
        return None
    resolved = ctx.resolve(call.func)
    if resolved is None or not resolved.startswith("django.db.migrations"):
        return None
    return name
