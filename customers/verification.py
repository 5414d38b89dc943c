"""Proving that the person in front of us is the customer: member codes and one-time codes.

A counter or a public page may act on a profile (spend points, attach a check-in) only once the
customer has shown something only they hold:
- the member code printed on their card / shown as QR in the app (`KH-<id>-<signature>`, signed
  with SECRET_KEY, so it cannot be guessed from a customer number), or
- a one-time code sent by SMS (ZNS as fallback) to the phone they gave, typed back in time.

One-time codes are short-lived, stored only as a salted hash, used once (a guarded UPDATE sets
`used_at`), refused after a few wrong tries, and sent through `message_send` with purpose
service. This module writes only its own rows and messages; it never decides what the proof
is for — the caller (a counter sale, a check-in) does that after `otp_verify` returns.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from o2o_site.api import DomainError
from o2o_site.phones import normalize_phone

from . import conf
from .models import ContactChannel, Customer, OneTimeCode, Purpose

OTP_REF_TYPE = "one_time_code"


class VerificationFailed(DomainError):
    code = "verification_failed"
    status_code = 400


# --- member codes ---------------------------------------------------------------------------


def _member_signature(customer_id: int) -> str:
    digest = salted_hmac("customers.member_code", str(customer_id)).digest()
    return base64.b32encode(digest).decode()[:6]


def customer_member_code(customer: Customer) -> str:
    """The code on the customer's card and in their QR: `KH-<id>-<6 signed characters>`."""
    return f"KH-{customer.pk}-{_member_signature(customer.pk)}"


def member_code_customer_id(code: str) -> int | None:
    """The customer id a member code names, or None when it is not a genuine code."""
    parts = (code or "").strip().upper().replace(" ", "").split("-")
    if len(parts) != 3 or parts[0] != "KH" or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    customer_id = int(parts[1])
    if not constant_time_compare(parts[2], _member_signature(customer_id)):
        return None
    return customer_id


# --- one-time codes -------------------------------------------------------------------------


def _hash(public_id: str, code: str) -> str:
    return salted_hmac("customers.otp", f"{public_id}:{code}").hexdigest()


def otp_send(
    *,
    phone: str,
    purpose: str,
    customer: Customer | None = None,
    context: dict | None = None,
) -> OneTimeCode:
    """Creates a one-time code for `phone` and sends it by SMS (ZNS as fallback), purpose service.

    `customer` is the profile the phone belongs to when there is one (None for a phone nobody
    holds yet). At most `CUSTOMERS_OTP_PER_PHONE_PER_HOUR` codes go to one phone in an hour, so
    the form cannot be used to flood someone with messages. Raises VerificationFailed.
    """
    if purpose not in OneTimeCode.Purpose.values:
        raise VerificationFailed(_("Mục đích không hợp lệ."), fields={"purpose": [_("Không hợp lệ.")]})
    parsed = normalize_phone(phone)
    if not parsed.ok:
        raise VerificationFailed(parsed.error or _("Số điện thoại không hợp lệ."), fields={"phone": [parsed.error]})
    now = timezone.now()
    recent = OneTimeCode.objects.filter(phone=parsed.e164, created_at__gte=now - timedelta(hours=1)).count()
    if recent >= conf.otp_per_phone_per_hour():
        raise VerificationFailed(
            _("Đã gửi quá nhiều mã tới số này. Vui lòng thử lại sau."),
            code="otp_rate_limited",
            status_code=429,
        )
    from .services import message_send

    code = f"{secrets.randbelow(10**6):06d}"
    public_id = secrets.token_hex(16)
    ttl = conf.otp_ttl_seconds()
    with transaction.atomic():
        challenge = OneTimeCode.objects.create(
            public_id=public_id,
            purpose=purpose,
            phone=parsed.e164,
            customer=customer,
            code_hash=_hash(public_id, code),
            context=context or {},
            max_attempts=conf.otp_max_attempts(),
            expires_at=now + timedelta(seconds=ttl),
        )
        message_send(
            customer=customer,
            to_address=parsed.e164,
            channel=ContactChannel.SMS,
            fallback_channel=ContactChannel.ZNS,
            purpose=Purpose.SERVICE,
            body=_("Ma xac nhan cua ban la %(code)s, hieu luc %(minutes)s phut. Khong chia se ma nay.")
            % {"code": code, "minutes": max(1, ttl // 60)},
            template_id="otp",
            params={"code": code},
            idempotency_key=f"otp:{public_id}",
            ref_type=OTP_REF_TYPE,
            ref_id=str(challenge.pk),
        )
    return challenge


def otp_verify(*, public_id: str, code: str, purpose: str) -> OneTimeCode:
    """Checks a typed code and uses the challenge up (once). Answers the challenge.

    A wrong code counts an attempt (committed even though the call raises); past the limit, or
    past expiry, even the right code is refused. Raises VerificationFailed.
    """
    code = (code or "").strip()
    with transaction.atomic():
        challenge = (
            OneTimeCode.objects.select_for_update().filter(public_id=str(public_id or "")[:32], purpose=purpose).first()
        )
        if challenge is None:
            raise VerificationFailed(_("Phiên xác nhận không tồn tại."), fields={"challenge": [_("Không tồn tại.")]})
        if challenge.used_at is not None:
            raise VerificationFailed(_("Mã này đã được dùng."), code="otp_used")
        if challenge.expires_at <= timezone.now():
            raise VerificationFailed(_("Mã đã hết hạn. Vui lòng gửi lại mã mới."), code="otp_expired")
        if challenge.attempts >= challenge.max_attempts:
            raise VerificationFailed(_("Nhập sai quá số lần cho phép. Vui lòng gửi lại mã mới."), code="otp_locked")
        if code and constant_time_compare(challenge.code_hash, _hash(challenge.public_id, code)):
            used = OneTimeCode.objects.filter(pk=challenge.pk, used_at__isnull=True).update(used_at=timezone.now())
            if not used:
                raise VerificationFailed(_("Mã này đã được dùng."), code="otp_used")
            challenge.refresh_from_db()
            return challenge
        OneTimeCode.objects.filter(pk=challenge.pk, attempts__lt=F("max_attempts")).update(attempts=F("attempts") + 1)
    # Raised outside the transaction so that the counted attempt stays counted.
    raise VerificationFailed(_("Mã xác nhận không đúng."), code="otp_wrong", fields={"code": [_("Không đúng.")]})
