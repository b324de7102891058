"""Test-wide setup: the project model's cache goes to a folder of this test session, never
to the user's ~/.cache (subprocesses started by the tests inherit the variable)."""
from __future__ import annotations

import os
import tempfile

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="backend-rules-cache-")
