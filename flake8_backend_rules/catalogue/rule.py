"""Transitional: the families whose metadata still lives in ``catalogue/brNN.py`` and whose
checks live in a topic module of ``rules/``. Each moves to ``rules/<family>/`` with one
module per rule; this file goes with the last of them."""
from __future__ import annotations

from ..rules import Rule

__all__ = ["LEGACY_FAMILIES", "Rule"]

# code prefix -> (catalogue module, rules topic module)
LEGACY_FAMILIES = {
    "BR00": ("br00", "orm"),
    "BR01": ("br01", "settings"),
    "BR02": ("br02", "errors"),
    "BR03": ("br03", "integrity"),
    "BR04": ("br04", "blocking"),
    "BR05": ("br05", "security"),
    "BR06": ("br06", "api"),
    "BR07": ("br07", "models"),
    "BR08": ("br08", "maintainability"),
}
