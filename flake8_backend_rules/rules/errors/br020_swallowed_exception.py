"""BR020 swallowed-exception: a broad handler that neither re-raises, logs nor uses the
exception."""
from __future__ import annotations

import ast

from ...context import Context
from .. import Rule, check
from ._handlers import handler_facts, handler_text, is_broad_handler

RULE = Rule(
    code="BR020",
    symbol="swallowed-exception",
    summary="A broad exception handler swallows the failure",
    message="`{handler}` swallows the exception: it neither re-raises, logs nor uses "
    "it; log it with logger.exception(...) or catch something narrower",
    what="Finds broad handlers (`except Exception`, `except BaseException`, bare "
    "`except:`, or a tuple containing one of those) whose body neither re-raises, nor "
    "logs (a call on `logger`, `log`, `logging`, a name ending in `logger`, "
    "`capture_exception`, `warnings.warn`, `traceback.print_exc`, or a configured "
    "error reporter), nor uses the bound exception.",
    why="A swallowed exception turns a failure into silence: the security notification "
    "that never went out was hidden by `except Exception: pass`.",
    bad="""
        def notify(user):
            try:
                send_security_alert(user)
            except Exception:
                pass
        """,
    good="""
        import logging

        logger = logging.getLogger(__name__)


        def notify(user):
            try:
                send_security_alert(user)
            except Exception:
                logger.exception("security alert failed for user %s", user.pk)
        """,
    options=("backend-error-reporters",),
)


@check(RULE, ast.ExceptHandler)
def swallowed_exception(node: ast.ExceptHandler, ctx: Context) -> None:
    """A broad handler that neither re-raises, logs nor uses the exception."""
    if not is_broad_handler(node):
        return
    facts = handler_facts(ctx, node)
    if facts.raises or facts.logs or facts.uses_name:
        return
    ctx.report(RULE, node, handler=handler_text(node))
