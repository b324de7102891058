"""A payment-provider webhook: CSRF off (BR051), a pickled payload (BR052), the API
token logged (BR053), a receipt marked safe with the customer's name in it (BR054)."""
import logging
import pickle

from django.http import HttpResponse
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


@csrf_exempt
def payment_webhook(request):
    event = pickle.loads(request.body)
    provider_token = request.headers["X-Provider-Token"]
    logger.info("webhook %s authorised with %s", event["id"], provider_token)
    return HttpResponse(mark_safe(f"<p>Thanks, {event['customer_name']}</p>"))
