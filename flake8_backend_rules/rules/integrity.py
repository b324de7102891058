"""BR03x data integrity under concurrency checks."""
from __future__ import annotations
