"""BR08x maintainability checks."""
from __future__ import annotations
