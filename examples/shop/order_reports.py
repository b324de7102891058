from decimal import Decimal

from .models import Order, OrderLine


def order_total(order):
    # BR003: every line fetched to add up one number (use aggregate(Sum(...)))
    return sum(line.price * line.quantity for line in order.lines.all())


def refunded_total(order):
    total = Decimal("0")
    for line in order.lines.filter(refunded=True):
        # BR003: the same sum, written as a loop
        total += line.price
    return total


def has_open_orders(customer):
    # BR004: fetches every open order to learn whether there is one (use .exists())
    return bool(Order.objects.filter(customer=customer, status="open"))


def order_lines_page(order):
    lines = OrderLine.objects.filter(order=order).select_related("product")
    # near-miss: the rows are iterated below anyway, so len() is right
    count = len(lines)
    return {"count": count, "lines": [line.pk for line in lines]}


def restock(products, amount):
    for product in products:
        product.stock_quantity += amount
        # BR005: one UPDATE per product (use bulk_update once after the loop)
        product.save()


def packing_list(order):
    # BR009: `line.product` is a foreign key (shop/models.py): one query per line
    return [f"{line.quantity} x {line.product.name}" for line in OrderLine.objects.filter(order=order)]


def packing_list_loaded(order):
    # near-miss: the product is fetched in the same query as the lines
    lines = OrderLine.objects.filter(order=order).select_related("product")
    return [f"{line.quantity} x {line.product.name}" for line in lines]
