"""Async storefront pages and outbound calls: blocking work in the request path."""
import os

import requests
from django.http import JsonResponse

from .models import Order


async def order_status(request, order_id):
    # BR040: a sync ORM call inside async def (Django raises SynchronousOnlyOperation)
    order = Order.objects.get(pk=order_id)
    # near-miss: the async twin
    same = await Order.objects.aget(pk=order_id)
    return JsonResponse({"id": order.pk, "same": same.pk})


def invoice_files(request):
    orders = Order.objects.filter(customer=request.user)
    # BR041: one stat call per order
    present = [o.pk for o in orders if os.path.exists(f"/srv/invoices/{o.pk}.pdf")]
    return JsonResponse({"present": present})


def shipping_quote(request):
    # BR043: a carrier that never answers holds this worker for ever
    quote = requests.get("https://carrier.example.com/quote").json()
    # near-miss: bounded
    backup = requests.get("https://carrier2.example.com/quote", timeout=5).json()
    return JsonResponse({"quote": quote, "backup": backup})
