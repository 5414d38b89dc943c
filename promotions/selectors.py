"""Reads of the promotions app, shaped for the screens, the API and the other apps.

Public for other apps (docs/CONTRACTS.md): `voucher_find_by_code(code)`,
`vouchers_usable_for_customer(customer, at=None, store=None)`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from .codes import normalize_code
from .models import (
    DEFAULT_STAGE_SHARES,
    AuditEntry,
    BudgetPlan,
    Campaign,
    CampaignSpend,
    JourneyStage,
    Promotion,
    Redemption,
    UpsellRule,
    Voucher,
    VoucherBatch,
    VoucherCustomerUse,
)


def _voucher_qs() -> QuerySet[Voucher]:
    return Voucher.objects.select_related("campaign", "customer", "gift_sku__product").prefetch_related("stores")


def voucher_find_by_code(code: str) -> Voucher | None:
    """The voucher with this code (typed, scanned or from a short link), stores preloaded."""
    code = normalize_code(code)
    if not code:
        return None
    return _voucher_qs().filter(code=code).first()


def vouchers_by_codes(codes: Sequence[str]) -> dict[str, Voucher]:
    """The vouchers for these codes, campaign loaded; on PostgreSQL their store ids come in the
    same query."""
    from django.db import connection

    codes = list(codes)
    if connection.vendor != "postgresql":
        return {v.code: v for v in _voucher_qs().filter(code__in=codes)}
    # Every redemption and validation runs this: one hand-written statement, because building it
    # with the ORM (join, ArrayAgg subquery, Coalesce) cost more CPU than PostgreSQL spends on it.
    vouchers = list(Voucher.objects.raw(_vouchers_by_codes_sql(), [codes]))
    campaign_field = Voucher._meta.get_field("campaign")
    names = [f.attname for f in Campaign._meta.concrete_fields]
    for voucher in vouchers:
        values = [voucher.__dict__.pop(f"campaign__{name}") for name in names]
        campaign = Campaign.from_db(voucher._state.db, names, values) if voucher.campaign_id else None
        campaign_field.set_cached_value(voucher, campaign)
    return {v.code: v for v in vouchers}


_VOUCHERS_BY_CODES_SQL: list[str] = []


def _vouchers_by_codes_sql() -> str:
    if not _VOUCHERS_BY_CODES_SQL:
        voucher_columns = ", ".join(f'v."{f.column}"' for f in Voucher._meta.concrete_fields)
        campaign_columns = ", ".join(
            f'c."{f.column}" AS "campaign__{f.attname}"' for f in Campaign._meta.concrete_fields
        )
        through = Voucher.stores.through._meta.db_table
        _VOUCHERS_BY_CODES_SQL.append(
            f"SELECT {voucher_columns}, {campaign_columns}, "
            f"COALESCE((SELECT array_agg(t.store_id ORDER BY t.store_id) FROM {through} t "
            f"WHERE t.voucher_id = v.id), '{{}}') AS store_ids "
            f"FROM {Voucher._meta.db_table} v LEFT JOIN {Campaign._meta.db_table} c ON c.id = v.campaign_id "
            f"WHERE v.code = ANY(%s)"
        )
    return _VOUCHERS_BY_CODES_SQL[0]


def voucher_store_ids(voucher: Voucher) -> set[int]:
    """The ids of the stores a voucher is limited to (empty = every store)."""
    ids = getattr(voucher, "store_ids", None)
    if ids is not None:
        return set(ids)
    return {s.pk for s in voucher.stores.all()}


def voucher_get(voucher_id: int) -> Voucher | None:
    return _voucher_qs().filter(pk=voucher_id).first()


def voucher_customer_uses(vouchers: Sequence[Voucher], customer) -> dict[int, int]:
    if not vouchers or customer is None:
        return {}
    rows = VoucherCustomerUse.objects.filter(voucher__in=[v.pk for v in vouchers], customer=customer)
    return dict(rows.values_list("voucher_id", "used_count"))


def vouchers_usable_for_customer(
    customer, at: dt.datetime | None = None, store=None, *, with_relations: bool = True
) -> list[Voucher]:
    """The customer's own vouchers that can be used now (and at `store`, when given).

    Valid now (period and time slot, Vietnam time), active, with a use left, and for `store`
    either valid in every store or listing it. Oldest expiry first.

    `with_relations=False` (no `store`) is for screens that show only the voucher's own columns:
    one query, without the campaign/customer/gift joins and the stores prefetch.
    """
    from .pricing import in_time_slot

    if customer is None:
        return []
    at = at or timezone.now()
    lean = not with_relations and store is None
    qs = (
        (Voucher.objects.all() if lean else _voucher_qs())
        .filter(
            customer=customer,
            status=Voucher.Status.ACTIVE,
            valid_from__lte=at,
            valid_to__gt=at,
            used_count__lt=F("usage_limit"),
        )
        .order_by("valid_to", "pk")
    )
    out = []
    for voucher in qs:
        if store is not None:
            store_ids = voucher_store_ids(voucher)
            if store_ids and store.pk not in store_ids:
                continue
        if not in_time_slot(voucher, at):
            continue
        out.append(voucher)
    return out


def voucher_list(*, user=None) -> QuerySet[Voucher]:
    return _voucher_qs().annotate(redemption_count=Count("redemptions", filter=Q(redemptions__status="active")))


# The counter prices every basket against the same few promotions: keep them in the process,
# keyed by (latest change, row count), so one cheap aggregate replaces four queries per basket.
_ACTIVE_CACHE: dict = {}
_ACTIVE_CACHE_LOCK = threading.Lock()
_RECENT = dt.timedelta(minutes=1)


def _promotions_query(*, not_expired_at: dt.datetime):
    return list(
        Promotion.objects.filter(is_active=True, valid_to__gt=not_expired_at)
        .prefetch_related("skus", "stores", "channels")
        .order_by("priority", "pk")
    )


def _promotions_stamp() -> tuple:
    """(latest change, row count, highest id) of the promotions table: what the cache is keyed by.
    Run on every basket, so written out rather than compiled by the ORM each time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        stamp = Promotion.objects.aggregate(changed=Max("updated_at"), rows=Count("id"), last=Max("id"))
        return (stamp["changed"], stamp["rows"], stamp["last"])
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX("updated_at"), COUNT("id"), MAX("id") FROM {Promotion._meta.db_table}')
        return tuple(cursor.fetchone())


