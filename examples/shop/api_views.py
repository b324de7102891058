from rest_framework import generics

from .models import Order
from .serializers import OrderSerializer


class OrderList(generics.ListAPIView):
    # serves every open order through OrderSerializer: its get_line_count() runs once per
    # order of the page (BR006, reported in serializers.py)
    queryset = Order.objects.filter(status="open")
    serializer_class = OrderSerializer


class OrderUpdate(generics.RetrieveUpdateAPIView):
    # no permission_classes, and config/settings.py sets no DEFAULT_PERMISSION_CLASSES: DRF's
    # default is AllowAny, so any visitor can edit any order (BR064)
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
