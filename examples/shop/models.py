from decimal import Decimal

from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=40, unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock_quantity = models.PositiveIntegerField(default=0)


class Order(models.Model):
    customer = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    shipping_cost = models.DecimalField(max_digits=10, decimal_places=2)

    @property
    def subtotal(self):
        # BR001: serializing 50 orders runs 50 extra queries
        return sum(line.price * line.quantity for line in self.lines.all())

    @property
    def total(self):
        # BR001 too, via self.subtotal
        return self.subtotal + self.shipping_cost

    @property
    def shipping_label(self):
        # near-miss: plain attributes only
        return f"{self.customer_id}-{self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
