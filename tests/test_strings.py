"""The shared vocabularies of strings.py, tested where they live: secret-like names (BR012,
BR053), secret-looking literals (BR012), SQL value positions and string flow (BR050, BR054)."""
from __future__ import annotations

import ast
from typing import Optional

import pytest

from flake8_backend_rules.strings import (
    StringFlow,
    looks_like_secret,
    name_words,
    secret_word,
    sql_value_position,
)


@pytest.mark.parametrize(
    "name, personal, word",
    [
        ("STRIPE_SECRET_KEY", False, "secret_key"),
        ("client_secret", False, "secret"),
        ("token", False, "token"),
        ("jwt_token", False, "token"),
        ("apiKey", False, "api_key"),
        ("X-Api-Key", False, "api_key"),
        ("DB_PASSWD", False, "passwd"),
        ("AWS_ACCESS_KEY", False, "access_key"),
        ("myapikey", False, "apikey"),
        ("card_number", True, "card_number"),
        ("cvv", True, "cvv"),
        ("authorization", True, "authorization"),
        # qualifiers, flags, counts and harmless tokens
        ("card_number", False, None),
        ("token_count", True, None),
        ("token_type", True, None),
        ("password_changed_at", True, None),
        ("max_tokens", True, None),
        ("reset_token_sent", True, None),
        ("has_password", True, None),
        ("is_secret", True, None),
        ("num_tokens", True, None),
        ("next_page_token", True, None),
        ("PASSWORD_RESET_TIMEOUT", False, None),
        ("keyboard", True, None),
    ],
)
def test_secret_word(name: str, personal: bool, word: Optional[str]) -> None:
    assert secret_word(name, personal=personal) == word


def test_name_words_split_every_spelling() -> None:
    assert name_words("HTTPAuthToken") == ["http", "auth", "token"]
    assert name_words("x-api-key") == ["x", "api", "key"]
    assert name_words("__secret__") == ["secret"]


@pytest.mark.parametrize(
    "value, secret",
    [
        ("django-insecure-7h$k2!x9@q0zv^3m", True),
        ("s3cr3t-p4ss", True),
        ("4eC39HqLyjWDarjtT1zdp7dc", True),
        ("", False),
        ("12345", False),  # shorter than six: a dummy
        ("password", False),
        ("Authorization", False),
        ("changeme", False),
        ("X-Api-Token", False),
        ("_password_reset_token", False),
        ("rest_framework.authtoken", False),
        ("https://auth.example.com/token", False),
        ("/etc/shop/private.pem", False),
        ("Your e-mail password", False),
        ("<your-api-token>", False),
        ("{jwt_secret}", False),
        ("********", False),
        ("%(password)s", False),
    ],
)
def test_looks_like_secret(value: str, secret: bool) -> None:
    assert looks_like_secret(value) is secret


@pytest.mark.parametrize(
    "before, after, value",
    [
        ("SELECT * FROM t WHERE name = '", "'", True),
        ("SELECT * FROM t WHERE a = ", "", True),
        ("SELECT * FROM t WHERE a >= ", " AND b = 1", True),
        ("SELECT * FROM t WHERE a LIKE ", "", True),
        ("SELECT * FROM t WHERE a IN (1, ", ")", True),
        ("INSERT INTO t VALUES (", ")", True),
        ("SELECT * FROM t LIMIT ", "", True),
        ("SELECT * FROM t WHERE a BETWEEN 1 AND ", "", True),
        ("SELECT * FROM ", "", False),
        ("SELECT * FROM x WHERE x.p = ", ".id", False),
        ('set search_path to "', '"', False),
        ("SELECT ", "()", False),
        ("CREATE DATABASE ", " ", False),
        ("SELECT a, ", " FROM t", False),
        ("SELECT * FROM t WHERE a = 1 AND ", "", False),
        ("SELECT * FROM ", "_archive", False),
    ],
)
def test_sql_value_position(before: str, after: str, value: bool) -> None:
    assert sql_value_position(before, after) is value


def _flow(source: str) -> tuple:
    function = ast.parse(source).body[0]
    sink = function.body[-1].value  # type: ignore[attr-defined]
    flow = StringFlow(function, lambda name: name == "TABLE")
    return flow, sink.args[0], sink


@pytest.mark.parametrize(
    "source, dynamic",
    [
        ("def f(x):\n    run(f\"a = '{x}'\")\n", "x"),
        ("def f(x):\n    sql = 'a = %s' % x\n    run(sql)\n", "x"),
        ("def f(x):\n    sql = 'SELECT 1 WHERE 1 = 1'\n    sql += ' AND a = ' + x\n    run(sql)\n", "x"),
        ("def f(x):\n    w = f\"a = '{x}'\"\n    run(f'SELECT 1 WHERE {w}')\n", "x"),
        ("def f(x):\n    run(f'SELECT * FROM {TABLE} WHERE a = {int(x)}')\n", None),
        ("def f(sql):\n    run(sql)\n", None),
        ("def f(sql):\n    run(sql + ' LIMIT 10')\n", None),
        ("def f(x):\n    run(f'SELECT * FROM {x}')\n", None),
    ],
)
def test_dynamic_part_follows_locals_and_positions(source: str, dynamic: Optional[str]) -> None:
    flow, expr, sink = _flow(source)
    part = flow.dynamic_part(expr, sink, frozenset(), sql_value_position)
    assert (ast.unparse(part) if part is not None else None) == dynamic
