"""Voucher codes: hard to guess, easy to read aloud and type.

The alphabet leaves out 0/O, 1/I/L so a code read from an SMS is never ambiguous. A 10-character
code from 31 symbols is about 50 bits: guessing one is hopeless, and lookups are rate-limited too.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MIN_CUSTOM_LENGTH = 6
_CUSTOM = re.compile(r"^[A-Z0-9]{6,32}$")


def generate_code(length: int = 10) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_code(raw: str | None) -> str:
    """What the cashier typed or scanned → the stored form.

    Accepts a short link (`https://…/v/ABCD…`) as scanned from the QR, spaces, dashes, lowercase.
    """
    value = (raw or "").strip()
    if "/v/" in value:
        value = value.rstrip("/").rsplit("/v/", 1)[1].split("/")[0].split("?")[0]
    value = re.sub(r"[\s\-_.]", "", value).upper()
    # Anything else (a NUL byte, emoji, another script) can never be part of a code: it becomes
    # "?", so the code is looked up, found nowhere and refused, and never reaches SQL as a NUL.
    return re.sub(r"[^A-Z0-9]", "?", value[:32])


def is_valid_custom_code(code: str) -> bool:
    return bool(_CUSTOM.match(code))
