"""BR04x blocking work in the request path checks."""
from __future__ import annotations
