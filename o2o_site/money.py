"""Money is whole VND in integer fields: no floats, no decimals.

`format_vnd(1250000)` → `1.250.000 ₫` (Vietnamese grouping with dots, the đồng sign after);
`parse_vnd("1.250.000")` → `1250000`, refusing what is not a whole number of đồng or could be
read two ways (`1250000.5`, `1.250.000,5`, `1,5tr`). The cashier screen's JS mirrors it
(`promotions/static/promotions/money.js`): change both together.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext as _


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


class AmountError(ValueError):
    """A typed amount that is not a whole, unambiguous number of đồng; `code` is one of
    `amount_messages()`' keys, `message` the sentence for the user."""

    def __init__(self, code: str, raw: str = ""):
        self.code = code
        self.message = amount_messages()[code] % {"raw": raw.strip()[:MAX_AMOUNT_CHARS]}
        super().__init__(self.message)


def amount_messages() -> dict[str, str]:
    """Every refusal of `parse_vnd`, by code (the screen's JS shows the same sentences)."""
    return {
        "required": _("Nhập số tiền."),
        "too_long": _("Số tiền quá dài."),
        "negative": _("Số tiền không được âm."),
        "abbreviated": _("Hãy nhập đủ các chữ số, ví dụ 1.500.000 (không viết tắt “tr”, “k”)."),
        "characters": _("Số tiền chỉ gồm chữ số và dấu chấm ngăn cách hàng nghìn, ví dụ 1.250.000."),
        "mixed": _(
            "“%(raw)s” dùng lẫn nhiều loại dấu ngăn cách nên có thể hiểu hai cách. "
            "Tiền là số nguyên đồng, ví dụ 1.250.000."
        ),
        "empty_group": _("Số tiền có dấu ngăn cách thừa, ví dụ đúng: 1.250.000."),
        "fraction": _("Tiền là số nguyên đồng, không có phần lẻ: “%(raw)s” không dùng được."),
        "groups": _("Mỗi nhóm sau dấu ngăn cách phải có đúng 3 chữ số, ví dụ 1.250.000."),
    }


# Spaces people (and spreadsheets) put between groups: space, no-break, narrow no-break, thin.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]+")
_CURRENCY = re.compile(r"(?:₫|đồng|đ|vnđ|vnd)$", re.IGNORECASE)
_ALLOWED = re.compile(r"[0-9., ]+")
_ABBREVIATED = re.compile(r"[0-9]\s*(?:tr|tri[eệ]u|k|ng[aà]n|ngh[iì]n|m)(?![0-9a-zà-ỹ])", re.IGNORECASE)
MAX_AMOUNT_CHARS = 40


def parse_vnd(raw: str) -> int:
    """A whole number of đồng typed by a person → int; AmountError with a sentence otherwise.

    Accepted: `1250000`, `1.250.000` (Vietnamese grouping), `1 250 000`, `1,250,000` (two or
    more comma groups), with an optional `₫`/`đ`/`VND` after. Refused: a fraction of a đồng
    (`1250000.5`, `1,5`), mixed separators (`1.250.000,5`), groups not of three digits
    (`12.50.000`), abbreviations (`1,5tr`, `500k`), signs and non-ASCII digits. Every digit typed
    counts: nothing is dropped or guessed.
    """
    if not isinstance(raw, str):
        raise AmountError("characters")
    text = _SPACES.sub(" ", raw).strip()
    if not text:
        raise AmountError("required")
    if len(text) > MAX_AMOUNT_CHARS:
        raise AmountError("too_long")
    text = _CURRENCY.sub("", text).strip()
    if text.startswith("-"):
        raise AmountError("negative")
    if not _ALLOWED.fullmatch(text or "?"):
        raise AmountError("abbreviated" if _ABBREVIATED.search(text) else "characters")
    separators = {c for c in text if c in "., "}
    if len(separators) > 1:
        raise AmountError("mixed", raw)
    if not separators:
        return int(text)
    separator = separators.pop()
    groups = text.split(separator)
    if any(not group for group in groups):
        raise AmountError("empty_group")
    if len(groups) == 2 and separator != " " and (separator == "," or len(groups[1]) != 3):
        # `1,5` / `1250000.5`: a decimal part — a fraction of a đồng, or a misplaced separator.
        raise AmountError("fraction", text)
    if len(groups[0]) > 3 or any(len(group) != 3 for group in groups[1:]):
        raise AmountError("groups")
    return int("".join(groups))
