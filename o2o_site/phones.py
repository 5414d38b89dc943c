"""Vietnamese phone numbers to E.164: `0912 345 678`, `+84 912 345 678`, `84912345678` → `+84912345678`.

`normalize_phone(raw)` never raises: it answers a `PhoneResult` whose `ok` says whether the value
can be a phone number at all, and whose `error` says why not, in Vietnamese, for the user.

Two things `phonenumbers` does not do for us:
- the 2018 renumbering of 11-digit mobile numbers (0166… → 036…, 0120… → 070…): mapped here,
  before parsing, so an old number and its new form are the same customer;
- new allocations: its validity tables lag behind the carriers. A number of the right shape
  that the tables do not list is kept, flagged `listed=False`, rather than refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext as _

# Pre-2018 11-digit mobile prefixes (without the leading 0) → today's 10-digit prefix.
OLD_MOBILE_PREFIXES: dict[str, str] = {
    # Viettel
    "162": "32",
    "163": "33",
    "164": "34",
    "165": "35",
    "166": "36",
    "167": "37",
    "168": "38",
    "169": "39",
    # MobiFone
    "120": "70",
    "121": "79",
    "122": "77",
    "126": "76",
    "128": "78",
    # VinaPhone
    "123": "83",
    "124": "84",
    "125": "85",
    "127": "81",
    "129": "82",
    # Vietnamobile
    "186": "56",
    "188": "58",
    # Gmobile
    "199": "59",
}

_ALLOWED = re.compile(r"^[\d\s+().\-/]*$")


@dataclass(frozen=True)
class PhoneResult:
    """`e164` is set when `ok`; `listed` is False for a possible number the tables do not list yet."""

    raw: str
    e164: str = ""
    ok: bool = False
    listed: bool = False
    mobile: bool = False
    placeholder: bool = False
    error: str = ""

    @property
    def national(self) -> str:
        """`0912345678` (Vietnamese numbers only)."""
        if self.e164.startswith("+84"):
            return "0" + self.e164[3:]
        return self.e164

    @property
    def digits(self) -> str:
        return self.e164.lstrip("+")


def _fail(raw: str, message: str) -> PhoneResult:
    return PhoneResult(raw=raw, error=message)


def _national_significant(digits: str, had_plus: bool) -> str | None:
    """Digits after the country code for a Vietnamese number, or None when it is foreign."""
    if had_plus or (digits.startswith("00") and digits[2:3] not in ("", "0")):
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits.startswith("84"):
            return None
        rest = digits[2:]
        if rest.startswith("0") and len(rest) in (10, 11) and set(rest) != {"0"}:
            rest = rest[1:]  # "+84 0912 345 678": the trunk 0 written after the country code
        return rest
    if digits.startswith("0"):
        return digits[1:]
    # 84912345678 (11 digits) or 841662345678 (12 digits, old form): country code without "+".
    if digits.startswith("84") and len(digits) in (11, 12):
        return digits[2:]
    return digits  # 912345678: the national number without its leading 0


def normalize_phone(raw: str | None, *, allow_foreign: bool = False) -> PhoneResult:
    """Normalizes a phone number as people write it. Idempotent: E.164 in, the same E.164 out."""
    raw = "" if raw is None else str(raw)
    text = raw.strip()
    if not text:
        return _fail(raw, _("Số điện thoại trống."))
    if not _ALLOWED.match(text):
        return _fail(raw, _("Số điện thoại chỉ gồm chữ số, dấu cách, dấu chấm, gạch ngang và dấu +."))
    had_plus = text.lstrip("( ").startswith("+")
    digits = re.sub(r"\D", "", text)
    if not digits:
        return _fail(raw, _("Số điện thoại không có chữ số nào."))
    nsn = _national_significant(digits, had_plus)
    if nsn is None:
        if not allow_foreign:
            return _fail(raw, _("Chỉ nhận số điện thoại Việt Nam (+84)."))
        try:
            parsed = phonenumbers.parse("+" + digits.removeprefix("00"), None)
        except phonenumbers.NumberParseException:
            return _fail(raw, _("Số điện thoại không hợp lệ."))
        if not phonenumbers.is_possible_number(parsed):
            return _fail(raw, _("Số điện thoại không đúng độ dài."))
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return PhoneResult(raw=raw, e164=e164, ok=True, listed=phonenumbers.is_valid_number(parsed))
    if nsn and len(set(nsn)) == 1 and len(nsn) >= 8:
        # 0000000000-style placeholders typed when the customer gave no number: kept (the
        # blocklist makes sure they never match anyone), never refused.
        return PhoneResult(raw=raw, e164="+84" + nsn[:9], ok=True, placeholder=True)
    if len(nsn) == 10 and nsn[:3] in OLD_MOBILE_PREFIXES:
        nsn = OLD_MOBILE_PREFIXES[nsn[:3]] + nsn[3:]
    if len(nsn) not in (9, 10) or not nsn.isdigit():
        return _fail(raw, _("Số điện thoại Việt Nam phải có 10 chữ số (ví dụ 0912 345 678)."))
    if len(nsn) == 10 and not nsn.startswith("2"):
        # Only landlines (02x area codes) have 10 significant digits today.
        return _fail(raw, _("Số điện thoại Việt Nam phải có 10 chữ số (ví dụ 0912 345 678)."))
    try:
        parsed = phonenumbers.parse("+84" + nsn, None)
    except phonenumbers.NumberParseException:
        return _fail(raw, _("Số điện thoại không hợp lệ."))
    if not phonenumbers.is_possible_number(parsed):
        return _fail(raw, _("Số điện thoại không đúng độ dài."))
    e164 = "+84" + nsn
    number_type = phonenumbers.number_type(parsed)
    mobile = number_type in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not mobile and len(nsn) == 9 and nsn[0] in "35789":
        mobile = True  # mobile ranges by shape, even before the tables list them
    return PhoneResult(raw=raw, e164=e164, ok=True, listed=phonenumbers.is_valid_number(parsed), mobile=mobile)


def phone_search_digits(raw: str) -> str:
    """The digits of a search query, for "last 4+ digits" matching."""
    return re.sub(r"\D", "", raw or "")


def format_phone_local(value: str | None) -> str:
    """A phone number as Vietnamese staff read it out: `+84943182000` → `0943 182 000`.

    Mobiles (9 significant digits) group 4-3-3, landlines (02x, 10 significant digits) 3-4-4.
    Anything that is not a Vietnamese number (a foreign one, a withheld caller id) comes back
    unchanged, so the filter is safe on whatever a call or an import carried.
    """
    text = "" if value is None else str(value)
    result = normalize_phone(text)
    if not result.ok or not result.e164.startswith("+84") or result.placeholder:
        return text
    national = result.national
    if len(national) == 10:
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    if len(national) == 11:
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return national
