"""Money is whole VND in integer fields: no floats, no decimals.

`format_vnd(1250000)` → `1.250.000 ₫` (Vietnamese grouping with dots, the đồng sign after).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models


def format_vnd(amount: int | None) -> str:
    if amount is None:
        return ""
    return format_number(amount) + " ₫"


def format_number(value: int | None) -> str:
    """`format_number(2575)` → `2.575`: counts and points grouped the Vietnamese way."""
    if value is None:
        return ""
    value = int(value)
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value):,}".replace(",", ".")


def percent_of(amount: int, percent: int | Decimal | str) -> int:
    """`percent`% of a whole-VND amount, rounded half up to the đồng, exact (no float)."""
    value = Decimal(int(amount)) * Decimal(str(percent)) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_up_to(amount: int, step: int = 1000) -> int:
    """Rounds up to a multiple of `step` (prices end in ,000 ₫)."""
    amount = int(amount)
    return -(-amount // step) * step


class MoneyField(models.BigIntegerField):
    """Whole VND. A BigIntegerField with a name that says what it holds."""

    description = "Amount in whole VND"
