"""A data migration written against today's models, and with no way back."""
from django.db import migrations
from django.utils.text import slugify

from shop.models import Product


def fill_slugs(apps, schema_editor):
    Product.objects.filter(slug="").update(slug=slugify("product"))


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_product_slug")]
    operations = [migrations.RunPython(fill_slugs)]
