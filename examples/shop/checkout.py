from django.db import transaction
from django.db.models import F

from .models import Order, OrderLine


def add_to_order(order_id, product_id, quantity):
    order = Order.objects.get(pk=order_id)
    # the status is checked on a row nobody locked (no write of it follows here)...
    if order.status != "open":
        raise ValueError("order is closed")
    # ...and BR031: two requests can both see "no line yet" and both create one
    if not OrderLine.objects.filter(order=order, product_id=product_id).exists():
        OrderLine.objects.create(order=order, product_id=product_id, quantity=quantity)
    # BR030: the total is read, changed in Python and saved (BR034 when selected: a
    # second write outside transaction.atomic())
    order.item_count += quantity
    order.save()


def add_to_order_safely(order_id, product_id, quantity):
    # near-miss: the row is locked inside atomic(), the count is updated in the database
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != "open":
            raise ValueError("order is closed")
        line, created = OrderLine.objects.get_or_create(order=order, product_id=product_id,
                                                        defaults={"quantity": quantity})
        Order.objects.filter(pk=order.pk).update(item_count=F("item_count") + quantity)


def close_order(order_id):
    order = Order.objects.get(pk=order_id)
    # BR032 when selected: two requests both see "open" and both close the order
    if order.status != "open":
        raise ValueError("order is closed")
    order.status = "closed"
    order.save()
