"""Options the rules read, beyond the defaults the fixtures use."""
from __future__ import annotations

from flake8_backend_rules.engine import check_source
from flake8_backend_rules.options import build_options

MAIL = '''
from django.core.mail import send_mail
from myproject.queue import huey_task


@huey_task()
def welcome(email):
    send_mail("Welcome", "Hi", None, [email])
'''

PROBES = '''
import os


def gallery(request, paths):
    return [p for p in paths if os.path.exists(p)]
'''


def codes(source: str, filename: str, **raw: object) -> list:
    return [f.code for f in check_source(source, filename, codes=None, options=build_options(raw), strict=True)]


def test_configured_task_decorators_are_task_contexts() -> None:
    assert codes(MAIL, "shop/signup.py") == ["BR042"]
    assert codes(MAIL, "shop/signup.py", extend_backend_task_decorators="huey_task") == []


def test_handler_module_globs_decide_where_filesystem_probes_count() -> None:
    assert codes(PROBES, "shop/gallery.py") == []
    assert codes(PROBES, "shop/gallery.py", extend_backend_handler_modules="*gallery.py") == ["BR041"]


TWO_WRITES = '''
from shop.models import Order, OrderLine


def place(customer):
    order = Order.objects.create(customer=customer)
    OrderLine.objects.create(order=order)
'''


def test_multi_write_is_not_reported_in_checked_test_modules() -> None:
    # Each test already runs inside the test case's transaction (BR034's notes).
    assert codes(TWO_WRITES, "shop/services.py") == ["BR034"]
    assert codes(TWO_WRITES, "shop/tests/test_orders.py", backend_check_tests=True) == []
    assert codes(TWO_WRITES, "shop/tests/test_orders.py") == []
