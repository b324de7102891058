from rest_framework import serializers

from .models import Order, Product


class OrderSerializer(serializers.ModelSerializer):
    line_count = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ["id", "line_count"]

    def get_line_count(self, obj):
        # BR006: one COUNT query per serialized order (annotate Count("lines") in the view)
        return obj.lines.count()


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["name", "sku", "price"]

    def validate_sku(self, value):
        # BR035: sku is unique=True: the database refuses the duplicate anyway, and two
        # concurrent requests both pass this check (the second insert is then a 500)
        if Product.objects.filter(sku=value).exists():
            raise serializers.ValidationError("A product with this SKU exists.")
        return value
