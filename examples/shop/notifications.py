import logging
import os

from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def send_security_alert(user):
    try:
        send_mail("New sign-in", "We noticed a new sign-in.", "security@example.com", [user.email])
    except Exception:  # BR020: the failure disappears
        pass


def send_receipt(order):
    # BR010: configuration read ad hoc, outside settings
    sender = os.getenv("RECEIPT_SENDER", "shop@example.com")
    try:
        send_mail("Your receipt", f"Order {order.pk}", sender, [order.customer.email])
    except Exception:
        # near-miss: logged with the traceback
        logger.exception("receipt for order %s failed", order.pk)
