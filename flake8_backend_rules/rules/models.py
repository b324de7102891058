"""BR07x Django models and migrations checks."""
from __future__ import annotations
