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
    Rule(
        code="BR022",
        symbol="traceback-dropped",
        summary="A broad handler logs the failure without its traceback",
        message="`{handler}` logs with `{call}(...)` without exc_info= and does not "
        "re-raise: the traceback is lost; use logger.exception(...) or pass exc_info=True",
        what="Finds broad handlers (`except Exception`, `except BaseException`, bare "
        "`except:`, or a tuple containing one of those) that log with `.error(...)`, "
        "`.warning(...)` or `.info(...)` (also `.warn(...)` and `.critical(...)`) on a "
        "logger, without `exc_info=`, and do not re-raise.",
        why="A broad handler catches failures nobody predicted; the message alone (`sync "
        "failed: 'NoneType' object has no attribute 'id'`) says that something broke but "
        "not where. Without the traceback the incident cannot be traced to a line, and "
        "the handler that made the failure survivable also made it undiagnosable.",
        bad="""
            import logging

            logger = logging.getLogger(__name__)


            def sync_inventory(client, sku):
                try:
                    client.push(sku)
                except Exception as e:
                    logger.error("inventory sync failed for %s: %s", sku, e)
            """,
        good="""
            import logging

            logger = logging.getLogger(__name__)


            def sync_inventory(client, sku):
                try:
                    client.push(sku)
                except Exception:
                    logger.exception("inventory sync failed for %s", sku)
            """,
        options=("backend-error-reporters",),
        notes="Silent when the handler re-raises (the traceback travels on; a Celery "
        "task's `self.retry(exc=exc)` raises too), or keeps the "
        "traceback some other way: `logger.exception(...)`, `exc_info=` on any log call "
        "(or `**kwargs`, which may carry it), Sentry's `capture_exception`, a configured "
        "`backend-error-reporters` callable, or the `traceback` module "
        "(`logger.error(traceback.format_exc())`). `.debug(...)` is not reported: debug "
        "output is opted into. Narrow handlers are not reported: the exception type is "
        "the diagnosis. A handler that logs nothing at all is BR020's business.",
    ),
)
