from django.http import JsonResponse

from .models import Order, OrderLine


def order_history(request):
    orders = Order.objects.filter(customer=request.user)
    data = []
    for order in orders:
        # BR002: one query per order
        first = order.lines.order_by("pk").first()
        data.append({"id": order.pk, "first_line": first.pk if first else None})
    return JsonResponse({"orders": data})


def order_summaries(request):
    orders = Order.objects.filter(customer=request.user).prefetch_related("lines")
    summaries = []
    for order in orders:
        # near-miss: served from the prefetch cache
        count = order.lines.count()
        # BR002: .filter() bypasses the prefetch cache
        big = order.lines.filter(quantity__gte=10).exists()
        summaries.append({"id": order.pk, "lines": count, "bulk": big})
    return JsonResponse({"orders": summaries})


def add_line(request, order_id):
    try:
        line = OrderLine.objects.create(order_id=order_id, product_id=request.POST["product"], quantity=1)
    except Exception as e:
        # BR021: the exception text goes to the client
        return JsonResponse({"error": f"could not add line: {e}"}, status=500)
    return JsonResponse({"id": line.pk})


def change_quantity(request, line_id):
    try:
        quantity = int(request.POST["quantity"])
    except ValueError as e:
        # near-miss: a narrow handler's message is a deliberate validation error
        return JsonResponse({"error": str(e)}, status=400)
    OrderLine.objects.filter(pk=line_id).update(quantity=quantity)
    return JsonResponse({"ok": True})
