"""Every write of the promotions app: campaigns, vouchers, redemptions, voids, bulk issues.

Public for other apps (docs/CONTRACTS.md): `voucher_issue(...)`, `voucher_redeem(...)`,
`basket_price(...)` (re-exported from `promotions.pricing`).

Single use is a database guarantee: `voucher_redeem` moves `used_count` with a conditional
UPDATE (`… WHERE used_count < usage_limit`), backed by a CHECK constraint; the per-customer count
works the same way. Nothing here checks a count in Python and then writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import Conflict, DomainError, NotFound
from o2o_site.money import format_vnd
from o2o_site.outbox import enqueue_after_commit

from . import conf
from .codes import generate_code, is_valid_custom_code, normalize_code
from .errors import IdempotencyMismatch, InvalidBasket, VoidRefused, VoucherRefused

# The failed-code limiter lives in promotions.limits; its entry points are part of this API.
from .limits import failures_counted, lookup_failed, lookup_guard
from .models import (
    AuditEntry,
    BudgetPlan,
    Campaign,
    CampaignSpend,
    Promotion,
    Redemption,
    Voucher,
    VoucherBatch,
    VoucherCustomerUse,
)
from .pricing import (
    DATETIME_FORMAT,
    Adjustment,
    Basket,
    PricedBasket,
    Refusal,
    basket_from_payload,
    basket_price,
    voucher_refusal,
)

logger = logging.getLogger(__name__)

__all__ = [
    "basket_price",
    "voucher_create",
    "voucher_issue",
    "voucher_redeem",
    "voucher_validate",
    "redemption_void",
]


# --- campaigns and budget -------------------------------------------------------------------


def _invalid(fields: dict) -> DomainError:
    return DomainError(_("Dữ liệu không hợp lệ."), code="invalid", status_code=400, fields=fields)


def campaign_create(
    *,
    name: str,
    utm_campaign: str,
    journey_stage: str,
    starts_on: dt.date,
    ends_on: dt.date,
    channel=None,
    utm_source: str = "",
    utm_medium: str = "",
    budget: int = 0,
) -> Campaign:
    if ends_on < starts_on:
        raise _invalid({"ends_on": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
    if Campaign.objects.filter(utm_campaign=utm_campaign).exists():
        raise _invalid({"utm_campaign": [_("Mã utm_campaign này đã có.")]})
    try:
        with transaction.atomic():
            return Campaign.objects.create(
                name=name,
                utm_campaign=utm_campaign,
                journey_stage=journey_stage,
                starts_on=starts_on,
                ends_on=ends_on,
                channel=channel,
                utm_source=utm_source,
                utm_medium=utm_medium,
                budget=budget,
            )
    except IntegrityError:
        raise _invalid({"utm_campaign": [_("Mã utm_campaign này đã có.")]})


def campaign_update(*, campaign: Campaign, **changes) -> Campaign:
    starts = changes.get("starts_on", campaign.starts_on)
    ends = changes.get("ends_on", campaign.ends_on)
    if ends < starts:
        raise _invalid({"ends_on": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
    for key, value in changes.items():
        setattr(campaign, key, value)
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        raise _invalid({"utm_campaign": [_("Mã utm_campaign này đã có.")]})
    return campaign


def campaign_delete(*, campaign: Campaign) -> None:
    """Deletes a campaign (a hard delete: its vouchers and promotions stay, unlinked)."""
    with transaction.atomic():
        campaign.delete()


def campaign_spend_add(*, campaign: Campaign, amount: int, spent_on: dt.date, note: str = "") -> CampaignSpend:
    if amount <= 0:
        raise _invalid({"amount": [_("Số tiền phải lớn hơn 0.")]})
    return CampaignSpend.objects.create(campaign=campaign, amount=amount, spent_on=spent_on, note=note)


def budget_plan_create(
    *, name: str, starts_on: dt.date, ends_on: dt.date, total_budget: int, shares: dict[str, int] | None = None
) -> BudgetPlan:
    """A budget plan; `shares` by journey stage default to seed 004's 40/30/15/10/5 and must sum to 100."""
    plan = BudgetPlan(name=name, starts_on=starts_on, ends_on=ends_on, total_budget=total_budget)
    for stage, percent in (shares or {}).items():
        setattr(plan, f"{stage}_percent", int(percent))
    total = sum(plan.share(s) for s in ("awareness", "acquisition", "conversion", "retention", "expansion"))
    if total != 100:
        raise _invalid({"shares": [_("Tổng tỷ lệ các giai đoạn phải bằng 100%% (đang là %(t)s%%).") % {"t": total}]})
    if ends_on < starts_on:
        raise _invalid({"ends_on": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
    plan.save()
    return plan


# --- vouchers -------------------------------------------------------------------------------


def _check_voucher_fields(
    *,
    discount_type,
    discount_value,
    max_discount,
    min_basket,
    gift_sku,
    valid_from,
    valid_to,
    usage_limit,
    kind,
    customer,
) -> None:
    errors: dict[str, list[str]] = {}
    if discount_type not in Voucher.DiscountType.values:
        errors["discount_type"] = [_("Kiểu giảm phải là percent, fixed hoặc gift.")]
    elif discount_type == Voucher.DiscountType.PERCENT and not (1 <= int(discount_value or 0) <= 100):
        errors["discount_value"] = [_("Phần trăm giảm phải từ 1 đến 100.")]
    elif discount_type == Voucher.DiscountType.FIXED and int(discount_value or 0) <= 0:
        errors["discount_value"] = [_("Số tiền giảm phải lớn hơn 0.")]
    elif discount_type == Voucher.DiscountType.GIFT and gift_sku is None:
        errors["gift_sku"] = [_("Voucher quà tặng cần SKU quà tặng.")]
    if max_discount is not None and max_discount <= 0:
        errors["max_discount"] = [_("Mức giảm tối đa phải lớn hơn 0.")]
    if min_basket is not None and min_basket < 0:
        errors["min_basket"] = [_("Đơn tối thiểu không được âm.")]
    if valid_to <= valid_from:
        errors["valid_to"] = [_("Thời điểm hết hạn phải sau thời điểm bắt đầu.")]
    if usage_limit is not None and usage_limit < 1:
        errors["usage_limit"] = [_("Số lượt phải từ 1 trở lên.")]
    if kind == Voucher.Kind.PERSONAL and customer is None:
        errors["customer"] = [_("Voucher cá nhân cần một khách hàng.")]
    if errors:
        raise _invalid(errors)


def voucher_terms_check(
    *,
    discount_type,
    discount_value,
    max_discount,
    min_basket,
    gift_sku,
    valid_from,
    valid_to,
    usage_limit,
    customer=None,
) -> None:
    """Raises DomainError (`invalid`, with fields) when the voucher's terms do not hold together."""
    if valid_from is None or valid_to is None:
        raise _invalid({"valid_to": [_("Nhập thời điểm bắt đầu và hết hạn.")]})
    _check_voucher_fields(
        discount_type=discount_type,
        discount_value=discount_value,
        max_discount=max_discount,
        min_basket=min_basket,
        gift_sku=gift_sku,
        valid_from=valid_from,
        valid_to=valid_to,
        usage_limit=usage_limit,
        kind=Voucher.Kind.SHARED,
        customer=customer,
    )


def voucher_create(
    *,
    discount_type: str,
    discount_value: int = 0,
    valid_from: dt.datetime | None = None,
    valid_to: dt.datetime | None = None,
    code: str = "",
    customer=None,
    campaign: Campaign | None = None,
    max_discount: int | None = None,
    min_basket: int = 0,
    gift_sku=None,
    store_only: bool = True,
    stores: Sequence = (),
    usage_limit: int | None = None,
    per_customer_limit: int | None = None,
    weekdays: Sequence[int] = (),
    time_from: dt.time | None = None,
    time_to: dt.time | None = None,
    combinable: bool = False,
    source: str = "",
    created_by=None,
    batch: VoucherBatch | None = None,
) -> Voucher:
    """Creates a voucher. With `customer` it is personal and single use; else a shared code.

    The code is generated (10 characters without 0/O/1/I/L) unless given. Raises DomainError
    (`invalid`, with fields) on bad input and (`code_taken`) when a given code exists.
    """
    now = timezone.now()
    valid_from = valid_from or now
    valid_to = valid_to or valid_from + dt.timedelta(days=30)
    kind = Voucher.Kind.PERSONAL if customer is not None else Voucher.Kind.SHARED
    if kind == Voucher.Kind.PERSONAL:
        usage_limit = 1
    usage_limit = usage_limit or 1
    _check_voucher_fields(
        discount_type=discount_type,
        discount_value=discount_value,
        max_discount=max_discount,
        min_basket=min_basket,
        gift_sku=gift_sku,
        valid_from=valid_from,
        valid_to=valid_to,
        usage_limit=usage_limit,
        kind=kind,
        customer=customer,
    )
    if weekdays and not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        raise _invalid({"weekdays": [_("Ngày trong tuần là số từ 0 (thứ Hai) đến 6 (Chủ nhật).")]})
    given = normalize_code(code) if code else ""
    if code and not is_valid_custom_code(given):
        raise _invalid({"code": [_("Mã gồm 6–32 chữ cái hoặc chữ số.")]})
    fields = {
        "kind": kind,
        "customer": customer,
        "campaign": campaign,
        "discount_type": discount_type,
        "discount_value": 0 if discount_type == Voucher.DiscountType.GIFT else int(discount_value),
        "max_discount": max_discount,
        "min_basket": min_basket or 0,
        "gift_sku": gift_sku,
        "store_only": store_only,
        "usage_limit": usage_limit,
        "per_customer_limit": per_customer_limit,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "weekdays": sorted(set(weekdays)),
        "time_from": time_from,
        "time_to": time_to,
        "combinable": combinable,
        "source": source,
        "created_by": created_by,
        "batch": batch,
    }
    for _attempt in range(5):
        try:
            with transaction.atomic():
                voucher = Voucher.objects.create(code=given or generate_code(conf.code_length()), **fields)
                if stores:
                    voucher.stores.set(stores)
                return voucher
        except IntegrityError as exc:
            if given:
                if Voucher.objects.filter(code=given).exists():
                    raise DomainError(
                        _("Mã này đã tồn tại."), code="code_taken", status_code=409, fields={"code": [_("Mã đã có.")]}
                    )
                raise
            if batch is not None and Voucher.objects.filter(batch=batch, customer=customer).exists():
                raise
            logger.info("voucher code collision, retrying: %s", exc)
    raise DomainError(_("Không tạo được mã, vui lòng thử lại."), code="code_generation_failed", status_code=503)


def voucher_issue(
    *,
    customer,
    discount_type: str,
    discount_value: int = 0,
    campaign: Campaign | None = None,
    max_discount: int | None = None,
    min_basket: int = 0,
    gift_sku=None,
    store_only: bool = True,
    stores: Sequence = (),
    valid_days: int = 30,
    valid_from: dt.datetime | None = None,
    source: str = "",
    created_by=None,
) -> Voucher:
    """A personal, single-use voucher for one customer (after a support case, a campaign…).

    Store-only by default (redeemable at a store's counter, refused online); `stores` limits it
    to those stores (empty = every store). Valid from now (or `valid_from`) for `valid_days`.
    """
    if valid_days < 1:
        raise _invalid({"valid_days": [_("Số ngày hiệu lực phải từ 1 trở lên.")]})
    start = valid_from or timezone.now()
    return voucher_create(
        customer=customer,
        campaign=campaign,
        discount_type=discount_type,
        discount_value=discount_value,
        max_discount=max_discount,
        min_basket=min_basket,
        gift_sku=gift_sku,
        store_only=store_only,
        stores=stores,
        valid_from=start,
        valid_to=start + dt.timedelta(days=valid_days),
        source=source,
        created_by=created_by,
    )


def voucher_delete(*, voucher: Voucher) -> None:
    """Deletes a voucher that was never used; a used one must be disabled instead, so its
    redemptions keep pointing at it. Raises Conflict (`voucher_used`)."""
    if voucher.used_count or Redemption.objects.filter(voucher=voucher).exists():
        raise Conflict(_("Voucher đã được dùng: hãy khóa (status=disabled) thay vì xóa."), code="voucher_used")
    voucher.delete()


def voucher_update(*, voucher: Voucher, stores: Sequence | None = None, **changes) -> Voucher:
    """Changes a voucher's terms; the code, the customer and the use count never change here."""
    for frozen in ("code", "customer", "used_count", "kind"):
        changes.pop(frozen, None)
    merged = {
        f: changes.get(f, getattr(voucher, f))
        for f in (
            "discount_type",
            "discount_value",
            "max_discount",
            "min_basket",
            "gift_sku",
            "valid_from",
            "valid_to",
            "usage_limit",
        )
    }
    _check_voucher_fields(**merged, kind=voucher.kind, customer=voucher.customer)
    if voucher.kind == Voucher.Kind.PERSONAL:
        changes.pop("usage_limit", None)
    if changes.get("usage_limit") is not None and changes["usage_limit"] < voucher.used_count:
        raise _invalid({"usage_limit": [_("Không thể nhỏ hơn số lượt đã dùng (%(n)s).") % {"n": voucher.used_count}]})
    with transaction.atomic():
        for key, value in changes.items():
            setattr(voucher, key, value)
        voucher.save()
        if stores is not None:
            voucher.stores.set(stores)
    return voucher


# --- validate and redeem --------------------------------------------------------------------

OVERRIDE_PRICE_PERMISSION = "promotions.override_basket_price"


def basket_parse(*, data, user) -> Basket:
    """The basket a client sent, read by the engine (`basket_from_payload`), under our price rule:
    a line naming our SKU is priced at our price; another unit price needs a reason
    (`price_reason`) and a user who may give it (the Manager role, or the permission
    `promotions.override_basket_price`). A total typed from the store's POS is taken as sent.
    Raises InvalidBasket naming the line's field."""
    basket = basket_from_payload(data)
    errors: dict[str, list[str]] = {}
    overridden = [(index, line) for index, line in enumerate(basket.lines) if line.price_overridden]
    # Asked only when a line is at another price: the counter's hot path costs no permission query.
    may_override = bool(overridden) and user is not None and user.has_perm(OVERRIDE_PRICE_PERMISSION)
    for index, line in overridden:
        if not may_override:
            errors[f"basket.lines.{index}.unit_price"] = [
                _("Giá %(p)s khác giá của cửa hàng (%(l)s): chỉ quản lý được bán khác giá.")
                % {"p": format_vnd(line.unit_price), "l": format_vnd(line.list_price)}
            ]
        elif not line.price_reason:
            errors[f"basket.lines.{index}.price_reason"] = [_("Bán khác giá niêm yết cần ghi lý do.")]
    if errors:
        raise InvalidBasket(_("Giá trong giỏ hàng khác giá của cửa hàng."), fields=errors)
    return basket


def _basket_check_for_redeem(basket: Basket) -> None:
    if basket.subtotal <= 0:
        raise InvalidBasket(
            _("Giỏ hàng 0 ₫: không dùng mã cho một đơn không có giá trị."),
            fields={"basket": [_("Tổng tiền phải lớn hơn 0 ₫.")]},
        )


def _used_detail(voucher: Voucher | None) -> tuple[str, dict]:
    """When, where and on which receipt a single-use code was used: (sentence, API extra)."""
    from .selectors import redemption_last_active

    last = redemption_last_active(voucher) if voucher is not None else None
    if last is None:
        return "", {}
    where = last.store.name if last.store_id else last.channel_code
    receipt = last.order_ref or f"#{last.pk}"
    sentence = _("Mã đã được sử dụng lúc %(at)s tại %(where)s, hóa đơn %(receipt)s.") % {
        "at": timezone.localtime(last.redeemed_at).strftime(DATETIME_FORMAT),
        "where": where,
        "receipt": receipt,
    }
    extra = {
        "used": {
            "at": last.redeemed_at.isoformat(),
            "store": last.store.code if last.store_id else None,
            "store_name": last.store.name if last.store_id else None,
            "channel": last.channel_code or None,
            "receipt": last.order_ref or None,
        }
    }
    return sentence, extra


def _explain(refusal: Refusal | None) -> dict:
    """Puts the when/where/receipt of the use into an `already_used` refusal; the API extra."""
    if refusal is None or refusal.error_code != "already_used":
        return {}
    sentence, extra = _used_detail(refusal.voucher)
    if sentence:
        refusal.message = sentence
    return extra


def _place_check(*, store, channel) -> None:
    if store is None and channel is None:
        raise DomainError(_("Hãy chọn cửa hàng."), code="store_required", fields={"store": [_("Bắt buộc.")]})


def voucher_validate(
    *,
    code: str,
    basket: Basket,
    user,
    store=None,
    channel=None,
    customer=None,
    at: dt.datetime | None = None,
    ip: str | None = None,
) -> tuple[PricedBasket, Voucher]:
    """Prices the basket with this one code; raises VoucherRefused (with the reason's code) if it
    cannot be used here and now, RateLimited after too many failed lookups."""
    _place_check(store=store, channel=channel)
    if not normalize_code(code):
        raise _no_code()
    lookup_guard(user=user, ip=ip, store=store)
    _basket_check_for_redeem(basket)
    priced = basket_price(basket, store=store, channel=channel, at=at, customer=customer, codes=[code])
    refusal = priced.refusal(code)
    if refusal is not None:
        if refusal.error_code == "not_found":
            lookup_failed(user=user, ip=ip, store=store)
        extra = _explain(refusal)
        raise VoucherRefused(refusal.message, code=refusal.error_code, extra=extra)
    return priced, priced.voucher_objects[normalize_code(code)]


def _request_hash(**parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _redemption_for_key(*, cashier, key: str, request_hash: str) -> Redemption | None:
    from .selectors import redemption_by_idempotency_key

    existing = redemption_by_idempotency_key(cashier=cashier, key=key)
    if existing is not None and existing.request_hash != request_hash:
        raise IdempotencyMismatch()
    return existing


def _take_customer_use(voucher: Voucher, customer) -> None:
    # Insert-or-nothing, then a guarded increment: the row lock of the UPDATE orders racers.
    VoucherCustomerUse.objects.bulk_create(
        [VoucherCustomerUse(voucher=voucher, customer=customer, used_count=0)], ignore_conflicts=True
    )
    moved = VoucherCustomerUse.objects.filter(
        voucher=voucher, customer=customer, used_count__lt=voucher.per_customer_limit
    ).update(used_count=F("used_count") + 1)
    if not moved:
        raise VoucherRefused(
            _("Khách hàng đã dùng hết %(n)s lượt của mã này.") % {"n": voucher.per_customer_limit},
            code="limit_reached",
        )


def _record_redemption_activity(redemption: Redemption, *, voided: bool = False) -> None:
    if redemption.customer_id is None:
        return
    from customers import services as customer_services

    campaign = redemption.campaign
    summary = _("Dùng voucher %(c)s tại %(s)s: giảm %(a)s") % {
        "c": redemption.voucher.code,
        "s": redemption.store.name if redemption.store else redemption.channel_code,
        "a": format_vnd(redemption.discount),
    }
    if voided:
        summary = _("Đã hủy: ") + summary
    customer_services.record_activity(
        customer=redemption.customer,
        kind="redemption",
        occurred_at=redemption.redeemed_at,
        channel="store" if redemption.store_id else redemption.channel_code,
        store_code=redemption.store.code if redemption.store else "",
        summary=summary,
        ref_type="promotions.redemption",
        ref_id=str(redemption.pk),
        amount=0 if voided else redemption.discount,
        campaign_id=campaign.pk if campaign else None,
        utm=campaign.utm if campaign else None,
        data={"voucher": redemption.voucher.code, "status": redemption.status, "basket_total": redemption.basket_total},
    )


def voucher_redeem(
    *,
    code: str,
    cashier,
    basket: Basket,
    store=None,
    channel=None,
    customer=None,
    order_ref: str = "",
    idempotency_key: str = "",
    at: dt.datetime | None = None,
    ip: str | None = None,
    order=None,
) -> Redemption:
    """Uses the voucher once, for this basket, at this store's counter (or online channel).

    The basket is refused when it is worth 0 ₫ (InvalidBasket); the redemption records how the
    basket was given (`basket_source`: SKU lines or a POS total) and, with `order`, the sale it
    discounted (the cashier screen ties it after recording the sale).

    Atomic and single use by construction (a guarded UPDATE of `used_count`). With an
    `idempotency_key`, sending the same request again returns the first redemption; the same
    key with a different request raises IdempotencyMismatch. Records store, cashier, basket,
    discount, and appends the redemption to the customer's timeline attributed to the campaign.
    Raises VoucherRefused (code = reason), RateLimited.
    """
    _place_check(store=store, channel=channel)
    _basket_check_for_redeem(basket)
    code = normalize_code(code)
    key = (idempotency_key or "").strip()[:100]
    request_hash = _request_hash(
        code=code,
        store=store.code if store else "",
        channel=channel.code if channel else "",
        basket=basket.as_dict(),
        customer=customer.pk if customer else None,
        order_ref=order_ref,
    )
    # No lookup of the key up front: a replay fails inside the transaction (the code is used, or
    # the key's unique index refuses the second row), rolls back, and finds the first result.
    lookup_guard(user=cashier, ip=ip, store=store)
    at = at or timezone.now()
    try:
        with failures_counted(user=cashier, ip=ip, store=store), transaction.atomic():
            priced, voucher = _priced_for_redeem(code, basket, store, channel, customer, at)
            if customer is None and voucher.kind == Voucher.Kind.PERSONAL:
                customer = voucher.customer
            if voucher.per_customer_limit and customer is None:
                raise VoucherRefused(
                    _("Mã này giới hạn số lượt mỗi khách: hãy nhập khách hàng."), code="not_this_customer"
                )
            # The guarantee: only one transaction can move used_count past the limit.
            moved = Voucher.objects.filter(
                pk=voucher.pk, status=Voucher.Status.ACTIVE, used_count__lt=F("usage_limit")
            ).update(used_count=F("used_count") + 1)
            if not moved:
                if voucher.usage_limit == 1:
                    sentence, extra = _used_detail(voucher)
                    raise VoucherRefused(sentence or _("Mã đã được sử dụng."), code="already_used", extra=extra)
                raise VoucherRefused(_("Mã đã hết lượt sử dụng."), code="limit_reached")
            if voucher.per_customer_limit:
                _take_customer_use(voucher, customer)
            adjustment = priced.voucher_adjustment(code)
            redemption = Redemption.objects.create(
                voucher=voucher,
                store=store,
                channel_code=channel.code if channel else "",
                cashier=cashier,
                customer=customer,
                # The campaign came with the voucher: the timeline entry reads it without a query.
                campaign=voucher.campaign,
                order_ref=(order.number if order is not None else order_ref)[:64],
                order=order,
                basket_source=Redemption.BasketSource.SKUS if basket.lines else Redemption.BasketSource.POS_TOTAL,
                basket=basket.as_dict(),
                basket_total=priced.subtotal,
                discount=adjustment.amount if adjustment else 0,
                total=priced.total,
                idempotency_key=key,
                request_hash=request_hash,
                redeemed_at=at,
            )
            redemption.voucher = voucher
            redemption.reason = adjustment.reason if adjustment else ""  # for the receipt (not stored)
            _record_redemption_activity(redemption)
            return redemption
    except (VoucherRefused, IntegrityError):
        # A replay (or a retry racing the first attempt) with the same key: the first result.
        if key:
            existing = _redemption_for_key(cashier=cashier, key=key, request_hash=request_hash)
            if existing is not None:
                return existing
        raise


def _no_code() -> VoucherRefused:
    return VoucherRefused(_("Hãy nhập mã voucher."), code="not_found", fields={"code": [_("Bắt buộc.")]})


def _priced_for_redeem(code, basket, store, channel, customer, at) -> tuple[PricedBasket, Voucher]:
    # A not_found is counted by `failures_counted` once the transaction has rolled back.
    if not code:
        raise _no_code()
    priced = basket_price(basket, store=store, channel=channel, at=at, customer=customer, codes=[code])
    refusal = priced.refusal(code)
    if refusal is not None:
        extra = _explain(refusal)
        raise VoucherRefused(refusal.message, code=refusal.error_code, extra=extra)
    return priced, priced.voucher_objects[code]


def redemption_void(*, redemption_id: int, actor, reason: str = "", at: dt.datetime | None = None) -> Redemption:
    """Voids a redemption and gives the use back, if done by staff of the same store within the
    window (PROMOTIONS_VOID_WINDOW_MINUTES, default 15). Every void, done or refused, is audited.

    A redemption tied to a counter sale gives that sale its price back in the same transaction
    (channels' `store_sale_discount_remove`): the order, the redemption and a reprinted receipt
    agree; the restored order is on `redemption.restored_order` for the screen. After the
    window the void is refused and the sale stays as it was charged.
    Raises NotFound, VoidRefused (`void_window_passed`, `already_voided`, `wrong_store`,
    `order_not_restorable`).
    """
    from channels.selectors import stores_for_user
    from channels.services import store_sale_discount_remove

    at = at or timezone.now()
    try:
        with transaction.atomic():
            redemption = (
                Redemption.objects.select_for_update(of=("self",))
                .select_related("voucher", "store", "customer", "campaign")
                .filter(pk=redemption_id)
                .first()
            )
            if redemption is None:
                raise NotFound(_("Không tìm thấy lượt dùng voucher này."))
            allowed = {s.pk for s in stores_for_user(actor)}
            if redemption.store_id is None or redemption.store_id not in allowed:
                raise VoidRefused(_("Chỉ cửa hàng đã nhận mã mới được hủy."), code="wrong_store", status_code=403)
            if redemption.status == Redemption.Status.VOIDED:
                raise VoidRefused(_("Lượt dùng này đã được hủy trước đó."), code="already_voided")
            window = dt.timedelta(minutes=conf.void_window_minutes())
            if at - redemption.redeemed_at > window:
                raise VoidRefused(
                    _("Đã quá %(m)s phút kể từ lúc dùng mã, không thể hủy: hóa đơn giữ nguyên giá đã thu.")
                    % {"m": conf.void_window_minutes()},
                    code="void_window_passed",
                )
            restored = None
            if redemption.order_id is not None:
                try:
                    restored = store_sale_discount_remove(
                        order_id=redemption.order_id,
                        amount=redemption.discount,
                        reference=_("voucher:%(c)s (đã hủy)") % {"c": redemption.voucher.code},
                    )
                except DomainError as exc:
                    raise VoidRefused(exc.message, code="order_not_restorable")
            redemption.status = Redemption.Status.VOIDED
            redemption.voided_at = at
            redemption.voided_by = actor
            redemption.void_reason = (reason or "")[:300]
            redemption.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
            Voucher.objects.filter(pk=redemption.voucher_id, used_count__gt=0).update(used_count=F("used_count") - 1)
            if redemption.voucher.per_customer_limit and redemption.customer_id:
                VoucherCustomerUse.objects.filter(
                    voucher_id=redemption.voucher_id, customer_id=redemption.customer_id, used_count__gt=0
                ).update(used_count=F("used_count") - 1)
            AuditEntry.objects.create(
                action=AuditEntry.Action.VOID,
                actor=actor,
                redemption=redemption,
                data={"reason": redemption.void_reason, "discount": redemption.discount},
            )
            _record_redemption_activity(redemption, voided=True)
            redemption.restored_order = restored
            return redemption
    except (VoidRefused, NotFound) as exc:
        AuditEntry.objects.create(
            action=AuditEntry.Action.VOID_REFUSED,
            actor=actor,
            redemption_id=redemption_id if Redemption.objects.filter(pk=redemption_id).exists() else None,
            data={"code": exc.code, "message": exc.message},
        )
        raise


# --- promotions -----------------------------------------------------------------------------


def _check_promotion(fields: dict, *, has_skus: bool = False) -> None:
    errors: dict[str, list[str]] = {}
    kind = fields.get("kind")
    K = Promotion.Kind
    categories = fields.get("categories") or []
    if not isinstance(categories, list) or not all(
        isinstance(c, str) and c.strip() and len(c) <= 100 and "\x00" not in c for c in categories
    ):
        errors["categories"] = [_("Danh mục là danh sách tên danh mục sản phẩm, mỗi tên tối đa 100 ký tự.")]
    elif kind == K.BUNDLE and not has_skus and not categories:
        # With no scope a "buy 2 get 1" gives the cheapest of any three items: a phone, say.
        errors["skus"] = [_("Khuyến mãi “Mua N tặng M” phải chọn sản phẩm hoặc danh mục áp dụng.")]
    if kind not in K.values:
        errors["kind"] = [_("Loại khuyến mãi không hợp lệ.")]
    if (kind in (K.PERCENT_BILL, K.PERCENT_ITEMS) or fields.get("percent") is not None) and not (
        1 <= int(fields.get("percent") or 0) <= 100
    ):
        errors["percent"] = [_("Phần trăm phải từ 1 đến 100.")]
    if kind in (K.FIXED_BILL, K.FIXED_ITEMS, K.TRADE_IN) and int(fields.get("amount") or 0) <= 0:
        errors["amount"] = [_("Số tiền phải lớn hơn 0.")]
    if kind == K.THRESHOLD:
        if int(fields.get("threshold") or 0) <= 0:
            errors["threshold"] = [_("Ngưỡng chi tiêu phải lớn hơn 0.")]
        if not fields.get("amount") and not fields.get("percent"):
            errors["amount"] = [_("Nhập số tiền hoặc phần trăm giảm.")]
    if kind == K.BUNDLE and (int(fields.get("buy_quantity") or 0) < 1 or int(fields.get("free_quantity") or 0) < 1):
        errors["buy_quantity"] = [_("Nhập số lượng mua và số lượng tặng (từ 1).")]
    if fields.get("valid_from") and fields.get("valid_to") and fields["valid_to"] <= fields["valid_from"]:
        errors["valid_to"] = [_("Thời điểm kết thúc phải sau thời điểm bắt đầu.")]
    weekdays = fields.get("weekdays") or []
    if not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        errors["weekdays"] = [_("Ngày trong tuần là số từ 0 (thứ Hai) đến 6 (Chủ nhật).")]
    if fields.get("store_only") and fields.get("online_only"):
        errors["online_only"] = [_("Không thể vừa chỉ tại cửa hàng vừa chỉ online.")]
    if errors:
        raise _invalid(errors)


def _clean_categories(categories):
    if not isinstance(categories, list):
        return categories
    out: list = []
    for category in categories:
        category = category.strip() if isinstance(category, str) else category
        if category not in out:
            out.append(category)
    return out


def promotion_terms_check(*, fields: dict, has_skus: bool) -> None:
    """Raises DomainError (`invalid`, with fields) when a promotion's terms do not hold (the
    admin form asks before saving)."""
    _check_promotion(fields, has_skus=has_skus)


def promotion_create(*, skus: Iterable = (), stores: Iterable = (), channels: Iterable = (), **fields) -> Promotion:
    """An automatic promotion; see pricing.py for how kinds, priority and combination apply.
    A "buy N get M" must name SKUs or categories. Raises DomainError (`invalid`, with fields)."""
    skus = list(skus)
    if "categories" in fields:
        fields["categories"] = _clean_categories(fields["categories"])
    _check_promotion(fields, has_skus=bool(skus))
    with transaction.atomic():
        promotion = Promotion.objects.create(**fields)
        promotion.skus.set(list(skus))
        promotion.stores.set(list(stores))
        promotion.channels.set(list(channels))
    return promotion


def promotion_update(
    *, promotion: Promotion, skus: Iterable | None = None, stores=None, channels=None, **changes
) -> Promotion:
    if skus is not None:
        skus = list(skus)
    if "categories" in changes:
        changes["categories"] = _clean_categories(changes["categories"])
    merged = {
        f.name: changes.get(f.name, getattr(promotion, f.name))
        for f in Promotion._meta.concrete_fields
        if f.name != "id"
    }
    _check_promotion(merged, has_skus=bool(skus) if skus is not None else promotion.skus.exists())
    with transaction.atomic():
        for key, value in changes.items():
            setattr(promotion, key, value)
        promotion.save()
        if skus is not None:
            promotion.skus.set(list(skus))
        if stores is not None:
            promotion.stores.set(list(stores))
        if channels is not None:
            promotion.channels.set(list(channels))
    return promotion


# --- bulk issue -----------------------------------------------------------------------------


def voucher_batch_create(
    *,
    template: dict,
    created_by,
    campaign: Campaign | None = None,
    segment_code: str = "",
    customer_ids: Sequence[int] = (),
    message_channel: str = "",
    message_body: str = "",
) -> VoucherBatch:
    """Queues a bulk issue (one personal voucher per customer) and starts its job after commit.

    `template` holds voucher_issue's terms: discount_type, discount_value, max_discount,
    min_basket, store_only, store_ids, valid_days. The message body may use {code}, {link}, {name}.
    """
    if not segment_code and not customer_ids:
        raise _invalid({"segment_code": [_("Chọn một phân khúc hoặc danh sách khách hàng.")]})
    if message_channel and message_channel not in ("sms", "zns", "email"):
        raise _invalid({"message_channel": [_("Kênh gửi tin là sms, zns hoặc email.")]})
    # Fail now, not in the job, on bad terms.
    now = timezone.now()
    _check_voucher_fields(
        discount_type=template.get("discount_type"),
        discount_value=template.get("discount_value", 0),
        max_discount=template.get("max_discount"),
        min_basket=template.get("min_basket", 0),
        gift_sku=template.get("gift_sku_id"),
        valid_from=now,
        valid_to=now + dt.timedelta(days=int(template.get("valid_days") or 30)),
        usage_limit=1,
        kind=Voucher.Kind.SHARED,
        customer=None,
    )
    from . import tasks

    batch = VoucherBatch.objects.create(
        template=template,
        created_by=created_by,
        campaign=campaign,
        segment_code=segment_code,
        customer_ids=list(dict.fromkeys(int(c) for c in customer_ids)),
        message_channel=message_channel,
        message_body=message_body,
    )
    enqueue_after_commit(tasks.voucher_batch_run, batch.pk)
    return batch


def _batch_customer_ids(batch: VoucherBatch) -> list[int]:
    if batch.customer_ids:
        return sorted({int(c) for c in batch.customer_ids})
    from customers import selectors as customer_selectors
    from customers.models import Segment

    segment = Segment.objects.filter(code=batch.segment_code).first()
    if segment is None:
        raise NotFound(_("Không tìm thấy phân khúc “%(s)s”.") % {"s": batch.segment_code})
    return list(customer_selectors.segment_members(segment).order_by("pk").values_list("pk", flat=True))


class LeaseLost(Exception):
    """Another run took the batch over (this one was too slow to renew its lease): stop."""


def voucher_batch_claim(*, batch_id: int, owner: str, now: dt.datetime | None = None) -> bool:
    """Takes the batch's lease for `owner` if it is free, expired or already theirs (a guarded
    UPDATE, so two runs never both hold it). False when a live run holds it, or it is done."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=conf.batch_lease_seconds())
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner)
    return bool(
        VoucherBatch.objects.filter(free, pk=batch_id)
        .exclude(status=VoucherBatch.Status.DONE)
        .update(status=VoucherBatch.Status.RUNNING, lease_owner=owner, lease_until=now + lease, heartbeat_at=now)
    )


def _batch_renew(batch_id: int, owner: str) -> None:
    # Row-locks the batch for the chunk's transaction: a takeover waits for the chunk to end.
    now = timezone.now()
    held = VoucherBatch.objects.filter(pk=batch_id, lease_owner=owner).update(
        lease_until=now + dt.timedelta(seconds=conf.batch_lease_seconds()), heartbeat_at=now
    )
    if not held:
        raise LeaseLost(batch_id)


def voucher_batch_run(*, batch_id: int, owner: str = "") -> VoucherBatch | None:
    """Issues the batch's vouchers under a lease, one committed chunk at a time.

    Each chunk is one transaction: it renews the lease (refusing to go on if another run took
    it), makes the chunk's vouchers and messages, and moves the counters and the cursor — so
    after a crash the counters equal the rows made and the next holder goes on after the
    cursor; a voucher per customer per batch is also a unique constraint. Answers the batch,
    or None when another live run holds it.
    """
    from channels.models import SKU, Store

    owner = owner or f"run-{uuid.uuid4().hex[:12]}"
    batch = VoucherBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status == VoucherBatch.Status.DONE:
        return batch
    if not voucher_batch_claim(batch_id=batch_id, owner=owner):
        logger.info("voucher batch %s: held by another run", batch_id)
        return None
    template = dict(batch.template)
    stores = list(Store.objects.filter(pk__in=template.get("store_ids") or []))
    gift = SKU.objects.filter(pk=template.get("gift_sku_id")).first() if template.get("gift_sku_id") else None
    try:
        ids = _batch_customer_ids(batch)
        if not batch.customer_ids:  # a segment: its members are frozen at the first run
            VoucherBatch.objects.filter(pk=batch_id).update(customer_ids=ids)
        VoucherBatch.objects.filter(pk=batch_id).update(total=len(ids))
        todo = [i for i in ids if i > batch.cursor]
        chunk = conf.batch_chunk_size()
        for start in range(0, len(todo), chunk):
            _batch_chunk(batch, owner, todo[start : start + chunk], template=template, stores=stores, gift=gift)
        VoucherBatch.objects.filter(pk=batch_id, lease_owner=owner).update(
            status=VoucherBatch.Status.DONE, finished_at=timezone.now(), lease_owner="", lease_until=None
        )
    except LeaseLost:
        logger.warning("voucher batch %s: lease taken over, run %s stops", batch_id, owner)
        return None
    except Exception as exc:  # recorded on the batch for the screen (lease freed), then re-raised for the retry
        VoucherBatch.objects.filter(pk=batch_id, lease_owner=owner).update(
            status=VoucherBatch.Status.FAILED, last_error=str(exc)[:2000], lease_owner="", lease_until=None
        )
        raise
    batch.refresh_from_db()
    return batch


def _batch_chunk(batch: VoucherBatch, owner: str, customer_ids: list[int], *, template: dict, stores, gift) -> None:
    from customers import selectors as customer_selectors

    issued = messaged = skipped = 0
    with transaction.atomic():
        _batch_renew(batch.pk, owner)
        done = set(
            Voucher.objects.filter(batch=batch, customer_id__in=customer_ids).values_list("customer_id", flat=True)
        )
        for customer_id in customer_ids:
            if customer_id in done:  # made by an earlier run whose cursor did not move (never counted twice)
                continue
            try:
                customer = customer_selectors.customer_get(customer_id)
            except NotFound:
                skipped += 1
                continue
            voucher = voucher_create(
                customer=customer,
                campaign=batch.campaign,
                discount_type=template["discount_type"],
                discount_value=int(template.get("discount_value") or 0),
                max_discount=template.get("max_discount"),
                min_basket=int(template.get("min_basket") or 0),
                gift_sku=gift,
                store_only=bool(template.get("store_only", True)),
                stores=stores,
                valid_to=timezone.now() + dt.timedelta(days=int(template.get("valid_days") or 30)),
                source="batch",
                created_by=batch.created_by,
                batch=batch,
            )
            issued += 1
            if batch.message_channel:
                messaged += _batch_message(batch, voucher, customer)
        VoucherBatch.objects.filter(pk=batch.pk).update(
            issued=F("issued") + issued,
            messaged=F("messaged") + messaged,
            skipped=F("skipped") + skipped,
            cursor=customer_ids[-1],
        )


def voucher_batches_resume(*, now: dt.datetime | None = None) -> list[int]:
    """The batches to (re)start: pending for over a minute (their task was lost with the broker)
    or running under an expired lease (their worker died). A failed batch is left to its task's
    own retries and to people (its error is on the screen). Answers their ids."""
    now = now or timezone.now()
    stale = Q(status=VoucherBatch.Status.PENDING, created_at__lt=now - dt.timedelta(minutes=1)) | Q(
        status=VoucherBatch.Status.RUNNING, lease_until__lt=now
    )
    return list(VoucherBatch.objects.filter(stale).order_by("pk").values_list("pk", flat=True))


def voucher_short_link(voucher: Voucher) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}/v/{voucher.code}"


def _batch_message(batch: VoucherBatch, voucher: Voucher, customer) -> int:
    """Sends the voucher to the customer if marketing consent allows; 1 if queued, 0 if not."""
    from customers import services as customer_services

    if not customer_services.customer_can_contact(customer, batch.message_channel, "marketing"):
        return 0
    body = (batch.message_body or _("Ma uu dai cua ban: {code} {link}")).format(
        code=voucher.code, link=voucher_short_link(voucher), name=customer.full_name
    )
    customer_services.message_send(
        customer=customer,
        channel=batch.message_channel,
        purpose="marketing",
        body=body,
        idempotency_key=f"voucher-batch:{batch.pk}:{customer.pk}",
        ref_type="promotions.voucher",
        ref_id=str(voucher.pk),
        campaign_id=batch.campaign_id,
    )
    return 1


# --- who acts where -------------------------------------------------------------------------


def place_resolve(*, user, store_code: str = "", channel_code: str = "", require_store_for_cashier: bool = True):
    """(store, channel) for a request: a cashier acts only in their own stores, and their only
    store is used when none is given. Raises StoreRequired / StoreNotAllowed / invalid."""
    from channels.selectors import channel_get_by_code, store_get_by_code, stores_for_user
    from o2o_site.roles import Role, has_role

    from .errors import StoreNotAllowed, StoreRequired

    store_code = (store_code or "").strip()
    channel_code = (channel_code or "").strip()
    if channel_code and not store_code:
        channel = channel_get_by_code(channel_code)
        if channel is None:
            raise _invalid({"channel": [_("Không tìm thấy kênh bán “%(c)s”.") % {"c": channel_code[:32]}]})
        return None, channel
    mine = stores_for_user(user)
    if not store_code:
        if len(mine) == 1 and not has_role(user, Role.MANAGER):
            return mine[0], None
        raise StoreRequired(
            _("Bạn làm việc ở nhiều cửa hàng: hãy chọn cửa hàng.") if mine else _("Hãy chọn cửa hàng."),
            fields={"store": [_("Bắt buộc.")]},
        )
    store = store_get_by_code(store_code)
    if store is None:
        raise _invalid({"store": [_("Không tìm thấy cửa hàng “%(c)s”.") % {"c": store_code[:32]}]})
    if store.pk not in {s.pk for s in mine}:
        raise StoreNotAllowed()
    return store, None


def customer_resolve_id(customer_id: int | None):
    """The customer for an id given by a client (following merges); invalid field if unknown."""
    if not customer_id:
        return None
    from customers.selectors import customer_get

    try:
        return customer_get(customer_id)
    except NotFound:
        raise _invalid({"customer": [_("Không tìm thấy khách hàng #%(id)s.") % {"id": customer_id}]})


# --- the counter ----------------------------------------------------------------------------


def cashier_checkout(
    *,
    store,
    cashier,
    basket: Basket,
    code: str = "",
    customer=None,
    idempotency_key: str = "",
    ip: str | None = None,
):
    """The cashier's "confirm": redeems the code (if any) and records the store sale, in one
    transaction, both priced by the one engine. Returns (redemption or None, order, priced).

    A retried submit with the same `idempotency_key` returns the first redemption and order.
    Raises VoucherRefused / RateLimited, or channels' InsufficientStock / InvalidInput.
    """
    from channels.services import store_sale_create

    with failures_counted(user=cashier, ip=ip, store=store), transaction.atomic():
        redemption = None
        if code:
            redemption = voucher_redeem(
                code=code,
                cashier=cashier,
                basket=basket,
                store=store,
                customer=customer,
                idempotency_key=idempotency_key,
                ip=ip,
            )
            customer = customer or redemption.customer
        # The promotions part, priced by the same engine at the same instant as the redemption.
        priced = basket_price(basket, store=store, at=redemption.redeemed_at if redemption else None, customer=customer)
        if redemption is not None:
            # The receipt shows the voucher as it was applied (the code is used now: not re-priced).
            voucher = redemption.voucher
            priced.vouchers.append(
                Adjustment(
                    source="voucher",
                    id=voucher.pk,
                    label=voucher.code,
                    amount=redemption.discount,
                    reason=getattr(redemption, "reason", "") or _("Voucher %(c)s") % {"c": voucher.code},
                    campaign_id=voucher.campaign_id,
                    gift_sku=voucher.gift_sku.code if voucher.gift_sku_id else "",
                )
            )
        discount = priced.promotion_discount + (redemption.discount if redemption else 0)
        total = max(0, priced.subtotal - discount)
        order = store_sale_create(
            store=store,
            cashier=cashier,
            customer=customer,
            lines=[{"sku": ln.sku, "quantity": ln.quantity, "unit_price": ln.unit_price} for ln in basket.lines],
            total=total,
            discount_total=discount,
            reference=f"voucher:{redemption.voucher.code}" if redemption else "",
            idempotency_key=f"cashier:{cashier.pk}:{idempotency_key}" if idempotency_key else "",
        )
        if redemption is not None and redemption.order_id is None:
            # The redemption is tied to the sale it discounted (a void gives the sale its price back).
            Redemption.objects.filter(pk=redemption.pk).update(order_ref=order.number[:64], order=order)
            redemption.order_ref, redemption.order = order.number[:64], order
    return redemption, order, priced


def counter_quote(*, store, user, basket: Basket, code: str = "", customer=None, ip: str | None = None) -> PricedBasket:
    """The cashier's "check": prices the basket with the code (if any), counting a failed lookup
    against the cashier and the store; refusals come back inside the result, not as an exception.
    Raises RateLimited once this cashier or IP guessed too often."""
    codes = [code] if normalize_code(code) else []
    if codes:
        lookup_guard(user=user, ip=ip, store=store)
    priced = basket_price(basket, store=store, customer=customer, codes=codes)
    if any(r.error_code == "not_found" for r in priced.refused):
        lookup_failed(user=user, ip=ip, store=store)
    for refusal in priced.refused:
        _explain(refusal)
    return priced


@dataclass
class CodeCheck:
    """A code checked before the total is known: the voucher, or why it cannot be used here."""

    code: str
    voucher: Voucher | None
    refusal: Refusal | None


def counter_code_check(*, store, user, code: str, customer=None, ip: str | None = None) -> CodeCheck:
    """The scanner's code + Enter, before the total: can this code be used at this store now?
    Everything is checked but the minimum spend, which waits for the total. A code that does
    not exist counts as a failed lookup, as in `counter_quote`. Raises RateLimited."""
    from .pricing import Place
    from .selectors import voucher_customer_uses, voucher_store_ids, vouchers_by_codes

    code = normalize_code(code)
    lookup_guard(user=user, ip=ip)
    voucher = vouchers_by_codes([code]).get(code) if code else None
    uses = voucher_customer_uses([voucher], customer) if voucher is not None and voucher.per_customer_limit else {}
    refused = voucher_refusal(
        voucher,
        place=Place(store_id=store.pk),
        store_ids=voucher_store_ids(voucher) if voucher is not None else set(),
        at=timezone.now(),
        customer_id=customer.pk if customer is not None else None,
        customer_uses=uses.get(voucher.pk, 0) if voucher is not None else 0,
        total_before=None,
    )
    refusal = None
    if refused is not None:
        if refused[0] == "not_found":
            lookup_failed(user=user, ip=ip)
        refusal = Refusal(code=code, error_code=refused[0], message=refused[1], voucher=voucher)
        _explain(refusal)
    return CodeCheck(code=code, voucher=voucher if refusal is None else None, refusal=refusal)


def customer_promotions_erase(customer) -> None:
    """Erasure (customers' registry): the customer's unused personal vouchers stop working.
    Redemptions stay, as financial records of the now anonymous profile."""
    Voucher.objects.filter(customer=customer, status=Voucher.Status.ACTIVE).update(status=Voucher.Status.DISABLED)