def promotions_active(*, at: dt.datetime, store=None, channel=None) -> list[Promotion]:
    """Promotions switched on and not expired at `at`, scopes preloaded; the engine checks each
    one's period and time slot. For `at` near now the list comes from an in-process cache that
    any change to a promotion (a save moves `updated_at`, a delete the count) invalidates."""
    now = timezone.now()
    if at < now - _RECENT:
        return [p for p in _promotions_query(not_expired_at=at) if p.valid_from <= at]
    key = _promotions_stamp()
    with _ACTIVE_CACHE_LOCK:
        cached = _ACTIVE_CACHE.get("active")
    # The cached list left out what had expired a minute before it was read: it serves only
    # instants after that floor.
    if cached is not None and cached[0] == key and at >= cached[1]:
        return cached[2]
    floor = min(now, at) - _RECENT
    promotions = _promotions_query(not_expired_at=floor)
    with _ACTIVE_CACHE_LOCK:
        _ACTIVE_CACHE["active"] = (key, floor, promotions)
    return promotions


def promotions_running_now(*, store, at: dt.datetime | None = None) -> list[Promotion]:
    """For the cashier: what applies at this store right now, time slot included."""
    from .pricing import Place, _promotion_matches

    at = at or timezone.now()
    place = Place(store_id=store.pk)
    return [p for p in promotions_active(at=at, store=store) if _promotion_matches(p, place, at, set(p.segment_codes))]


