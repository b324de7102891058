"""A sales report: SQL formatted from the request (BR050), the safe form beside it."""
from django.db import connection


def sales_for(region):
    sql = f"SELECT SUM(total) FROM shop_order WHERE region = '{region}'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def sales_for_safely(region):
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(total) FROM shop_order WHERE region = %s", [region])
        return cursor.fetchone()[0]
