"""Production settings written in a hurry: what BR011 and BR012 catch."""
from decouple import config

DEBUG = True
ALLOWED_HOSTS = ["*"]
SECRET_KEY = config("DJANGO_SECRET_KEY", default="django-insecure-dev-key")
SESSION_COOKIE_SECURE = True  # near-miss: the secure value
