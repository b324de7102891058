"""BR06x API design checks."""
from __future__ import annotations
