"""BR01x: configuration and settings. The environment read outside settings modules,
settings that are insecure in production, secrets written in the code, business rates
written inline.

Which calls read configuration (``os.getenv``, ``config(...)``, ``env.str(...)``) and
which modules and classes hold development or pydantic settings is worked out in
``_config.py``, shared by BR010, BR011 and BR012.
"""

FAMILY = "Configuration and settings"
