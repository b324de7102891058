"""BR02x: error handling. Broad exception handlers that swallow a failure, send its text
to the client, or log it without the traceback.

A *broad handler* catches ``Exception``, ``BaseException``, everything (bare
``except:``), or a tuple containing one of those; what its body does is worked out once
per handler (``_handlers.py``) and shared by the three rules.
"""

FAMILY = "Error handling"
