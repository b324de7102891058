"""Sign-up: the request waits for the mail server."""
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.http import JsonResponse


def register(request):
    user = User.objects.create_user(request.POST["email"], request.POST["email"])
    # BR042: registration blocked on SMTP; queue it in a task
    send_mail("Welcome", "Thanks for signing up.", "shop@example.com", [user.email])
    return JsonResponse({"id": user.pk}, status=201)
