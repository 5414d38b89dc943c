"""The counter's view of a customer: one identified person, masked, and their points spent in a sale.

A cashier never lists or browses customers. They see the customer whose exact phone or member
code is in front of them (masked: `0943 *** 000`, `N. V. An`), with the vouchers usable here,
and they spend that customer's points only
- in a sale of their own store (the receipt number of a store sale of that store, recent, of
  that customer or of nobody), and
- once the customer has proven it is them: the member code from their card/QR, or a one-time
  code sent by SMS/ZNS to their phone and typed back.

Every counter lookup is written to the customers access log. This module must not write
customers' or channels' models: it calls their services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import DomainError, NotFound

# A sale's points are spent while the customer is still at the counter.
SALE_POINTS_WINDOW = dt.timedelta(hours=2)


@dataclass(frozen=True)
class CounterMatch:
    customer: object  # customers.selectors.CounterCustomer
    vouchers: list


def counter_customer_lookup(
    *, store, cashier, phone: str = "", member_code: str = "", ip: str | None = None, source: str = ""
) -> list[CounterMatch]:
    """The customer(s) with exactly this phone or member code, masked, with the vouchers usable
    at `store` now. Logged to the access log (who, whom, when, from where)."""
    from customers.selectors import customer_counter_lookup
    from customers.services import access_record

    from .selectors import vouchers_usable_for_customer

    phone = (phone or "").strip()[:30]
    member_code = (member_code or "").strip()[:40]
    if not phone and not member_code:
        message = _("Nhập số điện thoại hoặc mã thành viên của khách.")
        raise DomainError(message, code="query_required", status_code=400, fields={"phone": [message]})
    found = customer_counter_lookup(phone=phone, member_code=member_code)
    access_record(
        user=cashier,
        action="counter",
        source=source or "promotions:cashier-customer",
        query=member_code or phone,
        result_ids=[c.id for c in found],
        ip=ip,
    )
    return [CounterMatch(customer=c, vouchers=vouchers_usable_for_customer(c.id, store=store)) for c in found]


def counter_otp_send(*, store, cashier, phone: str):
    """Sends a one-time code to the customer who holds exactly this phone, for a points spend at
    `store` by `cashier`. Answers (challenge, masked customer). Raises NotFound / DomainError."""
    from customers.selectors import customer_counter_lookup, customer_get
    from customers.services import otp_send

    found = customer_counter_lookup(phone=phone)
    if not found:
        raise NotFound(_("Không có khách hàng nào với số điện thoại này."), fields={"phone": [_("Không tìm thấy.")]})
    if len(found) > 1:
        raise DomainError(
            _("Số này thuộc nhiều hồ sơ: hãy dùng mã thành viên của khách."), code="ambiguous_phone", status_code=409
        )
    challenge = otp_send(
        phone=phone,
        purpose="points_spend",
        customer=customer_get(found[0].id),
        context={"store": store.code, "cashier": cashier.pk},
    )
    return challenge, found[0]


def _sale_for_points(*, store, customer_id: int, sale_number: str, at: dt.datetime):
    from channels.selectors import order_find

    sale = order_find((sale_number or "")[:40])
    refused = {"sale": [_("Không phải hoá đơn gần đây của cửa hàng này.")]}
    if (
        sale is None
        or sale.store_id != store.pk
        or sale.status in ("cancelled", "returned")
        or sale.placed_at < at - SALE_POINTS_WINDOW
        or (sale.customer_id and sale.customer_id != customer_id)
    ):
        raise DomainError(_("Điểm chỉ dùng trong một hoá đơn của cửa hàng này."), code="sale_required", fields=refused)
    return sale


def _proven_customer_id(*, store, cashier, member_code: str, challenge: str, code: str) -> int:
    from customers.services import VerificationFailed, otp_verify
    from customers.verification import member_code_customer_id

    if member_code:
        customer_id = member_code_customer_id(member_code)
        if customer_id is None:
            raise VerificationFailed(_("Mã thành viên không hợp lệ."), fields={"member_code": [_("Không hợp lệ.")]})
        return customer_id
    if not (challenge and code):
        message = _("Cần mã thành viên của khách, hoặc mã xác nhận gửi tới điện thoại của khách.")
        raise VerificationFailed(message, code="identification_required", fields={"code": [message]})
    proof = otp_verify(public_id=challenge, code=code, purpose="points_spend")
    if proof.context.get("store") != store.code or proof.context.get("cashier") != cashier.pk:
        raise VerificationFailed(_("Mã xác nhận này không được gửi cho quầy này."), code="otp_wrong_counter")
    return proof.customer_id


def counter_points_spend(
    *,
    store,
    cashier,
    customer_id: int,
    points: int,
    sale_number: str,
    member_code: str = "",
    challenge: str = "",
    code: str = "",
    at: dt.datetime | None = None,
):
    """Spends `points` of an identified customer in a recent sale of `store` (the cashier must be
    bound to it: the caller resolves the store with `place_resolve`). Idempotent per sale.

    The sale and the balance are checked before the one-time code is used up, so a refusal does
    not cost the customer their code. Raises DomainError (sale_required, verification_failed,
    otp_*, insufficient_points, not_this_customer).
    """
    from customers.selectors import customer_get, points_balance
    from customers.services import points_spend

    at = at or timezone.now()
    customer = customer_get(customer_id)
    sale = _sale_for_points(store=store, customer_id=customer.pk, sale_number=sale_number, at=at)
    if int(points) > points_balance(customer):
        from customers.services import InsufficientPoints

        raise InsufficientPoints(fields={"points": [_("Số điểm vượt quá số dư.")]})
    proven = _proven_customer_id(store=store, cashier=cashier, member_code=member_code, challenge=challenge, code=code)
    if proven != customer.pk and customer_get(proven).pk != customer.pk:
        raise DomainError(_("Mã xác nhận không phải của khách hàng này."), code="not_this_customer", status_code=403)
    return points_spend(
        customer=customer,
        points=points,
        reference=f"sale:{sale.number}",
        reason=_("Dùng điểm tại %(store)s, hoá đơn %(sale)s") % {"store": store.name, "sale": sale.number},
        user=cashier,
    )


__all__ = ["CounterMatch", "counter_customer_lookup", "counter_otp_send", "counter_points_spend"]