def promotion_list() -> QuerySet[Promotion]:
    return Promotion.objects.select_related("campaign").prefetch_related("skus", "stores", "channels")


def customer_segment_codes(customer) -> set[str]:
    """The codes of the segments the customer is in now (customers' selector when it has one)."""
    if customer is None:
        return set()
    try:
        from customers import selectors as customer_selectors
    except ImportError:  # customers' selectors not there: no segment-scoped promotion applies
        return set()
    fn = getattr(customer_selectors, "customer_segments", None)
    if fn is None:
        return set()
    return {segment.code for segment in fn(customer)}


def redemption_get(redemption_id: int) -> Redemption | None:
    return (
        Redemption.objects.select_related("voucher", "store", "cashier", "customer", "campaign")
        .filter(pk=redemption_id)
        .first()
    )


def redemption_list() -> QuerySet[Redemption]:
    return Redemption.objects.select_related("voucher", "store", "cashier", "customer", "campaign", "order")


def redemption_last_active(voucher: Voucher) -> Redemption | None:
    """The latest use of a voucher still standing (not voided): when, where, which receipt."""
    return (
        Redemption.objects.select_related("store")
        .filter(voucher=voucher, status=Redemption.Status.ACTIVE)
        .order_by("-redeemed_at", "-pk")
        .first()
    )


def voucher_public_state(voucher: Voucher, at: dt.datetime | None = None) -> dict:
    """What the customer's page says about their voucher: `state` is usable, voided (switched
    off), used, expired or not_yet_valid; `message` is the plain sentence; `last_use` the latest
    standing redemption when used. Dates in dd/mm/yyyy HH:MM, Vietnam time."""
    from django.utils.translation import gettext as _

    from .pricing import DATETIME_FORMAT

    at = at or timezone.now()

    def local(value: dt.datetime) -> str:
        return timezone.localtime(value).strftime(DATETIME_FORMAT)

    if voucher.status != Voucher.Status.ACTIVE:
        return {"state": "voided", "message": _("Voucher này đã bị hủy và không còn dùng được."), "last_use": None}
    if voucher.used_count >= voucher.usage_limit:
        last = redemption_last_active(voucher)
        if last is not None:
            where = last.store.name if last.store_id else last.channel_code
            message = _("Voucher đã được sử dụng lúc %(at)s tại %(where)s.") % {
                "at": local(last.redeemed_at),
                "where": where,
            }
        else:
            message = _("Voucher đã được sử dụng hết số lượt.")
        return {"state": "used", "message": message, "last_use": last}
    if at >= voucher.valid_to:
        return {
            "state": "expired",
            "message": _("Voucher đã hết hạn lúc %(d)s.") % {"d": local(voucher.valid_to)},
            "last_use": None,
        }
    if at < voucher.valid_from:
        return {
            "state": "not_yet_valid",
            "message": _("Voucher chưa đến ngày dùng: dùng được từ %(d)s.") % {"d": local(voucher.valid_from)},
            "last_use": None,
        }
    return {"state": "usable", "message": "", "last_use": None}


def redemption_by_idempotency_key(*, cashier, key: str) -> Redemption | None:
    if not key:
        return None
    return redemption_list().filter(cashier=cashier, idempotency_key=key).first()


def redemptions_for_store_today(*, store, limit: int = 10) -> list[Redemption]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(redemption_list().filter(store=store, redeemed_at__gte=start)[:limit])


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("channel").annotate(
        spent=Sum("spends__amount", default=0),
    )


def upsell_for_basket(basket) -> list[UpsellRule]:
    """The upsell suggestions configured for what is in the basket (one query)."""
    sku_ids = [line.sku_id for line in basket.lines if line.sku_id]
    if not sku_ids:
        return []
    in_basket = set(sku_ids)
    rules = (
        UpsellRule.objects.filter(is_active=True, trigger_skus__in=sku_ids)
        .exclude(suggested_sku__in=sku_ids)
        .select_related("suggested_sku__product")
        .distinct()
        .order_by("pk")
    )
    return [r for r in rules if r.suggested_sku_id not in in_basket]


