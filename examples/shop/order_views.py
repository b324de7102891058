from django.db import transaction
from django.http import JsonResponse

from .models import Order


def order_status(request, order_id):
    # BR033: select_for_update() outside transaction.atomic() raises at runtime
    order = Order.objects.select_for_update().get(pk=order_id, customer=request.user)
    return JsonResponse({"status": order.status})


def close_order(request, order_id):
    # near-miss: locked inside atomic(), the status changed under the lock
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id, customer=request.user)
        if order.status != "open":
            return JsonResponse({"error": "already closed"}, status=409)
        order.status = "closed"
        order.save()
    return JsonResponse({"status": order.status})
