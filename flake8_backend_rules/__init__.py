"""flake8-backend-rules: backend code-review findings as lint warnings.

One AST traversal per module (``engine``) feeds small rule checks (``rules``); the
flake8 adapter (``plugin``) and the pylint adapter (``pylint_plugins.backend_rules``)
both run that same engine.
"""
from __future__ import annotations

__version__ = "0.1.0"