def budget_plan_vs_actual(plan: BudgetPlan) -> list[dict]:
    """Planned (share of the plan's total) against actual spend, per journey stage, in the plan's period."""
    from o2o_site.money import percent_of

    spent = dict(
        CampaignSpend.objects.filter(spent_on__gte=plan.starts_on, spent_on__lte=plan.ends_on)
        .values_list("campaign__journey_stage")
        .annotate(total=Sum("amount"))
        .values_list("campaign__journey_stage", "total")
    )
    rows = []
    for stage in JourneyStage:
        planned = percent_of(plan.total_budget, plan.share(stage.value))
        actual = int(spent.get(stage.value) or 0)
        rows.append(
            {
                "stage": stage.value,
                "label": str(stage.label),
                "share_percent": plan.share(stage.value),
                "default_share_percent": DEFAULT_STAGE_SHARES[stage],
                "planned": planned,
                "actual": actual,
                "remaining": planned - actual,
            }
        )
    return rows


def batch_get(batch_id: int) -> VoucherBatch | None:
    return VoucherBatch.objects.filter(pk=batch_id).first()


def audit_list() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor", "redemption")


def batch_list() -> QuerySet[VoucherBatch]:
    return VoucherBatch.objects.select_related("campaign", "created_by")


def prefetch_for_vouchers(qs):
    return qs.prefetch_related(Prefetch("stores"))


def budget_plan_current(day: dt.date | None = None) -> BudgetPlan | None:
    """The plan covering `day` (today in Vietnam by default), else the latest one."""
    day = day or timezone.localdate()
    qs = BudgetPlan.objects.order_by("-starts_on", "-pk")
    return qs.filter(starts_on__lte=day, ends_on__gte=day).first() or qs.first()


def customer_promotions_export(customer) -> dict:
    """The customer's vouchers and redemptions, for the personal-data export (customers' registry)."""
    vouchers = Voucher.objects.filter(customer=customer).select_related("campaign").order_by("pk")
    redemptions = Redemption.objects.filter(customer=customer).select_related("voucher", "store").order_by("pk")
    return {
        "vouchers": [
            {
                "code": v.code,
                "discount_type": v.discount_type,
                "discount_value": v.discount_value,
                "valid_from": v.valid_from.isoformat(),
                "valid_to": v.valid_to.isoformat(),
                "used_count": v.used_count,
                "status": v.status,
                "campaign": v.campaign.name if v.campaign else None,
            }
            for v in vouchers
        ],
        "redemptions": [
            {
                "code": r.voucher.code,
                "store": r.store.code if r.store else None,
                "discount": r.discount,
                "total": r.total,
                "status": r.status,
                "redeemed_at": r.redeemed_at.isoformat(),
            }
            for r in redemptions
        ],
    }


def dashboard_headlines(day: dt.date) -> list:
    """The manager's landing page: vouchers redeemed in the stores on `day` (1 query)."""
    from django.db.models.functions import Coalesce
    from django.utils.translation import gettext as _

    from o2o_site.dashboard import Headline, day_bounds
    from o2o_site.money import format_number, format_vnd

    start, end = day_bounds(day)
    row = Redemption.objects.filter(
        status=Redemption.Status.ACTIVE, redeemed_at__gte=start, redeemed_at__lt=end
    ).aggregate(n=Count("pk"), discount=Coalesce(Sum("discount"), 0))
    return [
        Headline(
            label=_("Lượt dùng voucher hôm nay"),
            value=format_number(row["n"]),
            url_name="promotions:overview",
            details=((_("Tổng tiền giảm"), format_vnd(int(row["discount"]))),) if row["n"] else (),
        )
    ]
