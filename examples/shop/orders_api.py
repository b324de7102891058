"""The order API: API design findings."""
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import Order


class OrderList(generics.ListAPIView):
    # BR061: pagination switched off for the whole list
    pagination_class = None


@api_view(["GET"])
def order_export(request):
    # BR061: every order, no page
    return Response({"orders": list(Order.objects.all().values("pk"))})


@api_view(["GET"])
def mark_seen(request, order_id):
    order = Order.objects.get(pk=order_id)
    order.seen = True
    # BR062: a GET that writes (link previews and crawlers will call it)
    order.save()
    return Response({"seen": True})


@api_view(["POST"])
def cancel_order(request, order_id):
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        # BR060: an error sent with HTTP 200
        return Response({"error": "no such order"})
    if order.customer_id != request.user.pk:
        # near-miss: the status says what happened
        return Response({"error": "not your order"}, status=status.HTTP_403_FORBIDDEN)
    order.delete()
    return Response(status=status.HTTP_204_NO_CONTENT)
