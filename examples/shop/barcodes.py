"""A model whose columns depend on a setting."""
from django.conf import settings
from django.db import models


class StockItem(models.Model):
    name = models.CharField(max_length=200)
    if settings.ENABLE_BARCODES:
        barcode = models.CharField(max_length=32, blank=True)
