"""Settings: reading the environment here is the right place (near-miss for BR010)."""
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.getenv("DJANGO_DEBUG", "0") == "1"
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
INSTALLED_APPS = ["django.contrib.contenttypes", "shop"]
