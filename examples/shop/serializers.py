from rest_framework import serializers

from .models import Order


class OrderSerializer(serializers.ModelSerializer):
    line_count = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ["id", "line_count"]

    def get_line_count(self, obj):
        # BR006: one COUNT query per serialized order (annotate Count("lines") in the view)
        return obj.lines.count()
