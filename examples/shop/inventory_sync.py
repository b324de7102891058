import logging

logger = logging.getLogger(__name__)


def push_stock_levels(client, products):
    for product in products:
        try:
            client.push(product.sku, product.stock)
        except Exception as e:
            # BR022: the message survives, the traceback does not
            logger.warning("stock push failed for %s: %s", product.sku, e)


def push_prices(client, products):
    for product in products:
        try:
            client.push_price(product.sku, product.price)
        except Exception:
            # near-miss: logged with the traceback
            logger.exception("price push failed for %s", product.sku)
