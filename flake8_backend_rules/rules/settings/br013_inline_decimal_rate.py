"""BR013 inline-decimal-rate: a business rate (tax, fee, discount) written as a Decimal
literal inside a function instead of named once."""
from __future__ import annotations

import ast
import decimal

from ...astutil import short_source
from ...context import Context
from .. import Rule, check

RULE = Rule(
    code="BR013",
    symbol="inline-decimal-rate",
    summary="A business rate is hidden inline as a Decimal literal",
    default_on=False,
    precision="Off by default. One finding in 19 projects its authors never read: too little "
    "evidence to show the 90% judged true on 30 findings from three unseen projects a "
    "default-on rule needs.",
    message="inline rate `{expr}`; name it (a module constant, a setting or a model "
    "field) so it is found, reviewed and changed in one place",
    what="Finds a `Decimal(\"0.09\")`-style literal used as an operand of `*` or `/` "
    "(or of `*=`/`/=`) inside a function body.",
    why="Tax, fee and discount rates change; a rate buried in a function is missed "
    "when it does, and two copies of it drift apart.",
    bad="""
        from decimal import Decimal


        def vat(net):
            return net * Decimal("0.2")
        """,
    good="""
        from decimal import Decimal

        VAT_RATE = Decimal("0.2")


        def vat(net):
            return net * VAT_RATE
        """,
    notes="Silent: module-level constants (the fix), `quantize(Decimal(\"0.01\"))` "
    "precision arguments, whole numbers (`Decimal(\"0\")`, `Decimal(\"1\")`, "
    "`Decimal(\"100\")`, `Decimal(60)`: unit conversions and counts) and powers of ten "
    "(`* Decimal(\"0.01\")` converts cents or percent, it is not a rate), and physical "
    "unit conversion factors (`Decimal(\"0.3048\")` feet to metres, `Decimal(453.592)` "
    "pounds to grams), which are fixed by definition.",
)

# Physical unit conversions (inch, foot, yard, mile, ounce, pound, gallon, Fahrenheit,
# km/h...): fixed by definition, never a business decision. Also their inverses below.
_UNIT_FACTORS = frozenset(
    decimal.Decimal(text)
    for text in (
        "0.0254 2.54 25.4 0.3048 30.48 304.8 0.9144 1609.344 1.609344 1.60934 0.621371"
        " 3.28084 39.3701 1.09361 28.3495 28.349523125 453.592 453.59237 0.453592"
        " 0.45359237 2.20462 35.274 3.78541 3.785411784 0.264172 4.54609 1.8 0.5556"
        " 3.6 0.277778 1.852 0.539957 6.4516 0.092903 10.7639 2.58999 0.386102"
    ).split()
)


def _is_power_of_ten(number: decimal.Decimal) -> bool:
    digits = number.normalize().as_tuple().digits
    return digits == (1,)


def _rate_literal(node: ast.AST, ctx: Context) -> bool:
    """`Decimal("0.09")`: a literal that is neither a whole number (`0`, `1`, `100`,
    `60`), nor a power of ten (`0.01` converts cents, it is not a rate), nor a physical
    unit conversion factor (`0.3048` feet to metres)."""
    if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
        return False
    arg = node.args[0]
    if not isinstance(arg, ast.Constant) or isinstance(arg.value, bool) or not isinstance(arg.value, (str, int, float)):
        return False
    if ctx.resolve(node.func) != "decimal.Decimal":
        return False
    try:
        number = decimal.Decimal(str(arg.value).strip())
    except (decimal.InvalidOperation, ValueError):
        return False
    if not number.is_finite() or number == number.to_integral_value():
        return False
    return not _is_power_of_ten(abs(number)) and abs(number) not in _UNIT_FACTORS


def _in_function(ctx: Context) -> bool:
    return ctx.frame.kind in ("function", "lambda")


@check(RULE, ast.BinOp)
def inline_decimal_rate(node: ast.BinOp, ctx: Context) -> None:
    """`price * Decimal("0.09")`: a business rate (tax, fee, discount) hidden in code."""
    if not isinstance(node.op, (ast.Mult, ast.Div)) or not _in_function(ctx):
        return
    for side in (node.left, node.right):
        if _rate_literal(side, ctx):
            ctx.report(RULE, side, expr=short_source(side, 40))


@check(RULE, ast.AugAssign)
def inline_decimal_rate_augmented(node: ast.AugAssign, ctx: Context) -> None:
    """`total *= Decimal("0.85")`."""
    if isinstance(node.op, (ast.Mult, ast.Div)) and _in_function(ctx) and _rate_literal(node.value, ctx):
        ctx.report(RULE, node.value, expr=short_source(node.value, 40))
