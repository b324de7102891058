"""BR02x: Error handling. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
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
    ),
    Rule(
        code="BR021",
        symbol="exception-leaked-to-client",
        summary="Exception text is sent to the client",
        message="exception text `{expr}` is sent to the client; log the exception and "
        "return a generic message",
        what="Finds broad handlers binding the exception (`except Exception as e`) that "
        "put its text (`str(e)`, `repr(e)`, `f\"...{e}\"`, `\"%s\" % e`, `.format(e)`, "
        "`e.args`, `traceback.format_exc()`) into a `return` value, into a call whose "
        "callee ends in `Response`/`response`/`jsonify`/`abort`, or into "
        "`HTTPException(...)`/`APIException(...)`.",
        why="Exception text leaks internals (SQL, file paths, hostnames, stack details) "
        "to whoever calls the API, and makes error messages part of the API by accident.",
        bad="""
            def add_item(cart, sku):
                try:
                    cart.add(sku)
                except Exception as e:
                    return False, f"Error adding item: {str(e)}"
            """,
        good="""
            import logging

            logger = logging.getLogger(__name__)


            def add_item(cart, sku):
                try:
                    cart.add(sku)
                except Exception:
                    logger.exception("adding %s to cart %s failed", sku, cart.pk)
                    raise
            """,
        notes="Narrow handlers (`except ValueError as e: return str(e)`) are often a "
        "deliberate validation message and stay silent; so does text that is only logged.",
    ),
)
