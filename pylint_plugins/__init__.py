"""pylint plugins of flake8-backend-rules (``--load-plugins=pylint_plugins.backend_rules``)."""
