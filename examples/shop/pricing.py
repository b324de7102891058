"""Prices: a VAT rate hidden inline (BR013) next to the named one."""
from decimal import Decimal

SHIPPING_VAT = Decimal("0.2")


def gross(net):
    return (net * Decimal("0.2")).quantize(Decimal("0.01"))


def shipping_gross(net):
    return (net * SHIPPING_VAT).quantize(Decimal("0.01"))
